import { randomUUID } from 'node:crypto';
import { BudgetExceededError } from '../errors';
import type { Logger } from '../observability/logger';
import type { TokenUsage } from '../ports/chat-store';
import type {
  BudgetAmount,
  BudgetPeriodName,
  BudgetPeriods,
  BudgetStore,
  PeriodBudgetUsage,
} from '../ports/budget-store';
import { MICRO_USD_PER_USD, budgetPeriods, isUnlimited, resetsAt, type TierBudget } from './budget/budget-periods';
import { PriceTable, type ModelPrice, type PricedUsage } from './budget/price-table';
import { StoreFailover, type StoreRole } from './budget/store-failover';
import { sendUntilConfirmed } from './send-until-confirmed';
import type { Viewer } from './viewer';

export type { TierBudget } from './budget/budget-periods';
export type { ModelPrice } from './budget/price-table';

export interface BudgetServiceDeps {
  store: BudgetStore;
  /** In-process store used for a call whenever `store` fails or is too slow. */
  fallback: BudgetStore;
  /** Limits by viewer tier; -1 means unlimited. */
  tiers: Readonly<Record<string, TierBudget>>;
  prices: Readonly<Record<string, ModelPrice>>;
  /** A reservation not settled or released by then stops counting (its process is presumed dead). */
  reservationTtlMs: number;
  log: Logger;
  now?: () => Date;
  /** @defaultValue 1000 */
  storeTimeoutMs?: number;
  /** @defaultValue 30_000 */
  warnIntervalMs?: number;
  /** Waits between the background sends of a release the store did not confirm. */
  releaseRetryDelaysMs?: readonly number[];
  /** `store` for releases sent in the background: without a fail-fast guard, so they go out at once. */
  backgroundStore?: BudgetStore;
}

export interface BudgetRequest {
  model: string;
  promptTokens: number;
  maxCompletionTokens: number;
}

/** Worst-case amount held for one model call; settle or release it exactly once. */
export interface Reservation {
  readonly id: string;
  readonly userId: string;
  readonly amount: BudgetAmount;
  /** The windows it was taken in; its usage is charged there even if settled after midnight. */
  readonly periods: BudgetPeriods;
  readonly store: StoreRole;
}

export interface PeriodUsage {
  usedTokens: number;
  /** null when unlimited; live reservations are already subtracted. */
  remainingTokens: number | null;
  limitTokens: number | null;
  usedUsd: number;
  remainingUsd: number | null;
  limitUsd: number | null;
  resetsAt: Date;
}

export type BudgetReport = Record<BudgetPeriodName, PeriodUsage>;

const EXCEEDED_MESSAGE: Record<BudgetPeriodName, string> = {
  day: 'Daily budget exceeded',
  month: 'Monthly budget exceeded',
};

/**
 * Token and cost budgets per user, per UTC day and month. reserve() holds the worst case before a
 * model call; settle() charges what the call really used; release() drops the hold on failure.
 * A failing store never fails the request: that call runs on the per-instance fallback.
 */
export class BudgetService {
  private readonly prices: PriceTable;
  private readonly failover: StoreFailover;
  private readonly now: () => Date;

  constructor(private readonly deps: BudgetServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.prices = new PriceTable(deps.prices, deps.log);
    this.failover = new StoreFailover({
      log: deps.log,
      timeoutMs: deps.storeTimeoutMs ?? 1_000,
      warnIntervalMs: deps.warnIntervalMs ?? 30_000,
      now: () => this.now().getTime(),
    });
  }

  /** Throws BudgetExceededError, naming when the exceeded window resets, if the worst case does not fit. */
  async reserve(viewer: Viewer, request: BudgetRequest): Promise<Reservation> {
    const now = this.now();
    const periods = budgetPeriods(this.tier(viewer.tier), now);
    const completionTokens = whole(request.maxCompletionTokens);
    const promptTokens = whole(request.promptTokens);
    const amount = {
      tokens: promptTokens + completionTokens,
      microUsd: this.cost(request.model, { promptTokens, completionTokens }),
    };
    const id = randomUUID();
    const { value: result, via } = await this.failover.run(
      'reserve',
      () => this.deps.store.reserve(viewer.id, id, amount, periods, this.deps.reservationTtlMs),
      () => this.deps.fallback.reserve(viewer.id, id, amount, periods, this.deps.reservationTtlMs),
    );
    // A reserve that timed out may still land; releasing it keeps it from holding budget until it expires.
    if (via === 'fallback') this.releaseLate(viewer.id, id);
    if (!result.ok) throw new BudgetExceededError(EXCEEDED_MESSAGE[result.period], resetsAt(result.period, now), result.period);
    return { id, userId: viewer.id, amount, periods, store: via };
  }

  /** Charges the real usage of the model that answered. Never throws for a store failure. */
  async settle(reservation: Reservation, usage: TokenUsage, model: string): Promise<void> {
    const actual = {
      tokens: Math.max(whole(usage.totalTokens), whole(usage.promptTokens) + whole(usage.completionTokens)),
      microUsd: this.cost(model, usage),
    };
    const { id, userId, periods } = reservation;
    const settleIn = (store: BudgetStore) => () => store.settle(userId, id, actual, periods);
    if (reservation.store === 'fallback') return settleIn(this.deps.fallback)();
    const { via } = await this.failover.run('settle', settleIn(this.deps.store), settleIn(this.deps.fallback));
    // Charged here instead; the shared hold must not keep counting until it expires.
    if (via === 'fallback') this.releaseLate(userId, id);
  }

  /** Drops the hold; if the store cannot be reached the reservation simply expires. Never throws. */
  async release(reservation: Reservation): Promise<void> {
    const { id, userId } = reservation;
    if (reservation.store === 'fallback') return this.deps.fallback.release(userId, id);
    if (!(await this.failover.attempt('release', () => this.deps.store.release(userId, id)))) this.releaseLate(userId, id);
  }

  /** Releases a shared hold by its id in the background, again until the store confirms. */
  private releaseLate(userId: string, reservationId: string): void {
    const store = this.deps.backgroundStore ?? this.deps.store;
    sendUntilConfirmed(() => store.release(userId, reservationId), this.deps.releaseRetryDelaysMs);
  }

  async usage(viewer: Viewer): Promise<BudgetReport> {
    const now = this.now();
    const periods = budgetPeriods(this.tier(viewer.tier), now);
    const { value } = await this.failover.run(
      'usage',
      () => this.deps.store.usage(viewer.id, periods),
      () => this.deps.fallback.usage(viewer.id, periods),
    );
    return {
      day: toPeriodUsage(value.day, periods.day.limit, resetsAt('day', now)),
      month: toPeriodUsage(value.month, periods.month.limit, resetsAt('month', now)),
    };
  }

  /** USD per million tokens of `model`, or null when it has no configured price. */
  priceOf(model: string): ModelPrice | null {
    return this.prices.find(model) ?? null;
  }

  /** Cost in micro-USD; 0 for a model with no configured price. */
  cost(model: string, usage: PricedUsage): number {
    return this.prices.costMicroUsd(model, { promptTokens: whole(usage.promptTokens), completionTokens: whole(usage.completionTokens) });
  }

  private tier(name: string): TierBudget {
    const tier = this.deps.tiers[name];
    if (!tier) throw new Error(`No budget is configured for tier "${name}"`);
    return tier;
  }
}

function toPeriodUsage({ used, reserved }: PeriodBudgetUsage, limit: BudgetAmount, resets: Date): PeriodUsage {
  const remaining = (limitValue: number, usedValue: number, reservedValue: number) =>
    isUnlimited(limitValue) ? null : Math.max(0, limitValue - usedValue - reservedValue);
  const remainingMicro = remaining(limit.microUsd, used.microUsd, reserved.microUsd);
  return {
    usedTokens: used.tokens,
    remainingTokens: remaining(limit.tokens, used.tokens, reserved.tokens),
    limitTokens: isUnlimited(limit.tokens) ? null : limit.tokens,
    usedUsd: used.microUsd / MICRO_USD_PER_USD,
    remainingUsd: remainingMicro === null ? null : remainingMicro / MICRO_USD_PER_USD,
    limitUsd: isUnlimited(limit.microUsd) ? null : limit.microUsd / MICRO_USD_PER_USD,
    resetsAt: resets,
  };
}

/** Token counts as the stores require them: whole and never negative. */
function whole(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.ceil(value)) : 0;
}
