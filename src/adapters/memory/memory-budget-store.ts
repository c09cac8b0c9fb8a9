import type {
  BudgetAmount,
  BudgetPeriodName,
  BudgetPeriods,
  BudgetPeriodWindow,
  BudgetStore,
  BudgetUsage,
  PeriodBudgetUsage,
  ReserveResult,
} from '../../ports/budget-store';

export interface MemoryBudgetStoreOptions {
  /** Milliseconds since the epoch. @defaultValue Date.now */
  now?: () => number;
  /**
   * How long a settled reservation id is remembered, so that a repeated settle adds nothing.
   * @defaultValue 86_400_000 (one day)
   */
  settledRetentionMs?: number;
  /**
   * How often every user's expired entries are dropped, so idle users do not hold memory.
   * @defaultValue 60_000
   */
  sweepIntervalMs?: number;
}

interface HeldReservation {
  amount: BudgetAmount;
  windowIds: Record<BudgetPeriodName, string>;
  expiresAtMs: number;
}

interface Counter {
  used: BudgetAmount;
  expiresAtMs: number;
}

interface UserBudget {
  reservations: Map<string, HeldReservation>;
  /** Keyed by `${period}:${windowId}`. */
  counters: Map<string, Counter>;
  /** reservationId → settledAtMs. */
  settled: Map<string, number>;
}

const PERIODS: readonly BudgetPeriodName[] = ['month', 'day'];
const zero = (): BudgetAmount => ({ tokens: 0, microUsd: 0 });

/**
 * Budgets in this process only: the per-instance fallback while Redis is unavailable. Each method
 * does all its work before its first await, so concurrent calls cannot interleave inside one.
 */
export class MemoryBudgetStore implements BudgetStore {
  private readonly users = new Map<string, UserBudget>();
  private readonly now: () => number;
  private readonly settledRetentionMs: number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs: number;

  constructor(options: MemoryBudgetStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.settledRetentionMs = options.settledRetentionMs ?? 86_400_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepMs = this.now();
  }

  async reserve(
    userId: string,
    reservationId: string,
    amount: BudgetAmount,
    periods: BudgetPeriods,
    reservationTtlMs: number,
  ): Promise<ReserveResult> {
    const nowMs = this.tick();
    const user = this.user(userId);
    const existing = user.reservations.get(reservationId);
    if (existing && existing.expiresAtMs > nowMs) return { ok: true };
    for (const period of PERIODS) {
      const { used, reserved } = this.periodUsage(user, period, periods[period], nowMs);
      if (!fits(used, reserved, amount, periods[period].limit)) return { ok: false, period };
    }
    user.reservations.set(reservationId, {
      amount: { ...amount },
      windowIds: { day: periods.day.id, month: periods.month.id },
      expiresAtMs: nowMs + Math.max(1, Math.ceil(reservationTtlMs)),
    });
    return { ok: true };
  }

  async settle(userId: string, reservationId: string, actual: BudgetAmount, periods: BudgetPeriods): Promise<void> {
    const nowMs = this.tick();
    const user = this.user(userId);
    const settledAt = user.settled.get(reservationId);
    if (settledAt !== undefined && settledAt > nowMs - this.settledRetentionMs) return;
    user.reservations.delete(reservationId);
    for (const period of PERIODS) this.charge(user, period, periods[period], actual, nowMs);
    user.settled.set(reservationId, nowMs);
  }

  async release(userId: string, reservationId: string): Promise<void> {
    this.tick();
    this.users.get(userId)?.reservations.delete(reservationId);
  }

  async usage(userId: string, periods: BudgetPeriods): Promise<BudgetUsage> {
    const nowMs = this.tick();
    const user = this.users.get(userId) ?? emptyUser();
    return {
      day: this.periodUsage(user, 'day', periods.day, nowMs),
      month: this.periodUsage(user, 'month', periods.month, nowMs),
    };
  }

  async ping(): Promise<void> {}

  private periodUsage(user: UserBudget, period: BudgetPeriodName, window: BudgetPeriodWindow, nowMs: number): PeriodBudgetUsage {
    const counter = user.counters.get(`${period}:${window.id}`);
    const used = counter && counter.expiresAtMs > nowMs ? { ...counter.used } : zero();
    const reserved = zero();
    for (const held of user.reservations.values()) {
      if (held.expiresAtMs <= nowMs || held.windowIds[period] !== window.id) continue;
      reserved.tokens += held.amount.tokens;
      reserved.microUsd += held.amount.microUsd;
    }
    return { used, reserved };
  }

  private charge(user: UserBudget, period: BudgetPeriodName, window: BudgetPeriodWindow, actual: BudgetAmount, nowMs: number): void {
    const key = `${period}:${window.id}`;
    const existing = user.counters.get(key);
    const used = existing && existing.expiresAtMs > nowMs ? existing.used : zero();
    used.tokens += actual.tokens;
    used.microUsd += actual.microUsd;
    user.counters.set(key, { used, expiresAtMs: nowMs + Math.max(1, Math.ceil(window.ttlSeconds)) * 1000 });
  }

  private user(userId: string): UserBudget {
    let user = this.users.get(userId);
    if (!user) {
      user = emptyUser();
      this.users.set(userId, user);
    }
    return user;
  }

  /** The current time, after dropping expired entries everywhere when a sweep is due. */
  private tick(): number {
    const nowMs = this.now();
    if (nowMs - this.lastSweepMs < this.sweepIntervalMs) return nowMs;
    this.lastSweepMs = nowMs;
    for (const [userId, user] of this.users) {
      dropExpired(user, nowMs, this.settledRetentionMs);
      if (user.reservations.size + user.counters.size + user.settled.size === 0) this.users.delete(userId);
    }
    return nowMs;
  }
}

function fits(used: BudgetAmount, reserved: BudgetAmount, amount: BudgetAmount, limit: BudgetAmount): boolean {
  const tokensFit = limit.tokens < 0 || used.tokens + reserved.tokens + amount.tokens <= limit.tokens;
  const microFits = limit.microUsd < 0 || used.microUsd + reserved.microUsd + amount.microUsd <= limit.microUsd;
  return tokensFit && microFits;
}

function dropExpired(user: UserBudget, nowMs: number, settledRetentionMs: number): void {
  for (const [id, held] of user.reservations) if (held.expiresAtMs <= nowMs) user.reservations.delete(id);
  for (const [key, counter] of user.counters) if (counter.expiresAtMs <= nowMs) user.counters.delete(key);
  for (const [id, settledAt] of user.settled) if (settledAt <= nowMs - settledRetentionMs) user.settled.delete(id);
}

function emptyUser(): UserBudget {
  return { reservations: new Map(), counters: new Map(), settled: new Map() };
}
