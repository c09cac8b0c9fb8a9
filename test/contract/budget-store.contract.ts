import { randomUUID } from 'node:crypto';
import {
  UNLIMITED,
  type BudgetAmount,
  type BudgetPeriods,
  type BudgetStore,
} from '../../src/ports/budget-store';

export interface BudgetStoreHarness {
  store: BudgetStore;
  /** Starts the next test from an empty store; the previous test's data is removed. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const ALICE = 'user-alice';
const BOB = 'user-bob';
const TTL_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokens = (count: number): BudgetAmount => ({ tokens: count, microUsd: 0 });
const amount = (tokenCount: number, microUsd: number): BudgetAmount => ({ tokens: tokenCount, microUsd });
const unlimited = amount(UNLIMITED, UNLIMITED);
/** A token limit with no USD limit. */
const tokenLimit = (count: number): BudgetAmount => ({ tokens: count, microUsd: UNLIMITED });

function windows(day: BudgetAmount, month: BudgetAmount, dayId = '2026-11-25', monthId = '2026-11'): BudgetPeriods {
  return {
    day: { id: dayId, limit: day, ttlSeconds: 3_600 },
    month: { id: monthId, limit: month, ttlSeconds: 3_600 },
  };
}

/**
 * The behaviour every BudgetStore adapter must share. A store that can be overspent, reserves
 * in one window but not the other, or charges a settle twice fails here.
 */
export function defineBudgetStoreContract(name: string, open: () => Promise<BudgetStoreHarness>): void {
  describe(`BudgetStore contract: ${name}`, () => {
    let harness: BudgetStoreHarness;
    let store: BudgetStore;
    const limits = windows(tokenLimit(1_000), tokenLimit(5_000));
    const id = () => randomUUID();
    const reserve = (amountToHold: BudgetAmount, periods = limits, userId = ALICE, ttlMs = TTL_MS, reservationId = id()) =>
      store.reserve(userId, reservationId, amountToHold, periods, ttlMs);

    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());
    beforeEach(async () => {
      await harness.reset();
      store = harness.store;
    });

    describe('reserve', () => {
      it('reserves within the limit and reports it as reserved in both windows', async () => {
        expect(await reserve(tokens(400))).toEqual({ ok: true });
        const usage = await store.usage(ALICE, limits);
        expect(usage.day).toEqual({ used: tokens(0), reserved: tokens(400) });
        expect(usage.month).toEqual({ used: tokens(0), reserved: tokens(400) });
      });

      it('reserves exactly up to the limit, and not one token more', async () => {
        expect(await reserve(tokens(600))).toEqual({ ok: true });
        expect(await reserve(tokens(401))).toEqual({ ok: false, period: 'day' });
        expect(await reserve(tokens(400))).toEqual({ ok: true });
      });

      it('refuses over the day limit and reserves nothing', async () => {
        expect(await reserve(tokens(1_001))).toEqual({ ok: false, period: 'day' });
        const usage = await store.usage(ALICE, limits);
        expect(usage.day.reserved).toEqual(tokens(0));
        expect(usage.month.reserved).toEqual(tokens(0));
      });

      it('refuses over the month limit alone with period month', async () => {
        const tightMonth = windows(tokenLimit(1_000), tokenLimit(300));
        expect(await reserve(tokens(500), tightMonth)).toEqual({ ok: false, period: 'month' });
      });

      it('is all-or-nothing: a month refusal leaves no reservation in the day window', async () => {
        const tightMonth = windows(tokenLimit(1_000), tokenLimit(300));
        expect(await reserve(tokens(200), tightMonth)).toEqual({ ok: true });
        expect(await reserve(tokens(200), tightMonth)).toEqual({ ok: false, period: 'month' });
        const usage = await store.usage(ALICE, tightMonth);
        expect(usage.day.reserved).toEqual(tokens(200));
        expect(usage.month.reserved).toEqual(tokens(200));
      });

      it('names the month when both windows would be exceeded', async () => {
        expect(await reserve(tokens(9_999))).toEqual({ ok: false, period: 'month' });
      });

      it('enforces the USD limit independently of tokens', async () => {
        const usdOnly = windows(amount(UNLIMITED, 1_000), unlimited);
        expect(await reserve(amount(10, 600), usdOnly)).toEqual({ ok: true });
        expect(await reserve(amount(10, 600), usdOnly)).toEqual({ ok: false, period: 'day' });
        expect(await reserve(amount(1_000_000, 400), usdOnly)).toEqual({ ok: true });
      });

      it('treats -1 as unlimited and 0 as nothing allowed', async () => {
        expect(await reserve(amount(10 ** 12, 10 ** 12), windows(unlimited, unlimited))).toEqual({ ok: true });
        expect(await reserve(tokens(1), windows(tokenLimit(0), unlimited))).toEqual({ ok: false, period: 'day' });
      });

      it('does not reserve a live reservation id twice', async () => {
        const reservationId = id();
        expect(await reserve(tokens(600), limits, ALICE, TTL_MS, reservationId)).toEqual({ ok: true });
        expect(await reserve(tokens(600), limits, ALICE, TTL_MS, reservationId)).toEqual({ ok: true });
        expect((await store.usage(ALICE, limits)).day.reserved).toEqual(tokens(600));
      });

      it('keeps users apart', async () => {
        expect(await reserve(tokens(1_000))).toEqual({ ok: true });
        expect(await reserve(tokens(1_000), limits, BOB)).toEqual({ ok: true });
        expect((await store.usage(BOB, limits)).day.reserved).toEqual(tokens(1_000));
      });

      it("counts a reservation only in the windows it was made in", async () => {
        expect(await reserve(tokens(800), windows(tokenLimit(1_000), tokenLimit(5_000), '2026-11-24'))).toEqual({ ok: true });
        expect(await reserve(tokens(1_000))).toEqual({ ok: true });
        const usage = await store.usage(ALICE, limits);
        expect(usage.day.reserved).toEqual(tokens(1_000));
        expect(usage.month.reserved).toEqual(tokens(1_800));
      });
    });

    describe('settle and release', () => {
      it('settle moves the reservation to used at the actual amount, freeing the rest', async () => {
        const reservationId = id();
        await reserve(amount(600, 900), limits, ALICE, TTL_MS, reservationId);
        await store.settle(ALICE, reservationId, amount(250, 300), limits);
        const usage = await store.usage(ALICE, limits);
        expect(usage.day).toEqual({ used: amount(250, 300), reserved: tokens(0) });
        expect(usage.month).toEqual({ used: amount(250, 300), reserved: tokens(0) });
        expect(await reserve(tokens(750))).toEqual({ ok: true });
        expect(await reserve(tokens(1))).toEqual({ ok: false, period: 'day' });
      });

      it('settling the same reservation twice charges once', async () => {
        const reservationId = id();
        await reserve(tokens(600), limits, ALICE, TTL_MS, reservationId);
        await store.settle(ALICE, reservationId, tokens(500), limits);
        await store.settle(ALICE, reservationId, tokens(500), limits);
        expect((await store.usage(ALICE, limits)).day.used).toEqual(tokens(500));
      });

      it('settling concurrently charges once', async () => {
        const reservationId = id();
        await reserve(tokens(600), limits, ALICE, TTL_MS, reservationId);
        await Promise.all(Array.from({ length: 5 }, () => store.settle(ALICE, reservationId, tokens(500), limits)));
        expect((await store.usage(ALICE, limits)).month.used).toEqual(tokens(500));
      });

      it('release frees the reservation and charges nothing', async () => {
        const reservationId = id();
        await reserve(tokens(1_000), limits, ALICE, TTL_MS, reservationId);
        await store.release(ALICE, reservationId);
        expect(await store.usage(ALICE, limits)).toEqual({
          day: { used: tokens(0), reserved: tokens(0) },
          month: { used: tokens(0), reserved: tokens(0) },
        });
        expect(await reserve(tokens(1_000))).toEqual({ ok: true });
      });

      it('ignores the release of an unknown or already settled reservation', async () => {
        const reservationId = id();
        await reserve(tokens(300), limits, ALICE, TTL_MS, reservationId);
        await store.settle(ALICE, reservationId, tokens(300), limits);
        await store.release(ALICE, reservationId);
        await store.release(BOB, id());
        expect((await store.usage(ALICE, limits)).day).toEqual({ used: tokens(300), reserved: tokens(0) });
      });
    });

    describe('expiry', () => {
      it('an expired reservation no longer counts', async () => {
        expect(await reserve(tokens(1_000), limits, ALICE, 50)).toEqual({ ok: true });
        expect(await reserve(tokens(1))).toEqual({ ok: false, period: 'day' });
        await sleep(120);
        expect((await store.usage(ALICE, limits)).day.reserved).toEqual(tokens(0));
        expect(await reserve(tokens(1_000))).toEqual({ ok: true });
      });

      it('a settle after the reservation expired still charges the actual usage', async () => {
        const reservationId = id();
        await reserve(tokens(400), limits, ALICE, 50, reservationId);
        await sleep(120);
        await store.settle(ALICE, reservationId, tokens(350), limits);
        expect((await store.usage(ALICE, limits)).day).toEqual({ used: tokens(350), reserved: tokens(0) });
      });
    });

    describe('usage', () => {
      it('reports used and reserved per window, zero for a user never seen', async () => {
        expect((await store.usage(BOB, limits)).day).toEqual({ used: tokens(0), reserved: tokens(0) });
        const settled = id();
        await reserve(amount(300, 30), limits, ALICE, TTL_MS, settled);
        await store.settle(ALICE, settled, amount(200, 20), limits);
        await reserve(amount(100, 10));
        const nextDay = windows(tokenLimit(1_000), tokenLimit(5_000), '2026-11-26');
        expect(await store.usage(ALICE, nextDay)).toEqual({
          day: { used: tokens(0), reserved: tokens(0) },
          month: { used: amount(200, 20), reserved: amount(100, 10) },
        });
      });
    });

    describe('concurrency', () => {
      it('50 concurrent reserves against room for 10: exactly 10 succeed and reserved never exceeds the limit', async () => {
        const results = await Promise.all(Array.from({ length: 50 }, () => reserve(amount(100, 7))));
        expect(results.filter((result) => result.ok)).toHaveLength(10);
        expect(results.filter((result) => !result.ok)).toEqual(Array(40).fill({ ok: false, period: 'day' }));
        expect((await store.usage(ALICE, limits)).day.reserved).toEqual(amount(1_000, 70));
      });

      it('concurrent reserves across both windows never overspend the tighter one', async () => {
        const tightMonth = windows(amount(1_000, UNLIMITED), amount(UNLIMITED, 550));
        const results = await Promise.all(Array.from({ length: 30 }, () => reserve(amount(50, 100), tightMonth)));
        expect(results.filter((result) => result.ok)).toHaveLength(5);
        expect((await store.usage(ALICE, tightMonth)).month.reserved).toEqual(amount(250, 500));
      });
    });
  });
}
