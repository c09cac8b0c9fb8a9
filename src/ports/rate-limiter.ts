export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A fixed-window counter per key: `points` per `durationSeconds`. */
export interface RateLimiter {
  consume(key: string, points?: number): Promise<LimitDecision>;
  /** Whether the key is over its limit now, without consuming. */
  peek(key: string): Promise<LimitDecision>;
}

export interface RateLimiterSpec {
  /** Distinguishes limiters sharing one store, e.g. 'send:free'. */
  name: string;
  points: number;
  durationSeconds: number;
  /** Once over the limit, stay refused this long (brute-force protection). */
  blockSeconds?: number;
}

export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiter;

/** At most `max` holders per key at once; a holder that never releases expires after `ttlMs`. */
export interface ConcurrencyLimiter {
  acquire(key: string, holderId: string, max: number, ttlMs: number): Promise<LimitDecision>;
  release(key: string, holderId: string): Promise<void>;
}
