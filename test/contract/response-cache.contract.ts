import { randomBytes } from 'node:crypto';
import type {
  CachedReply,
  CacheEntryKey,
  HashedVector,
  NewCacheEntry,
  ResponseCacheStore,
  SimilarQuery,
} from '../../src/ports/response-cache';

export interface ResponseCacheStoreHarness {
  store: ResponseCacheStore;
  /** Starts the next test from an empty store; the previous test's data is removed. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const INDEX = 'test-index';
const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newScope = () => randomBytes(16).toString('hex');
const newId = () => randomBytes(8).toString('hex');

function unit(values: number[]): Float32Array {
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  return Float32Array.from(values, (value) => value / norm);
}

/** Vectors in 4 dimensions at a known cosine to AXIS: cos(angle) = the first component. */
const AXIS = unit([1, 0, 0, 0]);
const atCosine = (cosine: number, spread = [1, 0, 0]): Float32Array => {
  const side = unit(spread);
  const sine = Math.sqrt(1 - cosine * cosine);
  return Float32Array.from([cosine, sine * side[0]!, sine * side[1]!, sine * side[2]!]);
};

function reply(content: string, extra: Partial<CachedReply> = {}): CachedReply {
  return {
    content,
    model: 'gpt-4o-mini',
    usage: { promptTokens: 11, completionTokens: 7, totalTokens: 18 },
    signature: '["sig"]',
    createdAtMs: 1_767_000_000_000,
    ...extra,
  };
}

/**
 * The behaviour every ResponseCacheStore adapter must share. A store that serves expired or
 * foreign-scope entries, compares vectors across indexes, keeps more than its cap, or lets two
 * owners hold one flight fails here.
 */
export function defineResponseCacheStoreContract(name: string, open: () => Promise<ResponseCacheStoreHarness>): void {
  describe(`ResponseCacheStore contract: ${name}`, () => {
    let harness: ResponseCacheStoreHarness;
    let store: ResponseCacheStore;
    let scope: string;

    const entry = (id: string, content: string, embedding: HashedVector | null, extra: Partial<NewCacheEntry> = {}): NewCacheEntry => ({
      scope,
      id,
      reply: reply(content),
      ttlMs: HOUR,
      maxEntriesPerScope: 100,
      maxPerBucket: 100,
      index: INDEX,
      embedding,
      ...extra,
    });
    const hashed = (vector: Float32Array, buckets = [3, 1024 + 5]): HashedVector => ({ vector, buckets });
    const similarTo = (vector: Float32Array, extra: Partial<SimilarQuery> = {}): SimilarQuery => ({
      scope,
      index: INDEX,
      vector,
      buckets: [3, 1024 + 5],
      minSimilarity: 0.9,
      maxPerBucket: 100,
      maxCandidates: 100,
      maxMatches: 5,
      ...extra,
    });

    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());
    beforeEach(async () => {
      await harness.reset();
      store = harness.store;
      scope = newScope();
    });

    describe('exact entries', () => {
      it('returns what was put, field for field, and null for an unknown id', async () => {
        const id = newId();
        const stored = reply('Lisbon is the capital of Portugal.', { signature: '[1,["not"]]' });
        await store.put({ ...entry(id, '', null), reply: stored });
        expect(await store.get({ scope, id })).toEqual(stored);
        expect(await store.get({ scope, id: newId() })).toBeNull();
      });

      it('replaces an entry put again under the same id', async () => {
        const id = newId();
        await store.put(entry(id, 'first', null));
        await store.put(entry(id, 'second', null));
        expect((await store.get({ scope, id }))?.content).toBe('second');
      });

      it('keeps scopes apart: an id in one scope is unknown in another', async () => {
        const id = newId();
        await store.put(entry(id, 'mine', hashed(AXIS)));
        expect(await store.get({ scope: newScope(), id })).toBeNull();
        expect(await store.findSimilar({ ...similarTo(AXIS), scope: newScope() })).toEqual([]);
      });

      it('stops serving an entry once its time to live is over', async () => {
        const id = newId();
        await store.put(entry(id, 'short-lived', hashed(AXIS), { ttlMs: 60 }));
        expect(await store.get({ scope, id })).not.toBeNull();
        await sleep(150);
        expect(await store.get({ scope, id })).toBeNull();
        expect(await store.findSimilar(similarTo(AXIS))).toEqual([]);
        expect(await store.claimFlight({ scope, id }, 'owner', 1_000)).toEqual({ kind: 'claimed' });
      });
    });

    describe('similar entries', () => {
      it('finds entries at or above the minimum similarity, most similar first, with their similarity', async () => {
        const [near, nearer, far] = [newId(), newId(), newId()];
        await store.put(entry(near, 'near', hashed(atCosine(0.93))));
        await store.put(entry(nearer, 'nearer', hashed(atCosine(0.99, [0, 1, 0]))));
        await store.put(entry(far, 'far', hashed(atCosine(0.5, [0, 0, 1]))));
        const matches = await store.findSimilar(similarTo(AXIS));
        expect(matches.map((match) => match.id)).toEqual([nearer, near]);
        expect(matches[0]!.similarity).toBeCloseTo(0.99, 5);
        expect(matches[1]!.similarity).toBeCloseTo(0.93, 5);
        expect(matches[0]!.reply.content).toBe('nearer');
      });

      it('returns at most maxMatches', async () => {
        for (const cosine of [0.95, 0.96, 0.97, 0.98]) await store.put(entry(newId(), `at ${cosine}`, hashed(atCosine(cosine))));
        const matches = await store.findSimilar(similarTo(AXIS, { maxMatches: 2 }));
        expect(matches.map((match) => match.reply.content)).toEqual(['at 0.98', 'at 0.97']);
      });

      it('only considers entries filed under one of the query buckets', async () => {
        await store.put(entry(newId(), 'elsewhere', hashed(AXIS, [7, 1024 + 9])));
        expect(await store.findSimilar(similarTo(AXIS))).toEqual([]);
        const shared = await store.findSimilar(similarTo(AXIS, { buckets: [7, 1024 + 1] }));
        expect(shared.map((match) => match.reply.content)).toEqual(['elsewhere']);
      });

      it('never compares vectors of another index or entries stored without a vector', async () => {
        await store.put(entry(newId(), 'other index', hashed(AXIS), { index: 'other-index' }));
        await store.put(entry(newId(), 'exact only', null));
        expect(await store.findSimilar(similarTo(AXIS))).toEqual([]);
      });

      it('re-files an entry put again with a new vector', async () => {
        const id = newId();
        await store.put(entry(id, 'v1', hashed(AXIS)));
        await store.put(entry(id, 'v2', hashed(atCosine(0, [0, 1, 0]), [4, 1024 + 6])));
        expect(await store.findSimilar(similarTo(AXIS))).toEqual([]);
        const moved = await store.findSimilar(similarTo(atCosine(0, [0, 1, 0]), { buckets: [4, 1024 + 6] }));
        expect(moved.map((match) => [match.id, match.reply.content])).toEqual([[id, 'v2']]);
      });

      it('takes only the newest entries of a bucket as candidates', async () => {
        await store.put(entry(newId(), 'older', hashed(AXIS)));
        await sleep(5);
        await store.put(entry(newId(), 'newer', hashed(atCosine(0.97))));
        const matches = await store.findSimilar(similarTo(AXIS, { maxPerBucket: 1 }));
        expect(matches.map((match) => match.reply.content)).toEqual(['newer']);
      });

      it('keeps only the newest maxPerBucket entries filed in a bucket', async () => {
        await store.put(entry(newId(), 'older', hashed(AXIS), { maxPerBucket: 1 }));
        await store.put(entry(newId(), 'newer', hashed(atCosine(0.97)), { maxPerBucket: 1 }));
        const matches = await store.findSimilar(similarTo(AXIS, { maxPerBucket: 100 }));
        expect(matches.map((match) => match.reply.content)).toEqual(['newer']);
      });

      it('breaks ties between candidates by band order, then newest first', async () => {
        await store.put(entry(newId(), 'second band', hashed(AXIS, [99, 1024 + 5])));
        await store.put(entry(newId(), 'first band, older', hashed(AXIS, [3, 1024 + 98])));
        await sleep(5);
        await store.put(entry(newId(), 'first band, newer', hashed(AXIS, [3, 1024 + 97])));
        const first = await store.findSimilar(similarTo(AXIS, { maxCandidates: 1 }));
        expect(first.map((match) => match.reply.content)).toEqual(['first band, newer']);
        const two = await store.findSimilar(similarTo(AXIS, { maxCandidates: 2 }));
        expect(two.map((match) => match.reply.content).sort()).toEqual(['first band, newer', 'first band, older']);
      });

      it('compares at most maxCandidates, preferring those sharing the most buckets', async () => {
        await store.put(entry(newId(), 'one shared bucket', hashed(AXIS, [3, 1024 + 99])));
        await store.put(entry(newId(), 'two shared buckets', hashed(atCosine(0.95))));
        const matches = await store.findSimilar(similarTo(AXIS, { maxCandidates: 1 }));
        expect(matches.map((match) => match.reply.content)).toEqual(['two shared buckets']);
      });
    });

    describe('cap per scope', () => {
      it('evicts the oldest entries once the scope is over its cap', async () => {
        const ids = [newId(), newId(), newId()];
        for (const [index, id] of ids.entries()) {
          await store.put(entry(id, `entry ${index}`, hashed(atCosine(0.99 - index * 0.01)), { maxEntriesPerScope: 2 }));
          await sleep(5);
        }
        expect(await store.get({ scope, id: ids[0]! })).toBeNull();
        expect((await store.get({ scope, id: ids[2]! }))?.content).toBe('entry 2');
        const matches = await store.findSimilar(similarTo(AXIS));
        expect(matches.map((match) => match.id)).toEqual([ids[1], ids[2]]);
      });
    });

    describe('single-flight locks', () => {
      const key = (): CacheEntryKey => ({ scope, id: newId() });

      it('gives the lock to one owner; others are told it is busy, the owner may claim again', async () => {
        const flight = key();
        expect(await store.claimFlight(flight, 'a', 5_000)).toEqual({ kind: 'claimed' });
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'busy' });
        expect(await store.claimFlight(flight, 'a', 5_000)).toEqual({ kind: 'claimed' });
      });

      it('20 concurrent claims: exactly one owner', async () => {
        const flight = key();
        const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => store.claimFlight(flight, `owner-${index}`, 5_000)));
        expect(claims.filter((claim) => claim.kind === 'claimed')).toHaveLength(1);
        expect(claims.filter((claim) => claim.kind === 'busy')).toHaveLength(19);
      });

      it("answers with the entry once it exists, and a put by the owner ends the owner's lock", async () => {
        const flight = key();
        await store.claimFlight(flight, 'a', 5_000);
        await store.put({ ...entry(flight.id, 'produced', null), flightOwner: 'a' });
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'hit', reply: reply('produced') });
        await store.put(entry(flight.id, 'replaced', null, { ttlMs: 1 }));
        await sleep(20);
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'claimed' });
      });

      it('frees the lock when the owner ends it, and ignores anyone else ending it', async () => {
        const flight = key();
        await store.claimFlight(flight, 'a', 5_000);
        await store.endFlight(flight, 'b', 0);
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'busy' });
        await store.endFlight(flight, 'a', 0);
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'claimed' });
      });

      it('an abandoned flight is reported as such until the mark runs out', async () => {
        const flight = key();
        await store.claimFlight(flight, 'a', 5_000);
        await store.endFlight(flight, 'a', 80);
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'abandoned' });
        await sleep(150);
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'claimed' });
      });

      it("a dead owner's lock runs out on its own", async () => {
        const flight = key();
        await store.claimFlight(flight, 'a', 60);
        await sleep(150);
        expect(await store.claimFlight(flight, 'b', 5_000)).toEqual({ kind: 'claimed' });
      });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('keeps scopes apart under concurrent writes of the same id', async () => {
      const scopes = Array.from({ length: 5 }, () => newScope());
      const id = newId();
      await Promise.all(scopes.map((other) => store.put({ ...entry(id, `for ${other}`, hashed(AXIS)), scope: other })));
      for (const other of scopes) expect((await store.get({ scope: other, id }))?.content).toBe(`for ${other}`);
    });
  });
}
