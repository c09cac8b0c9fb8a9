import { RELEASE_RETRY_DELAYS_MS, sendUntilConfirmed } from './send-until-confirmed';
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

/**
 * Same insurance for concurrency slots; a slot is released where it was taken. A claim that
 * failed on the client (a command timeout while Redis stalled) may still run in Redis once it
 * resumes: its holder token is released there too, and again until Redis confirms; so is a slot
 * whose release failed. A stall never leaves a slot that locks the user out until its TTL.
 */
export class InsuredConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly takenLocally = new Set<string>();

  constructor(
    private readonly shared: ConcurrencyLimiter,
    private readonly local: ConcurrencyLimiter,
    private readonly onInsurance: OnInsurance,
    private readonly releaseDelaysMs: readonly number[] = RELEASE_RETRY_DELAYS_MS,
    /**
     * The shared limiter for releases sent in the background: the same store without the
     * fail-fast guard `shared` may have, so a release goes out at once, right behind the claim.
     */
    private readonly background: ConcurrencyLimiter = shared,
  ) {}

  async acquire(key: string, holderId: string, max: number, ttlMs: number): Promise<LimitDecision> {
    try {
      return await this.shared.acquire(key, holderId, max, ttlMs);
    } catch (error: unknown) {
      this.onInsurance('concurrency', error);
      this.releaseLate(key, holderId);
      const decision = await this.local.acquire(key, holderId, max, ttlMs);
      if (decision.allowed) this.takenLocally.add(holderId);
      return decision;
    }
  }

  /** Sends the release (after a failed claim: on the same connection, so Redis runs it after) until one is confirmed. */
  private releaseLate(key: string, holderId: string): void {
    sendUntilConfirmed(() => this.background.release(key, holderId), this.releaseDelaysMs);
  }

  async release(key: string, holderId: string): Promise<void> {
    if (this.takenLocally.delete(holderId)) return this.local.release(key, holderId);
    try {
      await this.shared.release(key, holderId);
    } catch (error: unknown) {
      this.onInsurance('concurrency', error);
      this.releaseLate(key, holderId);
    }
  }
}
