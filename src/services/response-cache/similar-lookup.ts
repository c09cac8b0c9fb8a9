import type { Embedder } from '../../ports/embedder';
import type { HashedVector, ResponseCacheStore, SimilarMatch } from '../../ports/response-cache';
import type { CacheCallGuard, Guarded } from './cache-call-guard';
import { toCacheHit } from './cache-hit';
import type { CacheQuery } from './cache-query';
import { CacheLevel, type CacheHit, type LookupResult } from './cache-types';
import type { EmbeddingHealth } from './embedding-health';
import type { LshHasher } from './lsh-hasher';
import type { ResolvedResponseCacheOptions } from './response-cache-options';
import { toUnitVector } from './unit-vector';

export interface SimilarLookupDeps {
  store: ResponseCacheStore;
  embedder: Embedder | null;
  storeGuard: CacheCallGuard;
  embedGuard: CacheCallGuard;
  hasher: LshHasher;
  health: EmbeddingHealth;
  options: ResolvedResponseCacheOptions;
}

/** A query's embedding, hashed, and the index it belongs to. */
export interface IndexedEmbedding {
  index: string;
  embedding: HashedVector;
}

export interface SimilarOutcome {
  result: LookupResult;
  hit: CacheHit | null;
  /** Why the level failed, when `result` is `error`: `embed_<why>` or `store_<why>`. */
  reason?: string;
}

/**
 * The similar-query level: embed the question, find the nearest entries of its scope, and accept
 * the most similar one whose lexical signature matches. No embedder, a failed embedding or a
 * failed store call each make it a miss.
 */
export class SimilarLookup {
  constructor(private readonly deps: SimilarLookupDeps) {}

  get enabled(): boolean {
    return this.deps.embedder !== null && this.deps.options.similarEnabled;
  }

  async find(query: CacheQuery): Promise<SimilarOutcome> {
    if (!this.enabled || !query.similarEligible) return { result: 'skipped', hit: null };
    const indexed = await this.embed(query);
    if (!indexed.ok) return { result: 'error', hit: null, reason: `embed_${indexed.reason}` };
    const { options } = this.deps;
    const found = await this.deps.storeGuard.run('findSimilar', () =>
      this.deps.store.findSimilar({
        scope: query.key.scope,
        index: indexed.value.index,
        ...indexed.value.embedding,
        minSimilarity: options.similarityThreshold,
        maxPerBucket: options.maxPerBucket,
        maxCandidates: options.maxCandidates,
        maxMatches: options.maxGuardChecks,
      }),
    );
    if (!found.ok) return { result: 'error', hit: null, reason: `store_${found.reason}` };
    return judge(query, found.value);
  }

  /** The query's embedding, computed once per query (a failure is remembered too). */
  async embed(query: CacheQuery): Promise<Guarded<IndexedEmbedding>> {
    const embedder = this.deps.embedder;
    if (!embedder || !this.deps.options.similarEnabled) return { ok: false, reason: 'off' };
    const embedding = await query.embeddingOnce(() => this.compute(embedder, query.embeddingText));
    if (!embedding.ok) return embedding;
    return { ok: true, value: { index: this.deps.hasher.indexName(embedder.space, embedding.value.vector.length), embedding: embedding.value } };
  }

  /** Embeds one text through the guard and records what that showed of the endpoint's health. */
  async compute(embedder: Embedder, text: string): Promise<Guarded<HashedVector>> {
    const embedded = await this.deps.embedGuard.run('embed', (signal) => embedder.embed([text], signal));
    const vector = embedded.ok ? toUnitVector(embedded.value[0] ?? []) : null;
    const outcome: Guarded<HashedVector> = vector
      ? { ok: true, value: { vector, buckets: this.deps.hasher.buckets(vector) } }
      : { ok: false, reason: embedded.ok ? 'malformed' : embedded.reason };
    this.deps.health.record(outcome);
    return outcome;
  }
}

function judge(query: CacheQuery, matches: SimilarMatch[]): SimilarOutcome {
  const match = matches.find((candidate) => candidate.reply.signature === query.signature);
  if (!match) return { result: matches.length > 0 ? 'guarded' : 'miss', hit: null };
  return { result: 'hit', hit: toCacheHit(match.reply, CacheLevel.Similar, match.similarity) };
}
