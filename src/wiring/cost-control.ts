import type { Config } from '../config';
import { memoryRateLimiter, redisRateLimiter } from '../adapters/flexible/flexible-rate-limiter';
import { MemoryBudgetStore } from '../adapters/memory/memory-budget-store';
import { MemoryConcurrencyLimiter } from '../adapters/memory/memory-concurrency-limiter';
import { RedisBudgetStore } from '../adapters/redis/redis-budget-store';
import { RedisConcurrencyLimiter } from '../adapters/redis/redis-concurrency-limiter';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { RateLimiterSpec } from '../ports/rate-limiter';
import { BudgetService } from '../services/budget.service';
import { InsuredConcurrencyLimiter, InsuredRateLimiter } from '../services/insured-limiters';
import { RateLimitService } from '../services/rate-limit.service';
import { redisComponent, timedRedis, type RedisLink } from './infrastructure';

/** Limits on Redis with in-process insurance; in process only when there is no Redis. */
export function createRateLimits(config: Config, redis: RedisLink | null, log: Logger, metrics: Metrics): RateLimitService {
  const prefix = config.redis.keyPrefix;
  const warned = new Map<string, number>();
  const onInsurance = (limiter: string, error: unknown) => {
    metrics.rateLimitInsurance.inc({ limiter });
    if (Date.now() - (warned.get(limiter) ?? 0) < 10_000) return;
    warned.set(limiter, Date.now());
    log.warn('rate limiter fell back to in-process limits', { limiter, err: error instanceof Error ? error.message : String(error) });
  };
  const createLimiter = (spec: RateLimiterSpec) =>
    redis
      ? new InsuredRateLimiter(spec.name, redisComponent(redisRateLimiter(redis.client, spec, `${prefix}rl`), redis, 'rate-limit', metrics), memoryRateLimiter(spec), onInsurance)
      : memoryRateLimiter(spec);
  const local = new MemoryConcurrencyLimiter();
  const slots = redis ? new RedisConcurrencyLimiter(redis.client, `${prefix}slots:`) : null;
  return new RateLimitService({
    createLimiter,
    concurrency: slots && redis
      ? new InsuredConcurrencyLimiter(redisComponent(slots, redis, 'concurrency', metrics), local, onInsurance, undefined, timedRedis(slots, 'concurrency', metrics))
      : local,
    options: { ...config.limits, generationTtlMs: config.chat.pendingStaleMs },
    onRefused: (limiter) => metrics.rateLimitRejections.inc({ limiter }),
  });
}

/** Budgets on Redis, falling back per call to this instance's memory. */
export function createBudget(config: Config, redis: RedisLink | null, log: Logger, metrics: Metrics): BudgetService {
  const fallback = new MemoryBudgetStore();
  const budgets = redis ? new RedisBudgetStore(redis.client, { prefix: `${config.redis.keyPrefix}budget:` }) : null;
  return new BudgetService({
    store: budgets && redis ? redisComponent(budgets, redis, 'budget', metrics) : fallback,
    backgroundStore: budgets ? timedRedis(budgets, 'budget', metrics) : undefined,
    fallback,
    tiers: config.limits.tiers,
    prices: config.budget.prices,
    reservationTtlMs: config.budget.reservationTtlMs,
    storeTimeoutMs: config.redis.commandTimeoutMs,
    log,
  });
}
