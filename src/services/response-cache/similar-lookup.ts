import type { Embedder } from '../../ports/embedder';
import type { HashedVector, ResponseCacheStore, SimilarMatch } from '../../ports/response-cache';
import type { CacheCallGuard } from './cache-call-guard';
import { toCacheHit } from './cache-hit';
import type { CacheQuery } from './cache-query';
import { CacheLevel, type CacheHit, type LookupResult } from './cache-types';
import type { LshHasher } from './lsh-hasher';
import type { ResolvedResponseCacheOptions } from './response-cache-options';
import { toUnitVector } from './unit-vector';

export interface SimilarLookupDeps {
  store: ResponseCacheStore;
  embedder: Embedder | null;
  storeGuard: CacheCallGuard;
  embedGuard: CacheCallGuard;
  hasher: LshHasher;
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
}

/**
 * The similar-query level: embed the question, find the nearest entries of its scope, and accept
 * the most similar one whose lexical signature matches. No embedder, a failed embedding or a
 * failed store call each make it a miss.
 */
export class SimilarLookup {
  constructor(private readonly deps: SimilarLookupDeps) {}

  async find(query: CacheQuery): Promise<SimilarOutcome> {
    if (!this.deps.embedder || !query.similarEligible) return { result: 'skipped', hit: null };
    const indexed = await this.embed(query);
    if (!indexed) return { result: 'error', hit: null };
    const { options } = this.deps;
    const found = await this.deps.storeGuard.run('findSimilar', () =>
      this.deps.store.findSimilar({
        scope: query.key.scope,
        index: indexed.index,
        ...indexed.embedding,
        minSimilarity: options.similarityThreshold,
        maxPerBucket: options.maxPerBucket,
        maxCandidates: options.maxCandidates,
        maxMatches: options.maxGuardChecks,
      }),
    );
    if (!found.ok) return { result: 'error', hit: null };
    return judge(query, found.value);
  }

  /** The query's embedding, computed once per query; null when there is no embedder or it failed. */
  async embed(query: CacheQuery): Promise<IndexedEmbedding | null> {
    const embedder = this.deps.embedder;
    if (!embedder) return null;
    const embedding = await query.embeddingOnce(async () => {
      const embedded = await this.deps.embedGuard.run('embed', (signal) => embedder.embed([query.embeddingText], signal));
      const vector = embedded.ok ? toUnitVector(embedded.value[0] ?? []) : null;
      return vector ? { vector, buckets: this.deps.hasher.buckets(vector) } : null;
    });
    return embedding ? { index: this.deps.hasher.indexName(embedder.space, embedding.vector.length), embedding } : null;
  }
}

function judge(query: CacheQuery, matches: SimilarMatch[]): SimilarOutcome {
  const match = matches.find((candidate) => candidate.reply.signature === query.signature);
  if (!match) return { result: matches.length > 0 ? 'guarded' : 'miss', hit: null };
  return { result: 'hit', hit: toCacheHit(match.reply, CacheLevel.Similar, match.similarity) };
}
