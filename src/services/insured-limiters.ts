import type { ConcurrencyLimiter, LimitDecision, RateLimiter } from '../ports/rate-limiter';

/** Called when the shared store failed and the in-process limiter answered instead. */
export type OnInsurance = (limiter: string, error: unknown) => void;

/**
 * Asks the shared limiter first; if it fails (Redis down, slow, not ready), the in-process
 * one decides, so limits still hold per instance and no request waits on a dead store.
 */
export class InsuredRateLimiter implements RateLimiter {
  constructor(
    private readonly name: string,
    private readonly shared: RateLimiter,
    private readonly local: RateLimiter,
    private readonly onInsurance: OnInsurance,
  ) {}

  async consume(key: string, points?: number): Promise<LimitDecision> {
    try {
      return await this.shared.consume(key, points);
    } catch (error: unknown) {
      this.onInsurance(this.name, error);
      return this.local.consume(key, points);
    }
  }

  async peek(key: string): Promise<LimitDecision> {
    try {
      return await this.shared.peek(key);
    } catch (error: unknown) {
      this.onInsurance(this.name, error);
      return this.local.peek(key);
    }
  }
}

/** Same insurance for concurrency slots; a slot is released where it was taken. */
export class InsuredConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly takenLocally = new Set<string>();

  constructor(
    private readonly shared: ConcurrencyLimiter,
    private readonly local: ConcurrencyLimiter,
    private readonly onInsurance: OnInsurance,
  ) {}

  async acquire(key: string, holderId: string, max: number, ttlMs: number): Promise<LimitDecision> {
    try {
      return await this.shared.acquire(key, holderId, max, ttlMs);
    } catch (error: unknown) {
      this.onInsurance('concurrency', error);
      const decision = await this.local.acquire(key, holderId, max, ttlMs);
      if (decision.allowed) this.takenLocally.add(holderId);
      return decision;
    }
  }

  async release(key: string, holderId: string): Promise<void> {
    if (this.takenLocally.delete(holderId)) return this.local.release(key, holderId);
    try {
      await this.shared.release(key, holderId);
    } catch (error: unknown) {
      // The slot expires by its TTL; nothing else can be done from here.
      this.onInsurance('concurrency', error);
    }
  }
}
