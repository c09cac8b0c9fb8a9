import { randomUUID } from 'node:crypto';
import { connectRedis, isCluster, type RedisClient } from '../../src/adapters/redis/redis-connection';
import { RedisContextCache } from '../../src/adapters/redis/redis-context-cache';
import { RedisReplyBus } from '../../src/adapters/redis/redis-reply-bus';
import type { ContextCacheHarness } from '../contract/context-cache.contract';
import type { ReplyBusHarness } from '../contract/reply-bus.contract';
import { testRedisUrl } from '../setup/test-services';

/** A key prefix no other test uses, so tests can share one Redis. */
export const newPrefix = (area: string) => `parley-test:${area}:${randomUUID()}:`;

/** Deletes every key under `prefix`: on each master of a cluster, one key at a time there (keys of one DEL must share a slot). */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  if (isCluster(redis)) {
    await Promise.all(redis.nodes('master').map(async (node) => {
      for (const key of await node.keys(`${prefix}*`)) await redis.del(key);
    }));
    return;
  }
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

/**
 * The `open` of a contract suite for a Redis adapter: each test gets a fresh adapter under a
 * fresh prefix, and its keys are deleted afterwards.
 */
export function redisContractHarness<T>(area: string, create: (redis: RedisClient, prefix: string) => T, connect: () => Promise<RedisClient> = () => connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 })) {
  return async () => {
    const redis = await connect();
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

/** The ContextCache contract's harness for RedisContextCache: three views of one cache, each on its own connection. */
export function redisContextCacheHarness(connect: () => Promise<RedisClient>) {
  return async (): Promise<ContextCacheHarness> => {
    const connections = await Promise.all([connect(), connect(), connect()]);
    let prefix = newPrefix('ctx');
    let clients = connections.map((redis) => new RedisContextCache(redis, { prefix }));
    return {
      get clients() {
        return clients;
      },
      reset: async (ttlSeconds?: number) => {
        await deleteKeys(connections[0]!, prefix);
        prefix = newPrefix('ctx');
        clients = connections.map((redis) => new RedisContextCache(redis, { prefix, ttlSeconds }));
      },
      close: async () => {
        await deleteKeys(connections[0]!, prefix);
        await Promise.all(connections.map((redis) => redis.quit()));
      },
    };
  };
}

/** The ReplyBus contract's harness for RedisReplyBus: two instances, separate connections, one prefix. */
export function redisReplyBusHarness(connect: () => Promise<RedisClient>) {
  return async (options: { ttlMs: number; maxEvents: number }): Promise<ReplyBusHarness> => {
    const prefix = newPrefix('reply-bus');
    const [a, b] = await Promise.all([connect(), connect()]);
    const bus = new RedisReplyBus(a, { prefix, ...options });
    const peer = new RedisReplyBus(b, { prefix, ...options });
    return {
      bus,
      peer,
      close: async () => {
        await bus.close();
        await peer.close();
        await deleteKeys(a, prefix);
        await Promise.all([a.quit(), b.quit()]);
      },
    };
  };
}
