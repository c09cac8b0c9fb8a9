import { MemoryBudgetStore } from '../../src/adapters/memory/memory-budget-store';
import { BudgetExceededError, ErrorCode } from '../../src/errors';
import type { BudgetStore } from '../../src/ports/budget-store';
import { BudgetService, type BudgetServiceDeps, type TierBudget } from '../../src/services/budget.service';
import { captureLog } from '../helpers/captured-log';

const FREE: TierBudget = { tokensPerDay: 10_000, tokensPerMonth: 100_000, usdPerDay: 0.5, usdPerMonth: 5 };
const UNLIMITED_TIER: TierBudget = { tokensPerDay: -1, tokensPerMonth: -1, usdPerDay: -1, usdPerMonth: -1 };
const PRICES = {
  'gpt-4o-mini': { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 },
  'gpt-4o': { inputPerMTokUsd: 2.5, outputPerMTokUsd: 10 },
};
const alice = { id: 'alice', tier: 'free' };
const request = (promptTokens: number, maxCompletionTokens: number, model = 'gpt-4o-mini') => ({
  model,
  promptTokens,
  maxCompletionTokens,
});
const usageOf = (promptTokens: number, completionTokens: number) => ({
  promptTokens,
  completionTokens,
  totalTokens: promptTokens + completionTokens,
});

const failure = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
const rejectingStore = (): BudgetStore => ({ reserve: failure, settle: failure, release: failure, usage: failure, ping: failure });
const hangingStore = (): BudgetStore => {
  const never = () => new Promise<never>(() => undefined);
  return { reserve: never, settle: never, release: never, usage: never, ping: never };
};

function setup(overrides: Partial<BudgetServiceDeps> = {}, at = '2026-11-25T12:00:00.000Z') {
  let now = new Date(at);
  const captured = captureLog('debug');
  const store = new MemoryBudgetStore({ now: () => now.getTime() });
  const fallback = new MemoryBudgetStore({ now: () => now.getTime() });
  const service = new BudgetService({
    store,
    fallback,
    tiers: { free: FREE, unlimited: UNLIMITED_TIER },
    prices: PRICES,
    reservationTtlMs: 60_000,
    log: captured.log,
    now: () => now,
    storeTimeoutMs: 50,
    ...overrides,
  });
  const setNow = (iso: string) => {
    now = new Date(iso);
  };
  return { service, store, fallback, captured, setNow };
}

async function until(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function exceeded(promise: Promise<unknown>): Promise<BudgetExceededError> {
  const error = await promise.then(() => null, (reason: unknown) => reason);
  if (!(error instanceof BudgetExceededError)) throw new Error(`expected BudgetExceededError, got ${String(error)}`);
  return error;
}

describe('BudgetService', () => {
  describe('periods and resets at UTC boundaries', () => {
    it('an exceeded day resets at the next UTC midnight, carried by the error', async () => {
      const { service } = setup({}, '2026-11-30T23:59:59.999Z');
      const error = await exceeded(service.reserve(alice, request(9_000, 2_000)));
      expect(error.code).toBe(ErrorCode.BudgetExceeded);
      expect(error.details).toEqual({ resetsAt: '2026-12-01T00:00:00.000Z', period: 'day' });
      expect(error.message).toBe('Daily budget exceeded');
    });

    it('an exceeded month resets on the first of the next month, across a year end', async () => {
      const { service } = setup({ tiers: { free: { ...FREE, tokensPerDay: -1, tokensPerMonth: 1_000 } } }, '2026-12-31T08:00:00.000Z');
      const error = await exceeded(service.reserve(alice, request(900, 200)));
      expect(error.details).toEqual({ resetsAt: '2027-01-01T00:00:00.000Z', period: 'month' });
      expect(error.message).toBe('Monthly budget exceeded');
    });

    it('knows leap days', async () => {
      const { service } = setup({}, '2028-02-28T23:00:00.000Z');
      expect((await service.usage(alice)).day.resetsAt.toISOString()).toBe('2028-02-29T00:00:00.000Z');
      expect((await service.usage(alice)).month.resetsAt.toISOString()).toBe('2028-03-01T00:00:00.000Z');
    });

    it('a new UTC day starts a fresh day budget but the same month', async () => {
      const { service, setNow } = setup({}, '2026-11-25T23:59:00.000Z');
      const reservation = await service.reserve(alice, request(8_000, 1_000));
      await service.settle(reservation, usageOf(8_000, 1_000), 'gpt-4o-mini');
      setNow('2026-11-26T00:00:00.000Z');
      const usage = await service.usage(alice);
      expect(usage.day.usedTokens).toBe(0);
      expect(usage.month.usedTokens).toBe(9_000);
      await expect(service.reserve(alice, request(8_000, 1_000))).resolves.toBeDefined();
    });

    it('charges a reservation to the day it was taken in, even when settled after midnight', async () => {
      const { service, setNow } = setup({}, '2026-11-25T23:59:59.000Z');
      const reservation = await service.reserve(alice, request(100, 100));
      setNow('2026-11-26T00:00:01.000Z');
      await service.settle(reservation, usageOf(100, 50), 'gpt-4o-mini');
      expect((await service.usage(alice)).day.usedTokens).toBe(0);
      expect((await service.usage(alice)).month.usedTokens).toBe(150);
      expect(reservation.periods.day.id).toBe('2026-11-25');
    });
  });

  describe('cost', () => {
    it('is USD per million tokens, in whole micro-USD', () => {
      const { service } = setup();
      expect(service.cost('gpt-4o-mini', usageOf(1_000, 500))).toBe(150 + 300);
      expect(service.cost('gpt-4o', usageOf(1_000_000, 1_000_000))).toBe(12_500_000);
      expect(service.cost('gpt-4o-mini', usageOf(1, 0))).toBe(1);
      expect(service.cost('gpt-4o-mini', usageOf(0, 0))).toBe(0);
    });

    it('prices a dated model id as its base model', () => {
      const { service } = setup();
      expect(service.cost('gpt-4o-mini-2024-07-18', usageOf(1_000, 0))).toBe(150);
      expect(service.cost('gpt-4o-2024-11-20', usageOf(1_000, 0))).toBe(2_500);
    });

    it('costs an unpriced model 0 and warns once', () => {
      const { service, captured } = setup();
      expect(service.cost('mystery-model', usageOf(1_000, 1_000))).toBe(0);
      expect(service.cost('mystery-model', usageOf(1_000, 1_000))).toBe(0);
      const warnings = captured.lines().filter((line) => line.level === 'warn');
      expect(warnings).toEqual([expect.objectContaining({ model: 'mystery-model' })]);
    });

    it('reserves the worst case: the prompt plus every completion token allowed', async () => {
      const { service } = setup();
      const reservation = await service.reserve(alice, request(1_000, 500));
      expect(reservation.amount).toEqual({ tokens: 1_500, microUsd: 450 });
    });

    it('refuses on the USD limit alone', async () => {
      const { service } = setup({ tiers: { free: { ...FREE, tokensPerDay: -1, usdPerDay: 0.001 } } });
      await expect(service.reserve(alice, request(1_000, 1_000))).resolves.toBeDefined();
      await exceeded(service.reserve(alice, request(1_000, 1_000)));
    });
  });

  describe('reserve, settle, release and usage', () => {
    it('settles to the actual usage and reports what is left', async () => {
      const { service } = setup();
      const reservation = await service.reserve(alice, request(1_000, 2_000));
      expect((await service.usage(alice)).day.remainingTokens).toBe(7_000);
      await service.settle(reservation, usageOf(1_000, 200), 'gpt-4o-mini');
      const { day } = await service.usage(alice);
      expect(day).toEqual({
        usedTokens: 1_200,
        remainingTokens: 8_800,
        limitTokens: 10_000,
        usedUsd: 0.00027,
        remainingUsd: 0.49973,
        limitUsd: 0.5,
        resetsAt: new Date('2026-11-26T00:00:00.000Z'),
      });
    });

    it('release gives the whole reservation back', async () => {
      const { service } = setup();
      const reservation = await service.reserve(alice, request(5_000, 5_000));
      await exceeded(service.reserve(alice, request(1, 0)));
      await service.release(reservation);
      await expect(service.reserve(alice, request(5_000, 5_000))).resolves.toBeDefined();
    });

    it('reports an unlimited tier with null limits and remainders', async () => {
      const { service } = setup();
      const viewer = { id: 'bob', tier: 'unlimited' };
      await service.settle(await service.reserve(viewer, request(10, 10)), usageOf(10, 10), 'gpt-4o');
      expect((await service.usage(viewer)).month).toMatchObject({
        usedTokens: 20, remainingTokens: null, limitTokens: null, remainingUsd: null, limitUsd: null,
      });
    });

    it('refuses a tier with no configured budget', async () => {
      const { service } = setup();
      await expect(service.reserve({ id: 'x', tier: 'platinum' }, request(1, 1))).rejects.toThrow(/platinum/);
    });
  });

  describe('when the store fails', () => {
    it('falls back to the per-instance store for that call and never throws the store error', async () => {
      const { service, fallback } = setup({ store: rejectingStore() });
      const reservation = await service.reserve(alice, request(100, 100));
      expect(reservation.store).toBe('fallback');
      await service.settle(reservation, usageOf(100, 20), 'gpt-4o-mini');
      expect((await service.usage(alice)).day.usedTokens).toBe(120);
      expect((await fallback.usage('alice', reservation.periods)).day.used.tokens).toBe(120);
    });

    it('still enforces limits on the fallback', async () => {
      const { service } = setup({ store: rejectingStore() });
      await service.reserve(alice, request(5_000, 5_000));
      const error = await exceeded(service.reserve(alice, request(1, 0)));
      expect(error.details).toEqual({ resetsAt: '2026-11-26T00:00:00.000Z', period: 'day' });
    });

    it('gives up on a store that hangs after the timeout', async () => {
      const { service } = setup({ store: hangingStore(), storeTimeoutMs: 30 });
      const started = Date.now();
      const reservation = await service.reserve(alice, request(10, 10));
      expect(reservation.store).toBe('fallback');
      await service.release(reservation);
      await service.usage(alice);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('warns at a bounded rate, not once per call', async () => {
      const { service, captured } = setup({ store: rejectingStore() });
      for (let index = 0; index < 20; index += 1) await service.usage(alice);
      const warnings = captured.lines().filter((line) => line.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ operation: 'usage', error: expect.stringContaining('ECONNREFUSED') });
    });

    it('a primary reservation whose settle fails is charged on the fallback', async () => {
      const { service, store, fallback } = setup();
      const reservation = await service.reserve(alice, request(100, 100));
      expect(reservation.store).toBe('primary');
      store.settle = failure;
      store.release = failure;
      await service.settle(reservation, usageOf(100, 30), 'gpt-4o-mini');
      expect((await fallback.usage('alice', reservation.periods)).day.used.tokens).toBe(130);
      await expect(service.release(reservation)).resolves.toBeUndefined();
    });

    it('sends a failed release again until the store confirms, so the hold stops counting before its TTL (issue 10, finding 6)', async () => {
      const { service, store } = setup({ releaseRetryDelaysMs: [0, 5, 5, 5] });
      const reservation = await service.reserve(alice, request(1_000, 1_000));
      const release = store.release.bind(store);
      let failures = 2;
      store.release = (userId, id) => (failures-- > 0 ? failure() : release(userId, id));
      await service.release(reservation);
      expect((await service.usage(alice)).day.remainingTokens).toBe(FREE.tokensPerDay - 2_000);
      await until(async () => (await service.usage(alice)).day.remainingTokens === FREE.tokensPerDay);
      expect(failures).toBe(-1);
    });

    it('releases the shared hold of a reservation it had to settle on the fallback', async () => {
      const { service, store, fallback } = setup({ releaseRetryDelaysMs: [0] });
      const reservation = await service.reserve(alice, request(1_000, 1_000));
      const settle = store.settle.bind(store);
      store.settle = failure;
      await service.settle(reservation, usageOf(1_000, 10), 'gpt-4o-mini');
      store.settle = settle;
      await until(async () => (await store.usage('alice', reservation.periods)).day.reserved.tokens === 0);
      expect((await fallback.usage('alice', reservation.periods)).day.used.tokens).toBe(1_010);
    });

    it('releases a reservation that timed out on the store but may land there late, through the unguarded store', async () => {
      const released: string[] = [];
      const background: BudgetStore = { ...rejectingStore(), release: async (userId, id) => void released.push(`${userId}:${id}`) };
      const { service } = setup({ store: rejectingStore(), backgroundStore: background, releaseRetryDelaysMs: [0] });
      const reservation = await service.reserve(alice, request(10, 10));
      expect(reservation.store).toBe('fallback');
      await until(async () => released.length === 1);
      expect(released).toEqual([`alice:${reservation.id}`]);
    });

    it('says so when the store is back', async () => {
      const primary = new MemoryBudgetStore();
      const flaky: BudgetStore = { ...rejectingStore() };
      const { service, captured } = setup({ store: flaky });
      await service.usage(alice);
      flaky.usage = (userId, periods) => primary.usage(userId, periods);
      await service.usage(alice);
      expect(captured.lines().map((line) => line.level)).toEqual(['warn', 'info']);
    });
  });
});
