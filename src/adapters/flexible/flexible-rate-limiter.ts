import type { RedisClient } from '../redis/redis-connection';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitDecision, RateLimiter, RateLimiterSpec } from '../../ports/rate-limiter';

/** A RateLimiter over any rate-limiter-flexible limiter; store errors are thrown, not decided. */
export class FlexibleRateLimiter implements RateLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly points: number,
  ) {}

  async consume(key: string, points = 1): Promise<LimitDecision> {
    try {
      await this.limiter.consume(key, points);
      return { allowed: true };
    } catch (rejection: unknown) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
      throw rejection;
    }
  }

  async peek(key: string): Promise<LimitDecision> {
    const state = await this.limiter.get(key);
    if (!state || state.consumedPoints <= this.points) return { allowed: true };
    return { allowed: false, retryAfterMs: state.msBeforeNext };
  }
}

const common = (spec: RateLimiterSpec) => ({
  points: spec.points,
  duration: spec.durationSeconds,
  blockDuration: spec.blockSeconds ?? 0,
});

/** Shared by every instance on one Redis. Refuses at once while Redis is not ready. */
export function redisRateLimiter(redis: RedisClient, spec: RateLimiterSpec, prefix = 'parley:rl'): RateLimiter {
  const limiter = new RateLimiterRedis({
    ...common(spec),
    storeClient: redis,
    keyPrefix: `${prefix}:${spec.name}`,
    rejectIfRedisNotReady: true,
  });
  return new FlexibleRateLimiter(limiter, spec.points);
}

/** In process: the per-instance insurance when Redis is unavailable. */
export function memoryRateLimiter(spec: RateLimiterSpec): RateLimiter {
  return new FlexibleRateLimiter(new RateLimiterMemory({ ...common(spec), keyPrefix: spec.name }), spec.points);
}
