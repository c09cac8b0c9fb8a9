import type { RedisClient } from './redis-connection';
import type {
  BudgetAmount,
  BudgetPeriods,
  BudgetStore,
  BudgetUsage,
  PeriodBudgetUsage,
  ReserveResult,
} from '../../ports/budget-store';
import { LuaScripts } from './lua-scripts';

export interface RedisBudgetStoreOptions {
  /**
   * Prepended to every key. Must not contain `{` or `}`: the user id is the cluster hash tag.
   * @defaultValue 'parley:budget:'
   */
  prefix?: string;
  /**
   * How long a settled reservation id is remembered, so that a repeated settle adds nothing.
   * @defaultValue 86_400_000 (one day)
   */
  settledRetentionMs?: number;
}

const DEFAULT_PREFIX = 'parley:budget:';
const DEFAULT_SETTLED_RETENTION_MS = 86_400_000;

let sharedScripts: LuaScripts | undefined;

/**
 * Budgets in Redis. Every multi-key step is one Lua script, so concurrent instances can never
 * reserve past a limit; time is the Redis server's, not any instance's clock. All of one user's
 * keys share the `{userId}` hash tag and so one cluster slot.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly prefix: string;
  private readonly settledRetentionMs: number;
  private readonly scripts: LuaScripts;

  constructor(private readonly redis: RedisClient, options: RedisBudgetStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    if (/[{}]/.test(this.prefix)) throw new Error('RedisBudgetStore prefix must not contain { or }');
    this.settledRetentionMs = options.settledRetentionMs ?? DEFAULT_SETTLED_RETENTION_MS;
    sharedScripts ??= new LuaScripts();
    this.scripts = sharedScripts;
  }

  async reserve(
    userId: string,
    reservationId: string,
    amount: BudgetAmount,
    periods: BudgetPeriods,
    reservationTtlMs: number,
  ): Promise<ReserveResult> {
    const { day, month } = periods;
    const code = await this.scripts.run(this.redis, 'reserve-budget', this.windowKeys(userId, periods), [
      reservationId, amount.tokens, amount.microUsd, Math.max(1, Math.ceil(reservationTtlMs)),
      day.id, day.limit.tokens, day.limit.microUsd,
      month.id, month.limit.tokens, month.limit.microUsd,
    ]);
    return toReserveResult(code);
  }

  async settle(userId: string, reservationId: string, actual: BudgetAmount, periods: BudgetPeriods): Promise<void> {
    const [reservations, amounts, dayKey, monthKey] = this.windowKeys(userId, periods);
    await this.scripts.run(
      this.redis,
      'settle-budget',
      [reservations!, amounts!, this.userKey(userId, 'settled'), dayKey!, monthKey!],
      [reservationId, actual.tokens, actual.microUsd, ttl(periods.day.ttlSeconds), ttl(periods.month.ttlSeconds), this.settledRetentionMs],
    );
  }

  async release(userId: string, reservationId: string): Promise<void> {
    const keys = [this.userKey(userId, 'reservations'), this.userKey(userId, 'reservation-amounts')];
    await this.scripts.run(this.redis, 'release-budget', keys, [reservationId]);
  }

  async usage(userId: string, periods: BudgetPeriods): Promise<BudgetUsage> {
    const reply = await this.scripts.run(this.redis, 'get-budget-usage', this.windowKeys(userId, periods), [
      periods.day.id,
      periods.month.id,
    ]);
    const values = toIntegers(reply, 8);
    return { day: toPeriodUsage(values.slice(0, 4)), month: toPeriodUsage(values.slice(4, 8)) };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Reservations, their amounts, then the day and month counters: the KEYS of reserve and usage. */
  private windowKeys(userId: string, periods: BudgetPeriods): string[] {
    return [
      this.userKey(userId, 'reservations'),
      this.userKey(userId, 'reservation-amounts'),
      this.userKey(userId, `day:${periods.day.id}`),
      this.userKey(userId, `month:${periods.month.id}`),
    ];
  }

  private userKey(userId: string, suffix: string): string {
    return `${this.prefix}{${userId}}:${suffix}`;
  }
}

/** The one place script codes become results; anything unexpected is a failure, not a refusal. */
function toReserveResult(code: unknown): ReserveResult {
  switch (code) {
    case 1:
      return { ok: true };
    case -1:
      return { ok: false, period: 'day' };
    case -2:
      return { ok: false, period: 'month' };
    default:
      throw new Error(`reserve-budget returned an unexpected reply: ${String(code)}`);
  }
}

function toIntegers(reply: unknown, length: number): number[] {
  const values: unknown[] = Array.isArray(reply) ? reply : [];
  if (values.length !== length || !values.every((value): value is number => typeof value === 'number')) {
    throw new Error('get-budget-usage returned an unexpected reply');
  }
  return values;
}

function toPeriodUsage([usedTokens, usedMicro, reservedTokens, reservedMicro]: number[]): PeriodBudgetUsage {
  return {
    used: { tokens: usedTokens ?? 0, microUsd: usedMicro ?? 0 },
    reserved: { tokens: reservedTokens ?? 0, microUsd: reservedMicro ?? 0 },
  };
}

function ttl(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}
