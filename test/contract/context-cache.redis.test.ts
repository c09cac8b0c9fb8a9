import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { RedisContextCache, type ContextCacheOperation } from '../../src/adapters/redis/redis-context-cache';
import { startRedisServer, type RedisProcess } from '../../src/dev/redis-process';
import type { CachedContext } from '../../src/ports/context-cache';
import { testRedisUrl } from '../setup/test-services';
import { defineContextCacheContract } from './context-cache.contract';
import { redisContextCacheHarness } from '../helpers/redis-prefix';

const newPrefix = () => `parley-test:ctx:${randomUUID()}:`;
const connect = (url = testRedisUrl(), commandTimeoutMs = 2_000) => connectRedis({ url, commandTimeoutMs });

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

const CONTEXT: CachedContext = {
  turns: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }],
  throughSeq: 2,
  summary: null,
  summaryThroughSeq: 0,
  systemPromptVersion: 1,
  branchVersion: 0,
};

defineContextCacheContract('RedisContextCache', redisContextCacheHarness(() => connect()));

describe('RedisContextCache keys, values and failures', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => redis.quit());
  beforeEach(() => {
    prefix = newPrefix();
  });
  afterEach(async () => deleteKeys(redis, prefix));

  it('keeps one JSON key per conversation under the prefix, with the time to live', async () => {
    const cache = new RedisContextCache(redis, { prefix, ttlSeconds: 120 });
    await cache.set('conv-1', CONTEXT);
    await cache.append('conv-2', [{ role: 'user', content: 'x' }], 3, 2, 10);
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}conv-1`]);
    expect(JSON.parse((await redis.get(`${prefix}conv-1`))!)).toEqual(CONTEXT);
    const ttl = await redis.pttl(`${prefix}conv-1`);
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('defaults to the parley:ctx: prefix and a one-hour time to live', async () => {
    const cache = new RedisContextCache(redis);
    const id = `test-${randomUUID()}`;
    await cache.set(id, CONTEXT);
    const ttl = await redis.pttl(`parley:ctx:${id}`);
    await redis.del(`parley:ctx:${id}`);
    expect(ttl).toBeGreaterThan(3_590_000);
  });

  it('reads anything that is not a window as a miss, and an append drops it', async () => {
    const cache = new RedisContextCache(redis, { prefix });
    for (const junk of ['not json', '[]', '{"turns":[{"role":"system","content":"x"}],"throughSeq":2}', JSON.stringify({ ...CONTEXT, throughSeq: -1 })]) {
      await redis.set(`${prefix}c`, junk);
      expect(await cache.get('c')).toBeNull();
    }
    await redis.set(`${prefix}c`, 'not json');
    expect(await cache.append('c', [], 4, 2, 10)).toBe('dropped');
    expect(await redis.exists(`${prefix}c`)).toBe(0);
  });

  it('still appends after the server forgets its scripts', async () => {
    const cache = new RedisContextCache(redis, { prefix });
    await cache.set('c', CONTEXT);
    await redis.script('FLUSH');
    expect(await cache.append('c', [{ role: 'user', content: 'again' }], 3, 2, 10)).toBe('appended');
  });

  it('refuses a time to live that is not positive', () => {
    expect(() => new RedisContextCache(redis, { ttlSeconds: 0 })).toThrow(RangeError);
  });

  describe('when Redis fails', () => {
    let own: RedisProcess;
    let failures: ContextCacheOperation[];
    const onError = (operation: ContextCacheOperation) => void failures.push(operation);

    beforeAll(async () => {
      own = await startRedisServer();
    });
    afterAll(async () => own.stop());
    beforeEach(() => {
      failures = [];
    });

    it('a stalled Redis costs one command timeout, then is skipped for the cool-down, then used again', async () => {
      const slow = await connect(own.url, 200);
      const admin = await connect(own.url);
      const cache = new RedisContextCache(slow, { prefix, onError, cooldownMs: 600 });
      await cache.set('c', CONTEXT);
      await admin.call('CLIENT', 'PAUSE', '500', 'ALL');
      const started = performance.now();
      expect(await cache.get('c')).toBeNull();
      expect(await cache.append('c', [], 4, 2, 10)).toBe('unavailable');
      await cache.set('c', { ...CONTEXT, throughSeq: 9 });
      await cache.invalidate('c');
      expect(performance.now() - started).toBeLessThan(400);
      expect(failures).toEqual(['get']);
      await sleep(700);
      expect(await cache.get('c')).toEqual(CONTEXT);
      slow.disconnect();
      admin.disconnect();
    });

    it('a Redis that is gone answers at once, never rejecting', async () => {
      const dead = await connect(own.url, 2_000);
      dead.disconnect();
      const cache = new RedisContextCache(dead, { prefix, onError, cooldownMs: 0 });
      const started = performance.now();
      expect(await cache.get('c')).toBeNull();
      expect(await cache.append('c', [], 4, 2, 10)).toBe('unavailable');
      await expect(cache.set('c', CONTEXT)).resolves.toBeUndefined();
      await expect(cache.invalidate('c')).resolves.toBeUndefined();
      expect(performance.now() - started).toBeLessThan(200);
      expect(failures).toEqual(['get', 'append', 'set', 'invalidate']);
    });
  });
});
