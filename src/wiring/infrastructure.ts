import type { RedisClient } from '../adapters/redis/redis-connection';
import type { Config } from '../config';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store';
import { MongoChatStore } from '../adapters/mongo/mongo-chat-store';
import { connectMongo } from '../adapters/mongo/mongo-connection';
import { guardUnavailable } from '../adapters/mongo/unavailable-guard';
import { connectRedis, evictionSettings, type EvictionSettings } from '../adapters/redis/redis-connection';
import { RedisHealth } from '../adapters/redis/redis-health';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { timeAsyncMethods } from '../observability/method-proxy';
import type { ChatStore } from '../ports/chat-store';

/** MongoDB when configured; otherwise the memory store, loudly. Timed either way. */
export async function createStore(config: Config, log: Logger, metrics: Metrics, given?: ChatStore): Promise<ChatStore> {
  const kind = given ? 'given' : config.mongo.uri ? 'mongo' : 'memory';
  return timedStore(given ?? (await openStore(config, log)), kind, metrics);
}

async function openStore(config: Config, log: Logger): Promise<ChatStore> {
  if (!config.mongo.uri) {
    log.warn('MONGODB_URI is not set: using the in-memory store. NOTHING WILL PERSIST across restarts.');
    return new MemoryChatStore();
  }
  const store = new MongoChatStore(await connectMongo({ uri: config.mongo.uri, poolSize: config.mongo.poolSize }));
  await store.init();
  return guardUnavailable(store);
}

function timedStore(store: ChatStore, kind: string, metrics: Metrics): ChatStore {
  return timeAsyncMethods(store, (operation, seconds, outcome) =>
    metrics.storeDuration.observe({ store: kind, operation, outcome }, seconds),
  );
}

/** Times a Redis-backed component's calls under `component`. */
export function timedRedis<T extends object>(target: T, component: string, metrics: Metrics): T {
  return timeAsyncMethods(target, (operation, seconds, outcome) =>
    metrics.redisDuration.observe({ component, operation, outcome }, seconds),
  );
}

/**
 * The two roles Redis plays. `main` holds what must never be evicted: rate limits, budgets,
 * generation slots and reply streams. `cache` holds the context and response caches, which may
 * be evicted at any time; it is `main` unless CACHE_REDIS_URL names another server.
 */
export interface RedisConnections {
  main: RedisLink | null;
  cache: RedisLink | null;
}

/** A connection and its health: components built on it fail fast while it is unhealthy. */
export interface RedisLink {
  client: RedisClient;
  health: RedisHealth;
}

export async function createRedis(config: Config, log: Logger): Promise<RedisConnections> {
  const { url, cacheUrl, commandTimeoutMs, clusterNodes } = config.redis;
  const main = clusterNodes.length > 0
    ? await openRedis(url ?? '', 'the Redis Cluster', commandTimeoutMs, log, clusterNodes)
    : url ? await openRedis(url, 'Redis', commandTimeoutMs, log) : null;
  const separate = cacheUrl !== undefined && cacheUrl !== url;
  let cache = main;
  try {
    if (separate) cache = await openRedis(cacheUrl, 'the cache Redis (CACHE_REDIS_URL)', commandTimeoutMs, log);
  } catch (error: unknown) {
    main?.client.disconnect();
    throw error;
  }
  if (main) warnOnEviction(log, 'REDIS_URL', await evictionSettings(main.client), false);
  if (separate && cache) warnOnEviction(log, 'CACHE_REDIS_URL', await evictionSettings(cache.client), true);
  return { main, cache };
}

async function openRedis(url: string, label: string, commandTimeoutMs: number, log: Logger, clusterNodes: string[] = []): Promise<RedisLink> {
  const client = await connectRedis({ url, commandTimeoutMs, label, clusterNodes });
  let lastWarned = 0;
  client.on('error', (error: Error) => {
    if (Date.now() - lastWarned < 10_000) return;
    lastWarned = Date.now();
    log.warn(`${label}: connection error`, { err: error.message });
  });
  const health = new RedisHealth(client, {
    label,
    onChange: (healthy, error) =>
      healthy
        ? log.info(`${label} answers again; shared limits, budgets and caches resume`)
        : log.warn(`${label} stopped answering; calls skip it (in-process fallbacks) until a ping answers`, { err: error instanceof Error ? error.message : String(error) }),
  });
  return { client, health };
}

/**
 * A Redis-backed component as the services get it: timed under `component`, and failing at once,
 * without sending, while its connection is unhealthy (so a stall costs a request one command
 * timeout, not one per call). Every public async method is guarded except those in `unguarded`
 * (ones that do not use the command connection, such as pub/sub on a subscriber of its own).
 */
export function redisComponent<T extends object>(target: T, link: RedisLink, component: string, metrics: Metrics, unguarded: readonly string[] = []): T {
  const { health } = link;
  const guarded = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || unguarded.includes(String(property))) return value;
      return (...args: unknown[]) => {
        if (!health.ok) return Promise.reject(health.unavailable());
        const result: unknown = value.apply(object, args);
        if (result instanceof Promise) result.catch((error: unknown) => health.report(error));
        return result;
      };
    },
  });
  return timedRedis(guarded, component, metrics);
}

/**
 * Says at boot when a Redis is set up against its role: the main one must not evict (a lost
 * budget key hands out spend nobody counted, a lost slot key lifts a limit), a cache-only one
 * should be bounded and evict (else it grows until writes fail).
 */
function warnOnEviction(log: Logger, variable: string, settings: EvictionSettings | null, cacheOnly: boolean): void {
  if (!settings) return;
  const bounded = settings.maxmemory > 0;
  const evicts = bounded && settings.policy !== 'noeviction';
  if (!cacheOnly && evicts) {
    log.warn(`${variable}: this Redis evicts keys (maxmemory-policy ${settings.policy}); limits and budgets kept there can vanish. Use maxmemory-policy noeviction, and CACHE_REDIS_URL for an evicting cache`, { variable });
  }
  if (cacheOnly && !evicts) {
    log.warn(`${variable}: this cache Redis is ${bounded ? 'bounded but does not evict (writes fail when full)' : 'unbounded (maxmemory 0)'}; set maxmemory and maxmemory-policy allkeys-lru`, { variable });
  }
}

export async function closeRedis({ main, cache }: RedisConnections): Promise<void> {
  for (const link of new Set([main, cache])) {
    if (!link) continue;
    link.health.stop();
    const redis = link.client;
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}
