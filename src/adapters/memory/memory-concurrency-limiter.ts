import type { ConcurrencyLimiter, LimitDecision } from '../../ports/rate-limiter';

/** In-process concurrency slots, with the same expiry rule as the Redis limiter. */
export class MemoryConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly holders = new Map<string, Map<string, number>>();

  async acquire(key: string, holderId: string, max: number, ttlMs: number): Promise<LimitDecision> {
    const now = Date.now();
    const held = this.holders.get(key) ?? new Map<string, number>();
    for (const [id, expiresAt] of held) if (expiresAt <= now) held.delete(id);
    if (!held.has(holderId) && held.size >= max) {
      return { allowed: false, retryAfterMs: Math.max(1, Math.min(...held.values()) - now) };
    }
    held.set(holderId, now + ttlMs);
    this.holders.set(key, held);
    return { allowed: true };
  }

  async release(key: string, holderId: string): Promise<void> {
    const held = this.holders.get(key);
    held?.delete(holderId);
    if (held?.size === 0) this.holders.delete(key);
  }
}
