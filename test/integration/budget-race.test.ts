import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryBudgetStore } from '../../src/adapters/memory/memory-budget-store';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { RedisBudgetStore } from '../../src/adapters/redis/redis-budget-store';
import { BudgetExceededError } from '../../src/errors';
import { createLogger } from '../../src/observability/logger';
import { BudgetService, type Reservation, type TierBudget } from '../../src/services/budget.service';
import { testRedisUrl } from '../setup/test-services';

const FLOWS = 50;
const PROMPT_TOKENS = 600;
const MAX_COMPLETION_TOKENS = 400;
/** Room for exactly 10 worst-case reservations. */
const DAILY_TOKENS = 10 * (PROMPT_TOKENS + MAX_COMPLETION_TOKENS);
const TIER: TierBudget = { tokensPerDay: DAILY_TOKENS, tokensPerMonth: -1, usdPerDay: -1, usdPerMonth: -1 };
const PRICES = { 'gpt-4o-mini': { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = { kind: 'settled'; tokens: number; store: Reservation['store'] } | { kind: 'rejected'; error: unknown };

/**
 * Two services stand for two instances, each with its own connection to the same Redis; 50
 * concurrent requests from one user race for a day budget that fits 10 worst cases.
 */
describe('budget race against a real Redis', () => {
  const connections: Redis[] = [];
  let prefix: string;
  let services: BudgetService[];

  beforeEach(async () => {
    prefix = `parley-test:budget-race:${randomUUID()}:`;
    const log = createLogger({ level: 'error', pretty: false, silent: true });
    services = [];
    for (let index = 0; index < 2; index += 1) {
      const redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
      connections.push(redis);
      services.push(new BudgetService({
        store: new RedisBudgetStore(redis, { prefix }),
        fallback: new MemoryBudgetStore(),
        tiers: { free: TIER },
        prices: PRICES,
        reservationTtlMs: 30_000,
        log,
        storeTimeoutMs: 2_000,
      }));
    }
  });

  afterEach(async () => {
    const redis = connections[0]!;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all(connections.splice(0).map((connection) => connection.quit()));
  });

  const viewer = { id: `racer-${randomUUID()}`, tier: 'free' };

  async function flow(index: number, completionTokens: (index: number) => number): Promise<Outcome> {
    const service = services[index % services.length]!;
    let reservation: Reservation;
    try {
      reservation = await service.reserve(viewer, { model: 'gpt-4o-mini', promptTokens: PROMPT_TOKENS, maxCompletionTokens: MAX_COMPLETION_TOKENS });
    } catch (error: unknown) {
      return { kind: 'rejected', error };
    }
    await sleep(5 + (index % 7) * 4);
    const completion = completionTokens(index);
    const usage = { promptTokens: PROMPT_TOKENS, completionTokens: completion, totalTokens: PROMPT_TOKENS + completion };
    await service.settle(reservation, usage, 'gpt-4o-mini');
    return { kind: 'settled', tokens: usage.totalTokens, store: reservation.store };
  }

  async function race(completionTokens: (index: number) => number) {
    const outcomes = await Promise.all(Array.from({ length: FLOWS }, (_, index) => flow(index, completionTokens)));
    const settled = outcomes.flatMap((outcome) => (outcome.kind === 'settled' ? [outcome.tokens] : []));
    // A reservation on the per-instance fallback would not be shared: this race must be Redis's.
    expect(outcomes.every((outcome) => outcome.kind === 'rejected' || outcome.store === 'primary')).toBe(true);
    const rejected = outcomes.flatMap((outcome) => (outcome.kind === 'rejected' ? [outcome.error] : []));
    const usage = await services[0]!.usage(viewer);
    return { settled, rejected, usage };
  }

  it('with worst-case usage, exactly the 10 that fit run and the rest get BudgetExceededError', async () => {
    const { settled, rejected, usage } = await race(() => MAX_COMPLETION_TOKENS);
    expect(settled).toHaveLength(10);
    expect(rejected).toHaveLength(FLOWS - 10);
    for (const error of rejected) expect(error).toBeInstanceOf(BudgetExceededError);
    expect(usage.day.usedTokens).toBe(DAILY_TOKENS);
    expect(usage.day.remainingTokens).toBe(0);
  });

  it('with smaller real usage, freed budget is reused but total settled usage never exceeds the budget', async () => {
    const { settled, rejected, usage } = await race((index) => 50 + ((index * 37) % 350));
    const total = settled.reduce((sum, tokens) => sum + tokens, 0);
    expect(settled.length).toBeGreaterThanOrEqual(10);
    expect(settled.length + rejected.length).toBe(FLOWS);
    for (const error of rejected) expect(error).toBeInstanceOf(BudgetExceededError);
    expect(total).toBeLessThanOrEqual(DAILY_TOKENS);
    expect(usage.day.usedTokens).toBe(total);
    expect(usage.day.remainingTokens).toBe(DAILY_TOKENS - total);
  });
});
