import type { TokenUsage } from './chat-store';

/** A reply as the cache keeps it. */
export interface CachedReply {
  content: string;
  /** The model that produced the reply. */
  model: string;
  /** What producing it cost originally (what a hit saves). */
  usage: TokenUsage;
  /** The lexical signature of the question it answered; a similar hit needs an equal one. */
  signature: string;
  createdAtMs: number;
}

/**
 * Where an entry lives. `scope` groups the entries a similar-query lookup may compare (one owner,
 * model, parameters, system prompt version and context); `id` names one question inside it.
 * Both are opaque hex digests; `id` is exactly 16 characters.
 */
export interface CacheEntryKey {
  scope: string;
  id: string;
}

/**
 * A unit vector and its locality-sensitive hash buckets, one per band (at least one). It belongs to
 * an index, named by the vector space and hash layout (letters, digits, `-`, `.`); vectors are
 * only ever compared within one index.
 */
export interface HashedVector {
  vector: Float32Array;
  /** Band b's bucket, encoded as b * 2^bitsPerBand + code so buckets of different bands never collide. */
  buckets: number[];
}

export interface NewCacheEntry extends CacheEntryKey {
  reply: CachedReply;
  ttlMs: number;
  /** After this write the scope holds at most this many entries; those expiring first go. */
  maxEntriesPerScope: number;
  /** Each bucket keeps only its newest this many entries (lookups never read further). */
  maxPerBucket: number;
  index: string;
  /** null stores the entry for exact lookups only (e.g. the embedding failed). */
  embedding: HashedVector | null;
  /** Ends this owner's single-flight lock on the entry in the same step, if it still holds it. */
  flightOwner?: string;
}

export interface SimilarQuery extends HashedVector {
  scope: string;
  index: string;
  minSimilarity: number;
  /** Of the entries sharing a bucket, only this many of the newest are candidates. */
  maxPerBucket: number;
  /**
   * At most this many candidates are compared exactly: those sharing the most buckets first, ties
   * in the order first seen (buckets in band order, each newest first).
   */
  maxCandidates: number;
  maxMatches: number;
}

export interface SimilarMatch {
  id: string;
  /** Cosine similarity to the query vector. */
  similarity: number;
  reply: CachedReply;
}

/**
 * The answer to a single-flight claim. `hit`: the entry exists now. `claimed`: the caller owns the
 * flight and must end it. `busy`: another owner is producing. `abandoned`: the last owner failed,
 * so callers should produce on their own rather than queue behind each other.
 */
export type FlightClaim =
  | { kind: 'hit'; reply: CachedReply }
  | { kind: 'claimed' }
  | { kind: 'busy' }
  | { kind: 'abandoned' };

/**
 * Response cache storage: exact entries, a similarity index over them, and single-flight locks.
 * Expired entries are never returned. Failures reject; deciding what a failure means is the
 * caller's business.
 */
export interface ResponseCacheStore {
  get(key: CacheEntryKey): Promise<CachedReply | null>;
  /** Live entries of the scope at or above `minSimilarity`, most similar first. */
  findSimilar(query: SimilarQuery): Promise<SimilarMatch[]>;
  /** Inserts or replaces the entry, then evicts over the scope's cap. */
  put(entry: NewCacheEntry): Promise<void>;
  /** Takes the flight lock for `ttlMs` unless the entry exists or someone else holds it. */
  claimFlight(key: CacheEntryKey, owner: string, ttlMs: number): Promise<FlightClaim>;
  /**
   * Gives up a flight the owner still holds. With `abandonedMs` > 0 the lock turns into an
   * "abandoned" mark for that long, which claims report as `abandoned`.
   */
  endFlight(key: CacheEntryKey, owner: string, abandonedMs: number): Promise<void>;
  ping(): Promise<void>;
}
