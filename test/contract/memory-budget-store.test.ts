import { MemoryBudgetStore } from '../../src/adapters/memory/memory-budget-store';
import { UNLIMITED, type BudgetPeriods } from '../../src/ports/budget-store';
import { defineBudgetStoreContract } from './budget-store.contract';

defineBudgetStoreContract('MemoryBudgetStore', async () => {
  let store = new MemoryBudgetStore();
  return {
    get store() {
      return store;
    },
    reset: async () => {
      store = new MemoryBudgetStore();
    },
    close: async () => undefined,
  };
});

describe('MemoryBudgetStore housekeeping', () => {
  const periods: BudgetPeriods = {
    day: { id: '2026-11-25', limit: { tokens: 100, microUsd: UNLIMITED }, ttlSeconds: 10 },
    month: { id: '2026-11', limit: { tokens: UNLIMITED, microUsd: UNLIMITED }, ttlSeconds: 10 },
  };

  it('drops a window counter once its time to live is over', async () => {
    let nowMs = 1_000_000;
    const store = new MemoryBudgetStore({ now: () => nowMs });
    await store.reserve('u', 'r1', { tokens: 100, microUsd: 0 }, periods, 1_000);
    await store.settle('u', 'r1', { tokens: 100, microUsd: 0 }, periods);
    expect(await store.reserve('u', 'r2', { tokens: 1, microUsd: 0 }, periods, 1_000)).toEqual({ ok: false, period: 'day' });
    nowMs += 10_001;
    expect(await store.reserve('u', 'r3', { tokens: 100, microUsd: 0 }, periods, 1_000)).toEqual({ ok: true });
  });

  it('remembers a settled id for the retention only, so memory does not grow without bound', async () => {
    let nowMs = 1_000_000;
    const store = new MemoryBudgetStore({ now: () => nowMs, settledRetentionMs: 5_000, sweepIntervalMs: 1_000 });
    await store.settle('u', 'r1', { tokens: 10, microUsd: 0 }, periods);
    nowMs += 6_000;
    await store.settle('u', 'r1', { tokens: 10, microUsd: 0 }, periods);
    expect((await store.usage('u', periods)).day.used.tokens).toBe(20);
  });
});
