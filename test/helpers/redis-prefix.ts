import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { testRedisUrl } from '../setup/test-services';

/** A key prefix no other test uses, so tests can share one Redis. */
export const newPrefix = (area: string) => `parley-test:${area}:${randomUUID()}:`;

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

/**
 * The `open` of a contract suite for a Redis adapter: each test gets a fresh adapter under a
 * fresh prefix, and its keys are deleted afterwards.
 */
export function redisContractHarness<T>(area: string, create: (redis: Redis, prefix: string) => T) {
  return async () => {
    const redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
    let prefix = newPrefix(area);
    let store = create(redis, prefix);
    return {
      get store() {
        return store;
      },
      reset: async () => {
        await deleteKeys(redis, prefix);
        prefix = newPrefix(area);
        store = create(redis, prefix);
      },
      close: async () => {
        await deleteKeys(redis, prefix);
        await redis.quit();
      },
    };
  };
}
