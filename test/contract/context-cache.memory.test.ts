import { MemoryContextCache } from '../../src/adapters/memory/memory-context-cache';
import type { ContextCache } from '../../src/ports/context-cache';
import { defineContextCacheContract } from './context-cache.contract';

defineContextCacheContract('MemoryContextCache', async () => {
  let cache: ContextCache = new MemoryContextCache();
  return {
    get clients() {
      return [cache, cache, cache];
    },
    reset: async (ttlSeconds?: number) => {
      cache = new MemoryContextCache({ ttlSeconds });
    },
    close: async () => undefined,
  };
});

describe('MemoryContextCache', () => {
  it('expires on its own clock', async () => {
    let now = 1_000;
    const cache = new MemoryContextCache({ ttlSeconds: 60, now: () => now });
    const context = { turns: [], throughSeq: 0, summary: null, summaryThroughSeq: 0, systemPromptVersion: 1, branchVersion: 0 };
    await cache.set('c', context);
    now += 59_999;
    expect(await cache.get('c')).toEqual(context);
    now += 1;
    expect(await cache.get('c')).toBeNull();
  });

  it('refuses a time to live that is not positive', () => {
    expect(() => new MemoryContextCache({ ttlSeconds: 0 })).toThrow(RangeError);
  });
});
