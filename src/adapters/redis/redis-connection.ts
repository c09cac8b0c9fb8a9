import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  url: string;
  /** No command waits longer than this on a slow or dead Redis. */
  commandTimeoutMs: number;
}

/**
 * A connection that fails fast: no offline queue (commands fail at once while disconnected)
 * and one attempt per command, while it keeps reconnecting in the background.
 */
export async function connectRedis(options: RedisConnectionOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 2_000),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Commands issued in the same tick (a send's limits, lookups and holds) share one write.
    enableAutoPipelining: true,
  });
  await redis.connect();
  return redis;
}
