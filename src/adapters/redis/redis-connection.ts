import { Cluster, Redis } from 'ioredis';

/** A single Redis or a Redis Cluster: the adapters use only what both offer. */
export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as Cluster).isCluster === true;
}

export interface RedisConnectionOptions {
  url: string;
  /** host:port of Redis Cluster nodes (any of them): a Cluster connection instead of `url`. */
  clusterNodes?: string[];
  /** No command waits longer than this on a slow or dead Redis. */
  commandTimeoutMs: number;
  /** How failures name it; `Redis` unless it is one of several. */
  label?: string;
}

/**
 * A connection that fails fast: no offline queue (commands fail at once while disconnected)
 * and one attempt per command, while it keeps reconnecting in the background.
 */
export async function connectRedis(options: RedisConnectionOptions & { clusterNodes: string[] }): Promise<RedisClient>;
export async function connectRedis(options: RedisConnectionOptions): Promise<Redis>;
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisClient> {
  const perNode = {
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 2_000),
  };
  const retry = (attempt: number) => Math.min(attempt * 200, 2_000);
  // Commands issued in the same tick (a send's limits, lookups and holds) share one write.
  const redis: RedisClient = options.clusterNodes?.length
    ? new Cluster(options.clusterNodes.map(toClusterNode), {
      lazyConnect: true, enableOfflineQueue: false, enableAutoPipelining: true, clusterRetryStrategy: retry, redisOptions: perNode,
    })
    : new Redis(options.url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: retry, enableAutoPipelining: true, ...perNode });
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
    const where = options.clusterNodes?.length ? `the cluster nodes ${options.clusterNodes.join(', ')}` : withoutCredentials(options.url);
    throw new Error(`cannot reach ${options.label ?? 'Redis'} at ${where}: ${reason}`, { cause: error });
  } finally {
    redis.off('error', keep);
  }
  return redis;
}

export interface EvictionSettings {
  /** 0: unbounded. */
  maxmemory: number;
  policy: string;
}

/** What INFO says about memory bounds; null where INFO is not allowed (some managed services rename it). */
export async function evictionSettings(redis: RedisClient): Promise<EvictionSettings | null> {
  try {
    const info = await redis.info('memory');
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const policy = field('maxmemory_policy');
    const maxmemory = Number(field('maxmemory'));
    return policy === undefined || !Number.isFinite(maxmemory) ? null : { maxmemory, policy };
  } catch {
    return null;
  }
}

function toClusterNode(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
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
