/** Amounts are integers: tokens, and cost in micro-USD (1 USD = 1 000 000). */
export interface BudgetAmount {
  tokens: number;
  microUsd: number;
}

export type BudgetPeriodName = 'day' | 'month';

/** A limit of -1 means unlimited for that unit; 0 allows nothing. */
export const UNLIMITED = -1;

export interface BudgetPeriodWindow {
  /** Names the calendar window, e.g. '2026-11-25' for a day or '2026-11' for a month. */
  id: string;
  limit: BudgetAmount;
  /** How long the window's counter is kept: until the window is over, plus slack. */
  ttlSeconds: number;
}

/** The windows one request is counted against. */
export interface BudgetPeriods {
  day: BudgetPeriodWindow;
  month: BudgetPeriodWindow;
}

/** When both windows would be exceeded, `period` is 'month': waiting for the next day would not help. */
export type ReserveResult = { ok: true } | { ok: false; period: BudgetPeriodName };

export interface PeriodBudgetUsage {
  used: BudgetAmount;
  /** Live (unexpired, unsettled) reservations made against this window. */
  reserved: BudgetAmount;
}

export type BudgetUsage = Record<BudgetPeriodName, PeriodBudgetUsage>;

/**
 * Per-user token and cost budgets with reservations. A reservation holds its amount against the
 * windows it was made in until it is settled, released, or its time runs out on its own (so a
 * process that dies mid-request frees what it held).
 */
export interface BudgetStore {
  /**
   * Atomically checks used + live reserved + amount ≤ limit, for tokens and for micro-USD, in
   * every window, and reserves in all of them or in none. Reserving an id that is already live
   * reserves nothing more and answers ok.
   */
  reserve(
    userId: string,
    reservationId: string,
    amount: BudgetAmount,
    periods: BudgetPeriods,
    reservationTtlMs: number,
  ): Promise<ReserveResult>;
  /**
   * Drops the reservation (if still live) and adds `actual` to used in each window. Idempotent per
   * reservationId: a second settle adds nothing. Settling after the reservation expired still
   * charges, because the usage happened.
   */
  settle(userId: string, reservationId: string, actual: BudgetAmount, periods: BudgetPeriods): Promise<void>;
  /** Drops the reservation without charging anything; unknown ids are ignored. */
  release(userId: string, reservationId: string): Promise<void>;
  usage(userId: string, periods: BudgetPeriods): Promise<BudgetUsage>;
  ping(): Promise<void>;
}
