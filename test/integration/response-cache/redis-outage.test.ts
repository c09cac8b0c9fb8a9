import type { Redis } from 'ioredis';
import { MemoryResponseCache } from '../../../src/adapters/memory/memory-response-cache';
import { connectRedis } from '../../../src/adapters/redis/redis-connection';
import { RedisResponseCache } from '../../../src/adapters/redis/redis-response-cache';
import { embedText } from '../../../src/dev/fake-openai-embeddings';
import { startRedisServer, type RedisProcess } from '../../../src/dev/redis-process';
import type { Embedder } from '../../../src/ports/embedder';
import {
  CacheLevel,
  EMPTY_CONTEXT_FINGERPRINT,
  ResponseCacheService,
  type CacheableReply,
  type LookupResult,
  type ResponseCacheRequest,
} from '../../../src/services/response-cache';
import { captureLog } from '../../helpers/captured-log';

const COMMAND_TIMEOUT_MS = 200;
const complete = (content: string): CacheableReply => ({
  status: 'COMPLETE',
  content,
  model: 'gpt-4o-mini',
  usage: { promptTokens: 5, completionTokens: 5, totalTokens: 10 },
});
const embedder: Embedder = { space: 'test.words.256', embed: async (texts) => texts.map((text) => embedText(text, 256)) };
const request = (message: string): ResponseCacheRequest => ({
  userId: 'alice',
  model: 'gpt-4o-mini',
  systemPromptVersion: 1,
  contextFingerprint: EMPTY_CONTEXT_FINGERPRINT,
  message,
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('response cache when Redis is slow or gone', () => {
  let server: RedisProcess;
  let redis: Redis;
  let admin: Redis;
  const captured = captureLog('warn');
  const lookups: Array<[CacheLevel, LookupResult]> = [];
  let cache: ResponseCacheService;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = await connectRedis({ url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    admin = await connectRedis({ url: server.url, commandTimeoutMs: 2_000 });
    cache = new ResponseCacheService({
      store: new RedisResponseCache(redis),
      embedder,
      log: captured.log,
      options: { similarEnabled: true },
      onLookup: (level, result) => lookups.push([level, result]),
    });
  });
  afterAll(async () => {
    redis.disconnect();
    admin.disconnect();
    await server.stop();
  });

  it('misses within one command timeout while Redis stalls, skips Redis for a moment after, and hits again once it answers', async () => {
    const query = cache.prepare(request('How do I reset my password?'));
    expect(await cache.store(query, complete('Use the reset link.'))).toBe(true);
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
    const slow = await timed(() => cache.lookup(query));
    expect(slow.value).toBeNull();
    expect(slow.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 2);
    const resting = await timed(() => cache.lookup(query));
    expect(resting.value).toBeNull();
    expect(resting.ms).toBeLessThan(20);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await cache.lookup(query))?.content).toBe('Use the reset link.');
  });

  it('once Redis is stopped: lookups miss quickly, writes do not throw, single-flight still calls the model', async () => {
    const query = cache.prepare(request('How do I reset my password?'));
    expect((await cache.lookup(query))?.level).toBe(CacheLevel.Exact);
    await server.stop();
    lookups.length = 0;

    const exact = await timed(() => cache.lookup(query));
    expect(exact.value).toBeNull();
    expect(exact.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 2);
    const similar = await timed(() => cache.lookup(cache.prepare(request('How do I reset my password please?'))));
    expect(similar.value).toBeNull();
    expect(similar.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 2);
    expect(lookups).toEqual([
      [CacheLevel.Exact, 'error'],
      [CacheLevel.Similar, 'error'],
      [CacheLevel.Exact, 'error'],
      [CacheLevel.Similar, 'error'],
    ]);

    const write = await timed(() => cache.store(query, complete('again')));
    expect(write.value).toBe(false);
    expect(write.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 2);

    let calls = 0;
    const outcome = await cache.singleFlight(query, async () => {
      calls += 1;
      return { value: 'from the model', reply: complete('from the model') };
    });
    expect(outcome).toEqual({ source: 'produced', value: 'from the model', stored: false });
    expect(calls).toBe(1);
  });

  it('logs the outage, throttled per operation', () => {
    const warnings = captured.lines().filter((line) => line.level === 'warn');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.filter((line) => line.operation === 'get')).toHaveLength(1);
    expect(captured.text()).not.toContain('reset my password');
  });
});

describe('response cache without Redis', () => {
  it('runs on the memory adapter with the same service', async () => {
    const cache = new ResponseCacheService({ store: new MemoryResponseCache(), embedder, log: captureLog().log });
    await cache.store(cache.prepare(request('How do I reset my password?')), complete('Use the reset link.'));
    expect((await cache.lookup(cache.prepare(request('How do I reset my password?'))))?.level).toBe(CacheLevel.Exact);
  });
});
