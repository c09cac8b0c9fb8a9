import { UNLIMITED, type BudgetAmount, type BudgetPeriodName, type BudgetPeriods } from '../../ports/budget-store';

/** A tier's limits as configured; -1 (any negative number) means unlimited. */
export interface TierBudget {
  tokensPerDay: number;
  tokensPerMonth: number;
  usdPerDay: number;
  usdPerMonth: number;
}

/** Counters outlive their window by this much, so a late settle still finds its window. */
const COUNTER_SLACK_SECONDS = 86_400;

export const MICRO_USD_PER_USD = 1_000_000;

/** The UTC day and month windows that `now` falls in, with the tier's limits. */
export function budgetPeriods(tier: TierBudget, now: Date): BudgetPeriods {
  return {
    day: {
      id: now.toISOString().slice(0, 10),
      limit: toLimit(tier.tokensPerDay, tier.usdPerDay),
      ttlSeconds: secondsUntil(resetsAt('day', now), now) + COUNTER_SLACK_SECONDS,
    },
    month: {
      id: now.toISOString().slice(0, 7),
      limit: toLimit(tier.tokensPerMonth, tier.usdPerMonth),
      ttlSeconds: secondsUntil(resetsAt('month', now), now) + COUNTER_SLACK_SECONDS,
    },
  };
}

/** The start of the next UTC day or month: when that window's budget is fresh again. */
export function resetsAt(period: BudgetPeriodName, now: Date): Date {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  switch (period) {
    case 'day':
      return new Date(Date.UTC(year, month, now.getUTCDate() + 1));
    case 'month':
      return new Date(Date.UTC(year, month + 1, 1));
    default: {
      const unreachable: never = period;
      throw new Error(`unknown budget period ${String(unreachable)}`);
    }
  }
}

export function isUnlimited(limit: number): boolean {
  return limit < 0;
}

export function usdToMicro(usd: number): number {
  return Math.round(usd * MICRO_USD_PER_USD);
}

function toLimit(tokens: number, usd: number): BudgetAmount {
  return {
    tokens: isUnlimited(tokens) ? UNLIMITED : Math.floor(tokens),
    microUsd: isUnlimited(usd) ? UNLIMITED : usdToMicro(usd),
  };
}

function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
