import { MemoryResponseCache } from '../../src/adapters/memory/memory-response-cache';
import type { NewCacheEntry } from '../../src/ports/response-cache';
import { defineResponseCacheStoreContract } from './response-cache.contract';

defineResponseCacheStoreContract('MemoryResponseCache', async () => {
  let store = new MemoryResponseCache();
  return {
    get store() {
      return store;
    },
    reset: async () => {
      store = new MemoryResponseCache();
    },
    close: async () => undefined,
  };
});

describe('MemoryResponseCache housekeeping', () => {
  const entry = (scope: string, id: string): NewCacheEntry => ({
    scope,
    id,
    reply: { content: id, model: 'm', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, signature: 's', createdAtMs: 0 },
    ttlMs: 1_000,
    maxEntriesPerScope: 10,
    maxPerBucket: 100,
    index: 'i',
    embedding: null,
  });

  it('keeps at most maxScopes scopes, dropping the least recently written', async () => {
    const store = new MemoryResponseCache({ maxScopes: 2 });
    await store.put(entry('s1', 'aaaaaaaaaaaaaaaa'));
    await store.put(entry('s2', 'bbbbbbbbbbbbbbbb'));
    await store.put(entry('s1', 'cccccccccccccccc'));
    await store.put(entry('s3', 'dddddddddddddddd'));
    expect(await store.get({ scope: 's2', id: 'bbbbbbbbbbbbbbbb' })).toBeNull();
    expect(await store.get({ scope: 's1', id: 'aaaaaaaaaaaaaaaa' })).not.toBeNull();
  });

  it('expires by its clock, and sweeps expired entries everywhere', async () => {
    let nowMs = 1_000_000;
    const store = new MemoryResponseCache({ now: () => nowMs, sweepIntervalMs: 500 });
    await store.put(entry('s1', 'aaaaaaaaaaaaaaaa'));
    nowMs += 999;
    expect(await store.get({ scope: 's1', id: 'aaaaaaaaaaaaaaaa' })).not.toBeNull();
    nowMs += 1;
    expect(await store.get({ scope: 's1', id: 'aaaaaaaaaaaaaaaa' })).toBeNull();
    await store.claimFlight({ scope: 's9', id: 'eeeeeeeeeeeeeeee' }, 'owner', 10);
    nowMs += 1_000;
    expect(await store.claimFlight({ scope: 's9', id: 'eeeeeeeeeeeeeeee' }, 'other', 10)).toEqual({ kind: 'claimed' });
  });
});
