import { endianness } from 'node:os';
import type { RedisClient } from './redis-connection';
import type {
  CachedReply,
  CacheEntryKey,
  FlightClaim,
  NewCacheEntry,
  ResponseCacheStore,
  SimilarMatch,
  SimilarQuery,
} from '../../ports/response-cache';
import { LuaScripts } from './lua-scripts';

export interface RedisResponseCacheOptions {
  /**
   * Prepended to every key. Must not contain `{` or `}`: the scope is the cluster hash tag.
   * @defaultValue 'parley:response-cache:'
   */
  prefix?: string;
}

const DEFAULT_PREFIX = 'parley:response-cache:';
const ID = /^[0-9a-f]{16}$/;
const ID_LENGTH = 16;
const INDEX_NAME = /^[A-Za-z0-9.-]+$/;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

let sharedScripts: LuaScripts | undefined;

/**
 * The response cache in plain Redis. Per scope: a hash of entries and a sorted set of their expiry
 * times (server clock); per similarity index, a hash of float32 vectors and a hash of buckets, each
 * holding the newest ids filed under it. Writes go through one Lua script; similar-query reads are
 * plain pipelined commands, and the cosine re-rank runs here rather than in Redis, so Redis's one
 * thread only copies bytes. All of a scope's keys share the `{scope}` hash tag and expire with its
 * newest entry.
 */
export class RedisResponseCache implements ResponseCacheStore {
  private readonly prefix: string;
  private readonly scripts: LuaScripts;

  constructor(private readonly redis: RedisClient, options: RedisResponseCacheOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    if (/[{}]/.test(this.prefix)) throw new Error('RedisResponseCache prefix must not contain { or }');
    sharedScripts ??= new LuaScripts();
    this.scripts = sharedScripts;
  }

  async get(key: CacheEntryKey): Promise<CachedReply | null> {
    const payload = await this.scripts.run(this.redis, 'find-cache-entry', this.entryKeys(key.scope), [key.id]);
    return typeof payload === 'string' ? decodeReply(payload) : null;
  }

  async findSimilar(query: SimilarQuery): Promise<SimilarMatch[]> {
    const [entries, expiries] = this.entryKeys(query.scope);
    const { vectors, buckets } = this.indexKeys(query.scope, query.index);
    if (query.buckets.length === 0) return [];
    const filed = await this.redis.hmget(buckets, ...query.buckets.map(String));
    const candidates = rankCandidates(filed, query.maxPerBucket, query.maxCandidates);
    if (candidates.length === 0) return [];
    const [[seconds, micros], expiresAt, blobs] = await Promise.all([
      this.redis.time(),
      this.redis.zmscore(expiries, ...candidates),
      this.redis.hmgetBuffer(vectors, ...candidates),
    ]);
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const scored = candidates
      .map((id, index) => ({ id, similarity: cosine(query.vector, blobs[index], expiresAt[index], nowMs) }))
      .filter((match) => match.similarity >= query.minSimilarity)
      .sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1))
      .slice(0, query.maxMatches);
    if (scored.length === 0) return [];
    const payloads = await this.redis.hmget(entries, ...scored.map((match) => match.id));
    return scored.flatMap((match, index) => {
      const reply = decodeReply(payloads[index] ?? null);
      return reply ? [{ id: match.id, similarity: Math.min(1, match.similarity), reply }] : [];
    });
  }

  async put(entry: NewCacheEntry): Promise<void> {
    if (!ID.test(entry.id)) throw new Error(`invalid response cache entry id "${entry.id}"`);
    const ttlMs = Math.max(1, Math.ceil(entry.ttlMs));
    const { vectors, buckets, filed } = this.indexKeys(entry.scope, entry.index);
    const keys = [...this.entryKeys(entry.scope), vectors, buckets, filed, this.flightKey(entry)];
    const args = [entry.id, encodeReply(entry.reply), ttlMs, entry.maxEntriesPerScope, entry.flightOwner ?? '', entry.maxPerBucket];
    // Sent back to back on one connection, so the script runs after the vector is in place.
    const writes: Array<Promise<unknown>> = [];
    if (entry.embedding) {
      writes.push(this.redis.hset(vectors, entry.id, toBlob(entry.embedding.vector)));
      writes.push(this.redis.pexpire(vectors, ttlMs, 'NX'));
    }
    writes.push(this.scripts.run(this.redis, 'add-cache-entry', keys, [...args, ...(entry.embedding?.buckets ?? [])]));
    await Promise.all(writes);
  }

  async claimFlight(key: CacheEntryKey, owner: string, ttlMs: number): Promise<FlightClaim> {
    const keys = [...this.entryKeys(key.scope), this.flightKey(key)];
    return toFlightClaim(await this.scripts.run(this.redis, 'claim-cache-flight', keys, [key.id, owner, Math.max(1, Math.ceil(ttlMs))]));
  }

  async endFlight(key: CacheEntryKey, owner: string, abandonedMs: number): Promise<void> {
    await this.scripts.run(this.redis, 'release-cache-flight', [this.flightKey(key)], [owner, Math.max(0, Math.ceil(abandonedMs))]);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  private entryKeys(scope: string): [entries: string, expiries: string] {
    return [this.scopeKey(scope, 'entries'), this.scopeKey(scope, 'expiries')];
  }

  private indexKeys(scope: string, index: string): { vectors: string; buckets: string; filed: string } {
    if (!INDEX_NAME.test(index)) throw new Error(`invalid similarity index name "${index}"`);
    return {
      vectors: this.scopeKey(scope, `vectors:${index}`),
      buckets: this.scopeKey(scope, `buckets:${index}`),
      filed: this.scopeKey(scope, `filed:${index}`),
    };
  }

  private flightKey(key: CacheEntryKey): string {
    return this.scopeKey(key.scope, `flight:${key.id}`);
  }

  private scopeKey(scope: string, suffix: string): string {
    return `${this.prefix}{${scope}}:${suffix}`;
  }
}

/**
 * The newest ids of each bucket (packed 16 characters each, oldest first), those in the most
 * buckets first; ties in the order first seen (buckets in band order, each newest first).
 */
function rankCandidates(filed: Array<string | null>, perBucket: number, maxCandidates: number): string[] {
  const shared = new Map<string, number>();
  for (const packed of filed) {
    if (!packed) continue;
    const oldest = Math.max(0, packed.length - perBucket * ID_LENGTH);
    for (let at = packed.length - ID_LENGTH; at >= oldest; at -= ID_LENGTH) {
      const id = packed.slice(at, at + ID_LENGTH);
      shared.set(id, (shared.get(id) ?? 0) + 1);
    }
  }
  const ids = [...shared.keys()];
  if (ids.length <= maxCandidates) return ids;
  return ids.sort((a, b) => (shared.get(b) ?? 0) - (shared.get(a) ?? 0)).slice(0, maxCandidates);
}

/** Cosine of two unit vectors; -Infinity for an expired entry or a missing or foreign-sized vector. */
function cosine(query: Float32Array, blob: Buffer | null | undefined, expiresAt: string | null | undefined, nowMs: number): number {
  if (!blob || blob.length !== query.length * 4 || expiresAt == null || Number(expiresAt) <= nowMs) return -Infinity;
  const vector = floatView(blob);
  let sum = 0;
  for (let i = 0; i < query.length; i += 1) sum += (query[i] as number) * (vector[i] as number);
  return sum;
}

/** Reused for blobs that are not 4-byte aligned, so a lookup allocates nothing per candidate. */
let scratch = new Float32Array(0);

/** The blob as float32s: a view when it is aligned, else a copy in `scratch` (valid until the next call). */
function floatView(blob: Buffer): Float32Array {
  if (!LITTLE_ENDIAN_HOST) return Float32Array.from({ length: blob.length / 4 }, (_, index) => blob.readFloatLE(index * 4));
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.length / 4);
  if (scratch.length < blob.length / 4) scratch = new Float32Array(blob.length / 4);
  new Uint8Array(scratch.buffer, 0, blob.length).set(blob);
  return scratch.subarray(0, blob.length / 4);
}

function toBlob(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const blob = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => blob.writeFloatLE(value, index * 4));
  return blob;
}

function encodeReply(reply: CachedReply): string {
  const { promptTokens, completionTokens, totalTokens } = reply.usage;
  return JSON.stringify({ c: reply.content, m: reply.model, u: [promptTokens, completionTokens, totalTokens], g: reply.signature, t: reply.createdAtMs });
}

/** A payload this version cannot read is treated as absent, never as a reply. */
function decodeReply(payload: string | null): CachedReply | null {
  let value: unknown;
  try {
    value = JSON.parse(payload ?? 'null');
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { c, m, u, g, t } = value as Record<string, unknown>;
  if (typeof c !== 'string' || typeof m !== 'string' || typeof g !== 'string' || typeof t !== 'number') return null;
  if (!Array.isArray(u) || u.length !== 3 || !u.every((n): n is number => typeof n === 'number')) return null;
  const [promptTokens = 0, completionTokens = 0, totalTokens = 0] = u;
  return { content: c, model: m, usage: { promptTokens, completionTokens, totalTokens }, signature: g, createdAtMs: t };
}

/** The one place claim codes become results; anything unexpected is a failure. */
function toFlightClaim(reply: unknown): FlightClaim {
  const [code, payload]: unknown[] = Array.isArray(reply) ? reply : [];
  switch (code) {
    case 1: {
      // An entry this version cannot read is replaced by whoever produces a new reply.
      const decoded = decodeReply(typeof payload === 'string' ? payload : null);
      return decoded ? { kind: 'hit', reply: decoded } : { kind: 'abandoned' };
    }
    case 2:
      return { kind: 'claimed' };
    case 0:
      return { kind: 'busy' };
    case -1:
      return { kind: 'abandoned' };
    default:
      throw new Error(`claim-cache-flight returned an unexpected reply: ${String(code)}`);
  }
}
