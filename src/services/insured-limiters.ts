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

/** Waits between the releases sent for a claim that may have landed late: about a minute in all. */
const LATE_RELEASE_DELAYS_MS = [0, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

/**
 * Same insurance for concurrency slots; a slot is released where it was taken. A claim that
 * failed on the client (a command timeout while Redis stalled) may still run in Redis once it
 * resumes: its holder token is released there too, and again until Redis confirms, so a stall
 * never leaves a slot that locks the user out until its TTL.
 */
export class InsuredConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly takenLocally = new Set<string>();

  constructor(
    private readonly shared: ConcurrencyLimiter,
    private readonly local: ConcurrencyLimiter,
    private readonly onInsurance: OnInsurance,
    private readonly lateReleaseDelaysMs: readonly number[] = LATE_RELEASE_DELAYS_MS,
  ) {}

  async acquire(key: string, holderId: string, max: number, ttlMs: number): Promise<LimitDecision> {
    try {
      return await this.shared.acquire(key, holderId, max, ttlMs);
    } catch (error: unknown) {
      this.onInsurance('concurrency', error);
      this.releaseLate(key, holderId, 0);
      const decision = await this.local.acquire(key, holderId, max, ttlMs);
      if (decision.allowed) this.takenLocally.add(holderId);
      return decision;
    }
  }

  /** Sends the release after the failed claim (on the same connection, so Redis runs it after), until one is confirmed. */
  private releaseLate(key: string, holderId: string, attempt: number): void {
    const delay = this.lateReleaseDelaysMs[attempt];
    if (delay === undefined) return;
    const timer = setTimeout(() => {
      this.shared.release(key, holderId).catch(() => this.releaseLate(key, holderId, attempt + 1));
    }, delay);
    timer.unref();
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
