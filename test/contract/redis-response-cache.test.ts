import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { RedisResponseCache } from '../../src/adapters/redis/redis-response-cache';
import type { NewCacheEntry } from '../../src/ports/response-cache';
import { testRedisUrl } from '../setup/test-services';
import { deleteKeys, newPrefix, redisContractHarness } from '../helpers/redis-prefix';
import { defineResponseCacheStoreContract } from './response-cache.contract';

defineResponseCacheStoreContract('RedisResponseCache', redisContractHarness('response-cache', (redis, prefix) => new RedisResponseCache(redis, { prefix })));

const testPrefix = () => newPrefix('response-cache');

describe('RedisResponseCache keys and scripts', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisResponseCache;
  const scope = 'aaaabbbbccccddddaaaabbbbccccdddd';
  const vector = Float32Array.from([0.6, 0.8, 0, 0]);
  const entry = (id: string, extra: Partial<NewCacheEntry> = {}): NewCacheEntry => ({
    scope,
    id,
    reply: { content: 'hello', model: 'gpt-4o-mini', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 }, signature: 's', createdAtMs: 1 },
    ttlMs: 60_000,
    maxEntriesPerScope: 10,
    maxPerBucket: 100,
    index: 'idx',
    embedding: { vector, buckets: [12, 1024 + 7] },
    ...extra,
  });

  beforeAll(async () => {
    redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
  });
  afterAll(async () => redis.quit());
  beforeEach(() => {
    prefix = testPrefix();
    store = new RedisResponseCache(redis, { prefix });
  });
  afterEach(async () => deleteKeys(redis, prefix));

  it("keeps every key of a scope under the prefix and the scope's hash tag, each with a time to live", async () => {
    await store.claimFlight({ scope, id: '0123456789abcdef' }, 'owner', 30_000);
    await store.put(entry('0123456789abcdef', { flightOwner: 'owner' }));
    await store.claimFlight({ scope, id: 'fedcba9876543210' }, 'owner', 30_000);
    const keys = (await redis.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([
      `${prefix}{${scope}}:buckets:idx`,
      `${prefix}{${scope}}:entries`,
      `${prefix}{${scope}}:expiries`,
      `${prefix}{${scope}}:filed:idx`,
      `${prefix}{${scope}}:flight:fedcba9876543210`,
      `${prefix}{${scope}}:vectors:idx`,
    ]);
    const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
    expect(ttls.every((ttl) => ttl > 0 && ttl <= 60_000)).toBe(true);
  });

  it('stores vectors compactly: 4 bytes per dimension, little-endian float32', async () => {
    await store.put(entry('0123456789abcdef'));
    const blob = await redis.hgetBuffer(`${prefix}{${scope}}:vectors:idx`, '0123456789abcdef');
    expect(blob?.length).toBe(4 * vector.length);
    expect(blob?.readFloatLE(4)).toBeCloseTo(0.8, 6);
  });

  it('removes an evicted entry from every structure, buckets included', async () => {
    await store.put(entry('0123456789abcdef', { maxEntriesPerScope: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.put(entry('fedcba9876543210', { maxEntriesPerScope: 1 }));
    expect(await redis.hkeys(`${prefix}{${scope}}:entries`)).toEqual(['fedcba9876543210']);
    expect(await redis.hkeys(`${prefix}{${scope}}:vectors:idx`)).toEqual(['fedcba9876543210']);
    expect(await redis.hgetall(`${prefix}{${scope}}:buckets:idx`)).toEqual({ '12': 'fedcba9876543210', '1031': 'fedcba9876543210' });
    expect(await redis.hgetall(`${prefix}{${scope}}:filed:idx`)).toEqual({ fedcba9876543210: '12,1031' });
  });

  it('still works after the server forgets its scripts', async () => {
    await redis.script('FLUSH');
    await store.put(entry('0123456789abcdef'));
    expect((await store.get({ scope, id: '0123456789abcdef' }))?.content).toBe('hello');
  });

  it('treats an entry it cannot read as absent', async () => {
    await store.put(entry('0123456789abcdef'));
    await redis.hset(`${prefix}{${scope}}:entries`, '0123456789abcdef', '{"c":1}');
    expect(await store.get({ scope, id: '0123456789abcdef' })).toBeNull();
    expect(await store.claimFlight({ scope, id: '0123456789abcdef' }, 'a', 1_000)).toEqual({ kind: 'abandoned' });
  });

  it('refuses a prefix that would break the hash tag, and names that would escape their keys', async () => {
    expect(() => new RedisResponseCache(redis, { prefix: 'bad{prefix}:' })).toThrow(/must not contain/);
    await expect(store.put(entry('0123456789abcdef', { index: 'x}:y' }))).rejects.toThrow(/invalid similarity index/);
    await expect(store.put(entry('not-an-entry-id!'))).rejects.toThrow(/invalid response cache entry id/);
  });

  it('rejects, rather than hangs, when Redis is unreachable', async () => {
    const dead = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 200 });
    dead.disconnect();
    await expect(new RedisResponseCache(dead).get({ scope, id: '0123456789abcdef' })).rejects.toThrow();
  });
});
