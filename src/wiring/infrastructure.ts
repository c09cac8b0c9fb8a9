import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store';
import { MongoChatStore } from '../adapters/mongo/mongo-chat-store';
import { connectMongo } from '../adapters/mongo/mongo-connection';
import { guardUnavailable } from '../adapters/mongo/unavailable-guard';
import { connectRedis } from '../adapters/redis/redis-connection';
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

export async function createRedis(config: Config, log: Logger): Promise<Redis | null> {
  if (!config.redis.url) return null;
  const redis = await connectRedis({ url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs });
  let lastWarned = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastWarned < 10_000) return;
    lastWarned = Date.now();
    log.warn('redis connection error', { err: error.message });
  });
  return redis;
}

export async function closeRedis(redis: Redis | null): Promise<void> {
  if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis?.disconnect();
}
