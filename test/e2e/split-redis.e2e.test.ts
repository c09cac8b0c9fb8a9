import { Redis } from 'ioredis';
import { FakeOpenAiServer } from '../../src/dev/fake-openai-server';
import { startRedisServer, type RedisProcess } from '../../src/dev/redis-process';
import { testRedisUrl } from '../setup/test-services';
import { captureLog } from '../helpers/captured-log';
import { SEND } from '../helpers/operations';
import { codes, conversationOf, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Issue 10, finding 9: caches and limits no longer share one unbounded Redis. With
 * CACHE_REDIS_URL the context and response caches live on a bounded, evicting Redis; limits,
 * budgets, slots and reply streams stay on REDIS_URL, which must not evict.
 */
describe('CACHE_REDIS_URL: the caches on a Redis of their own', () => {
  let cacheServer: RedisProcess;
  let main: Redis;
  let cache: Redis;
  let t: TestApp;
  const prefix = `parley-test:split:${process.pid}:${Date.now()}:`;

  beforeAll(async () => {
    cacheServer = await startRedisServer();
    main = new Redis(testRedisUrl());
    cache = new Redis(cacheServer.url);
    // As compose runs it: bounded and evicting.
    await cache.config('SET', 'maxmemory', '16mb');
    await cache.config('SET', 'maxmemory-policy', 'allkeys-lru');
    t = await startTestApp({
      env: { CACHE_REDIS_URL: cacheServer.url, REDIS_KEY_PREFIX: prefix, RESPONSE_CACHE_ENABLED: 'true', REDIS_COMMAND_TIMEOUT_MS: '200' },
    });
  });
  afterAll(async () => {
    await t.stop();
    main.disconnect();
    cache.disconnect();
    await cacheServer.stop();
  });

  const areas = async (redis: Redis) => [...new Set((await redis.keys(`${prefix}*`)).map((key) => key.slice(prefix.length).split(':')[0]))].sort();

  it('keeps caches on the cache Redis and limits, budgets and slots on the main one', async () => {
    const token = await t.token('split-user');
    const first = await t.gql(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'What is a monad?' } });
    expect(codes(first)).toEqual([]);
    const repeat = await t.gql(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'What is a monad?' } });
    expect(codes(repeat)).toEqual([]);
    // The repeat came from the response cache, which lives on the cache Redis.
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(1);
    expect(await areas(cache)).toEqual(['ctx', 'rc']);
    const onMain = await areas(main);
    expect(onMain).toEqual(expect.arrayContaining(['budget', 'rl']));
    expect(onMain).not.toContain('rc');
    expect(onMain).not.toContain('ctx');
  });

  it('keeps answering when the cache Redis stalls, and /readyz stays ready naming it', async () => {
    const token = await t.token('split-stall');
    process.kill(cacheServer.pid, 'SIGSTOP');
    try {
      const sent = await t.gql<{ sendMessage: { assistantMessage: { status: string } } }>(token, SEND, {
        input: { conversationId: await conversationOf(t, token), content: 'Still there while the cache is stuck?' },
      });
      expect(codes(sent)).toEqual([]);
      expect(sent.data?.sendMessage.assistantMessage.status).toBe('COMPLETE');
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, checks: { store: 'ok', redis: 'ok', 'cache-redis': 'unavailable' } });
    } finally {
      process.kill(cacheServer.pid, 'SIGCONT');
    }
  });
});

describe('Redis set up against its role', () => {
  it('warns at boot when the main Redis evicts, or the cache Redis is unbounded', async () => {
    const evicting = await startRedisServer();
    const unbounded = await startRedisServer();
    const admin = new Redis(evicting.url);
    await admin.config('SET', 'maxmemory', '64mb');
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const captured = captureLog('warn');
    const t = await startTestApp({ log: captured.log, env: { REDIS_URL: evicting.url, CACHE_REDIS_URL: unbounded.url } });
    try {
      const warnings = captured.lines().map((line) => String(line.message));
      expect(warnings).toEqual(expect.arrayContaining([
        expect.stringMatching(/^REDIS_URL: this Redis evicts keys \(maxmemory-policy allkeys-lru\)/),
        expect.stringMatching(/^CACHE_REDIS_URL: this cache Redis is unbounded \(maxmemory 0\)/),
      ]));
    } finally {
      await t.stop();
      admin.disconnect();
      await evicting.stop();
      await unbounded.stop();
    }
  });

  it('refuses to start, naming the cache Redis, when CACHE_REDIS_URL cannot be reached', async () => {
    const gone = await startRedisServer();
    await gone.stop();
    const fake = new FakeOpenAiServer();
    await fake.start(0);
    try {
      await expect(startTestApp({ fake, env: { CACHE_REDIS_URL: gone.url } })).rejects.toThrow(/^cannot reach the cache Redis \(CACHE_REDIS_URL\) at redis:\/\/127\.0\.0\.1:\d+: /);
    } finally {
      await fake.stop();
    }
  });
});
