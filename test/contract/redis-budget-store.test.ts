import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { RedisBudgetStore } from '../../src/adapters/redis/redis-budget-store';
import { UNLIMITED, type BudgetPeriods } from '../../src/ports/budget-store';
import { testRedisUrl } from '../setup/test-services';
import { deleteKeys, newPrefix, redisContractHarness } from '../helpers/redis-prefix';
import { defineBudgetStoreContract } from './budget-store.contract';

defineBudgetStoreContract('RedisBudgetStore', redisContractHarness('budget', (redis, prefix) => new RedisBudgetStore(redis, { prefix })));

const testPrefix = () => newPrefix('budget');

describe('RedisBudgetStore keys and scripts', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisBudgetStore;
  const periods: BudgetPeriods = {
    day: { id: '2026-11-25', limit: { tokens: 1_000, microUsd: UNLIMITED }, ttlSeconds: 90_000 },
    month: { id: '2026-11', limit: { tokens: UNLIMITED, microUsd: UNLIMITED }, ttlSeconds: 2_700_000 },
  };

  beforeAll(async () => {
    redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
  });
  afterAll(async () => redis.quit());
  beforeEach(() => {
    prefix = testPrefix();
    store = new RedisBudgetStore(redis, { prefix });
  });
  afterEach(async () => deleteKeys(redis, prefix));

  it("keeps every key of a user under the prefix and the user's hash tag, each with a time to live", async () => {
    await store.reserve('alice', 'r1', { tokens: 10, microUsd: 5 }, periods, 30_000);
    await store.settle('alice', 'r1', { tokens: 8, microUsd: 4 }, periods);
    await store.reserve('alice', 'r2', { tokens: 10, microUsd: 5 }, periods, 30_000);
    const keys = (await redis.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([
      `${prefix}{alice}:day:2026-11-25`,
      `${prefix}{alice}:month:2026-11`,
      `${prefix}{alice}:reservation-amounts`,
      `${prefix}{alice}:reservations`,
      `${prefix}{alice}:settled`,
    ]);
    const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
    expect(ttls.every((ttl) => ttl > 0)).toBe(true);
    expect(await redis.ttl(`${prefix}{alice}:month:2026-11`)).toBeGreaterThan(2_600_000);
  });

  it('still works after the server forgets its scripts', async () => {
    await redis.script('FLUSH');
    expect(await store.reserve('alice', 'r1', { tokens: 10, microUsd: 0 }, periods, 30_000)).toEqual({ ok: true });
    expect((await store.usage('alice', periods)).day.reserved.tokens).toBe(10);
  });

  it('refuses a prefix that would break the hash tag', () => {
    expect(() => new RedisBudgetStore(redis, { prefix: 'bad{prefix}:' })).toThrow(/must not contain/);
  });

  it('rejects, rather than hangs, when Redis is unreachable', async () => {
    const dead = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 200 });
    dead.disconnect();
    await expect(new RedisBudgetStore(dead).reserve('alice', 'r1', { tokens: 1, microUsd: 0 }, periods, 1_000)).rejects.toThrow();
  });
});
