import type { Config } from '../config';
import { MemoryContextCache } from '../adapters/memory/memory-context-cache';
import { RedisContextCache } from '../adapters/redis/redis-context-cache';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { ContextCache } from '../ports/context-cache';
import type { Embedder } from '../ports/embedder';
import { MemoryResponseCache } from '../adapters/memory/memory-response-cache';
import { OpenAiEmbedder } from '../adapters/openai/openai-embedder';
import { RedisResponseCache } from '../adapters/redis/redis-response-cache';
import { ReadinessFailure, type ReadinessCheck } from '../graphql/readiness';
import { ResponseCacheService } from '../services/response-cache';
import { BatchingEmbedder } from '../services/response-cache/batching-embedder';
import { redisComponent, timedRedis, type RedisLink } from './infrastructure';
import { upstreamFetch } from './model';

/** Logs a cache's absorbed Redis failures at most every 10 s each, so an outage is one line, not thousands. */
export function throttledWarn(log: Logger, message: string): (operation: string, error: unknown) => void {
  const last = new Map<string, number>();
  return (operation, error) => {
    if (Date.now() - (last.get(operation) ?? 0) < 10_000) return;
    last.set(operation, Date.now());
    log.warn(message, { operation, err: error instanceof Error ? error.message : String(error) });
  };
}

/** Context windows in Redis; per instance in memory when there is no Redis (readers re-check freshness). */
export function createContextCache(config: Config, redis: RedisLink | null, log: Logger, metrics: Metrics): ContextCache {
  const ttlSeconds = config.context.cacheTtlSeconds;
  if (!redis) return new MemoryContextCache({ ttlSeconds });
  const cache = new RedisContextCache(redis.client, {
    health: redis.health,
    prefix: `${config.redis.keyPrefix}ctx:`,
    ttlSeconds,
    onError: throttledWarn(log, 'context cache unavailable; building windows from the store'),
  });
  // Not guarded from outside: this port never rejects, the adapter consults the health itself.
  return timedRedis(cache, 'context-cache', metrics);
}

/** Exact and similar-query reply cache; none at all when RESPONSE_CACHE_ENABLED=false. */
export function createResponseCache(config: Config, redis: RedisLink | null, log: Logger, metrics: Metrics, embedder?: Embedder): ResponseCacheService | null {
  const settings = config.responseCache;
  if (!settings.enabled) return null;
  const store = redis ? redisComponent(new RedisResponseCache(redis.client, { prefix: `${config.redis.keyPrefix}rc:` }), redis, 'response-cache', metrics) : new MemoryResponseCache();
  return new ResponseCacheService({
    store,
    embedder: settings.similarEnabled ? batched(embedder ?? createEmbedder(config), settings.embeddings) : null,
    log,
    options: {
      ttlMs: settings.ttlMs,
      similarEnabled: settings.similarEnabled,
      similarLookup: settings.similarLookup,
      similarityThreshold: settings.similarityThreshold,
      maxTemperature: settings.maxTemperature,
      maxEntriesPerScope: settings.maxEntriesPerScope,
      embedTimeoutMs: settings.embeddings.timeoutMs,
      embedCooldownMs: settings.embeddings.cooldownMs,
      storeTimeoutMs: config.redis.commandTimeoutMs,
    },
    onLookup: (level, result, reason) => {
      metrics.cacheRequests.inc({ level: level.toLowerCase(), result });
      if (reason !== undefined) metrics.cacheErrors.inc({ level: level.toLowerCase(), reason });
    },
  });
}

/** Concurrent lookups share embeddings requests, and recent texts are not embedded again. */
function batched(embedder: Embedder | null, settings: Config['responseCache']['embeddings']): Embedder | null {
  if (!embedder) return null;
  return new BatchingEmbedder(embedder, { windowMs: settings.batchWindowMs, maxBatch: settings.batchMax, memoSize: settings.memoSize });
}

/** The embeddings endpoint: its own when EMBEDDINGS_BASE_URL is set, else the primary provider's. */
function createEmbedder(config: Config): OpenAiEmbedder | null {
  const { embeddings } = config.responseCache;
  const apiKey = embeddings.apiKey ?? config.openai.apiKeys[0];
  if (!apiKey) return null;
  return new OpenAiEmbedder({
    apiKey,
    baseUrl: embeddings.baseUrl ?? config.openai.baseUrl,
    model: embeddings.model,
    dimensions: embeddings.dimensions ?? undefined,
    encoding: embeddings.encoding,
    timeoutMs: embeddings.timeoutMs,
    fetch: upstreamFetch(config),
  });
}

/**
 * The similar level's embeddings endpoint as /readyz reports it: from what lookups and the startup
 * probe saw (no call of its own), and never critical, since only that cache level depends on it.
 */
export function embeddingsCheck(cache: ResponseCacheService): ReadinessCheck {
  return {
    name: 'embeddings',
    critical: false,
    check: async () => {
      const health = cache.embeddingHealth();
      if (health?.state === 'failing') throw new ReadinessFailure(`unusable (${health.reason}); similar-query cache level misses`);
      return health?.state === 'unknown' ? 'not checked yet' : 'ok';
    },
  };
}
