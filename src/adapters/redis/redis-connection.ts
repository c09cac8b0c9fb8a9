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
  // Until connected, errors are kept for the one message a failed start gives (instead of
  // ioredis' "Unhandled error event" with a stack); callers attach their own listener after.
  let lastError: Error | undefined;
  const keep = (error: Error) => {
    lastError = error;
  };
  redis.on('error', keep);
  try {
    await redis.connect();
  } catch (error: unknown) {
    redis.disconnect();
    const reason = lastError?.message ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`cannot reach Redis at ${withoutCredentials(options.url)}: ${reason}`, { cause: error });
  } finally {
    redis.off('error', keep);
  }
  return redis;
}

/** The URL as it may be logged: user and password removed. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/u, '');
  } catch {
    return 'the configured REDIS_URL';
  }
}
