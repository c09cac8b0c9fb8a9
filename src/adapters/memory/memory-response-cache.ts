import type {
  CachedReply,
  CacheEntryKey,
  FlightClaim,
  HashedVector,
  NewCacheEntry,
  ResponseCacheStore,
  SimilarMatch,
  SimilarQuery,
} from '../../ports/response-cache';

export interface MemoryResponseCacheOptions {
  /** Milliseconds since the epoch. @defaultValue Date.now */
  now?: () => number;
  /**
   * Scopes kept at once; writing to a new scope beyond this drops the least recently written one.
   * @defaultValue 10_000
   */
  maxScopes?: number;
  /**
   * How often expired entries, empty scopes and dead flight locks are dropped everywhere.
   * @defaultValue 60_000
   */
  sweepIntervalMs?: number;
}

interface Entry {
  reply: CachedReply;
  expiresAtMs: number;
}

interface Index {
  vectors: Map<string, HashedVector>;
  /** bucket → ids filed under it. */
  buckets: Map<number, Set<string>>;
}

interface Scope {
  entries: Map<string, Entry>;
  indexes: Map<string, Index>;
}

interface Flight {
  owner: string;
  expiresAtMs: number;
}

const ABANDONED = '!abandoned';
const PURGE_PER_WRITE = 100;

/**
 * The response cache in this process only, for setups without Redis. Same rules as the Redis
 * adapter, including bucket candidates and their caps. Each method finishes before its first
 * await, so concurrent calls never interleave inside one.
 */
export class MemoryResponseCache implements ResponseCacheStore {
  private readonly scopes = new Map<string, Scope>();
  private readonly flights = new Map<string, Flight>();
  private readonly now: () => number;
  private readonly maxScopes: number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs: number;

  constructor(options: MemoryResponseCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxScopes = options.maxScopes ?? 10_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepMs = this.now();
  }

  async get(key: CacheEntryKey): Promise<CachedReply | null> {
    this.sweepIfDue();
    return this.live(this.scopes.get(key.scope), key.id)?.reply ?? null;
  }

  async findSimilar(query: SimilarQuery): Promise<SimilarMatch[]> {
    this.sweepIfDue();
    const scope = this.scopes.get(query.scope);
    const index = scope?.indexes.get(query.index);
    if (!scope || !index) return [];
    const matches: SimilarMatch[] = [];
    for (const id of candidates(index, query)) {
      const entry = this.live(scope, id);
      const vector = index.vectors.get(id)?.vector;
      if (!entry || !vector || vector.length !== query.vector.length) continue;
      const similarity = dot(query.vector, vector);
      if (similarity >= query.minSimilarity) matches.push({ id, similarity: Math.min(1, similarity), reply: entry.reply });
    }
    matches.sort((a, b) => b.similarity - a.similarity || compare(a.id, b.id));
    return matches.slice(0, query.maxMatches);
  }

  async put(entry: NewCacheEntry): Promise<void> {
    this.sweepIfDue();
    const nowMs = this.now();
    const scope = this.scopeFor(entry.scope);
    purgeExpired(scope, nowMs, PURGE_PER_WRITE);
    unfile(scope, entry.id);
    scope.entries.set(entry.id, { reply: { ...entry.reply }, expiresAtMs: nowMs + Math.max(1, Math.ceil(entry.ttlMs)) });
    if (entry.embedding) file(indexFor(scope, entry.index), entry.id, entry.embedding, entry.maxPerBucket);
    evictOverCap(scope, entry.maxEntriesPerScope);
    if (entry.flightOwner !== undefined) this.release(entry, entry.flightOwner, 0);
  }

  async claimFlight(key: CacheEntryKey, owner: string, ttlMs: number): Promise<FlightClaim> {
    this.sweepIfDue();
    const entry = this.live(this.scopes.get(key.scope), key.id);
    if (entry) return { kind: 'hit', reply: entry.reply };
    const flight = this.liveFlight(key);
    if (!flight) {
      this.flights.set(flightKey(key), { owner, expiresAtMs: this.now() + Math.max(1, Math.ceil(ttlMs)) });
      return { kind: 'claimed' };
    }
    if (flight.owner === owner) return { kind: 'claimed' };
    return flight.owner === ABANDONED ? { kind: 'abandoned' } : { kind: 'busy' };
  }

  async endFlight(key: CacheEntryKey, owner: string, abandonedMs: number): Promise<void> {
    this.release(key, owner, abandonedMs);
  }

  async ping(): Promise<void> {}

  private release(key: CacheEntryKey, owner: string, abandonedMs: number): void {
    if (this.liveFlight(key)?.owner !== owner) return;
    if (abandonedMs > 0) this.flights.set(flightKey(key), { owner: ABANDONED, expiresAtMs: this.now() + Math.ceil(abandonedMs) });
    else this.flights.delete(flightKey(key));
  }

  private live(scope: Scope | undefined, id: string): Entry | null {
    const entry = scope?.entries.get(id);
    return entry && entry.expiresAtMs > this.now() ? entry : null;
  }

  private liveFlight(key: CacheEntryKey): Flight | null {
    const flight = this.flights.get(flightKey(key));
    return flight && flight.expiresAtMs > this.now() ? flight : null;
  }

  /** The scope, moved to most recently written; the least recently written go beyond the cap. */
  private scopeFor(name: string): Scope {
    const scope = this.scopes.get(name) ?? { entries: new Map<string, Entry>(), indexes: new Map<string, Index>() };
    this.scopes.delete(name);
    this.scopes.set(name, scope);
    for (const oldest of this.scopes.keys()) {
      if (this.scopes.size <= this.maxScopes) break;
      this.scopes.delete(oldest);
    }
    return scope;
  }

  private sweepIfDue(): void {
    const nowMs = this.now();
    if (nowMs - this.lastSweepMs < this.sweepIntervalMs) return;
    this.lastSweepMs = nowMs;
    for (const [name, scope] of this.scopes) {
      purgeExpired(scope, nowMs, Infinity);
      if (scope.entries.size === 0) this.scopes.delete(name);
    }
    for (const [name, flight] of this.flights) if (flight.expiresAtMs <= nowMs) this.flights.delete(name);
  }
}

function flightKey(key: CacheEntryKey): string {
  return `${key.scope}:${key.id}`;
}

function indexFor(scope: Scope, name: string): Index {
  let index = scope.indexes.get(name);
  if (!index) {
    index = { vectors: new Map(), buckets: new Map() };
    scope.indexes.set(name, index);
  }
  return index;
}

/** Files the vector under its buckets; each bucket keeps its newest `perBucket` ids, as in Redis. */
function file(index: Index, id: string, embedding: HashedVector, perBucket: number): void {
  index.vectors.set(id, { vector: Float32Array.from(embedding.vector), buckets: [...embedding.buckets] });
  for (const bucket of embedding.buckets) {
    const ids = index.buckets.get(bucket) ?? new Set<string>();
    ids.add(id);
    for (const oldest of ids) {
      if (ids.size <= perBucket) break;
      ids.delete(oldest);
    }
    index.buckets.set(bucket, ids);
  }
}

function unfile(scope: Scope, id: string): void {
  for (const index of scope.indexes.values()) {
    const filed = index.vectors.get(id);
    if (!filed) continue;
    index.vectors.delete(id);
    for (const bucket of filed.buckets) {
      const ids = index.buckets.get(bucket);
      if (ids?.delete(id) && ids.size === 0) index.buckets.delete(bucket);
    }
  }
}

function remove(scope: Scope, id: string): void {
  scope.entries.delete(id);
  unfile(scope, id);
}

function purgeExpired(scope: Scope, nowMs: number, limit: number): void {
  let purged = 0;
  for (const [id, entry] of scope.entries) {
    if (purged >= limit) return;
    if (entry.expiresAtMs > nowMs) continue;
    remove(scope, id);
    purged += 1;
  }
}

/** Those expiring first go, as in Redis; ties go in id order. */
function evictOverCap(scope: Scope, cap: number): void {
  const over = scope.entries.size - cap;
  if (over <= 0) return;
  const byExpiry = [...scope.entries].sort(([idA, a], [idB, b]) => a.expiresAtMs - b.expiresAtMs || compare(idA, idB));
  for (const [id] of byExpiry.slice(0, over)) remove(scope, id);
}

/**
 * The newest ids of each of the query's buckets, those sharing the most buckets first; ties in the
 * order first seen (buckets in band order, each newest first), as in Redis.
 */
function candidates(index: Index, query: SimilarQuery): string[] {
  const shared = new Map<string, number>();
  for (const bucket of query.buckets) {
    const filed = [...(index.buckets.get(bucket) ?? [])].slice(-query.maxPerBucket).reverse();
    for (const id of filed) shared.set(id, (shared.get(id) ?? 0) + 1);
  }
  const ids = [...shared.keys()];
  if (ids.length <= query.maxCandidates) return ids;
  ids.sort((a, b) => (shared.get(b) ?? 0) - (shared.get(a) ?? 0));
  return ids.slice(0, query.maxCandidates);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
