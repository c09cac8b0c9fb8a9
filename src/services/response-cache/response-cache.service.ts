import type { Embedder } from '../../ports/embedder';
import type { ResponseCacheStore } from '../../ports/response-cache';
import type { Logger } from '../../observability/logger';
import { CacheCallGuard } from './cache-call-guard';
import { toCacheHit } from './cache-hit';
import { CacheQuery } from './cache-query';
import { embeddingFailureReason } from './embedding-failure';
import { EmbeddingHealth, type EmbeddingHealthStatus } from './embedding-health';
import {
  CacheLevel,
  type CacheableReply,
  type CacheHit,
  type FlightOutcome,
  type LookupObserver,
  type LookupResult,
  type Produced,
  type ResponseCacheRequest,
} from './cache-types';
import { LshHasher } from './lsh-hasher';
import { resolveResponseCacheOptions, type ResolvedResponseCacheOptions, type ResponseCacheOptions } from './response-cache-options';
import { SimilarLookup } from './similar-lookup';
import { SingleFlight, type FlightTicket } from './single-flight';
import { ThrottledLog } from './throttled-log';

export interface ResponseCacheDeps {
  store: ResponseCacheStore;
  /** Without one, only the exact level works. */
  embedder?: Embedder | null;
  log: Logger;
  options?: ResponseCacheOptions;
  /** Called once per level per lookup, e.g. to count hits and misses (with the reason of an error). Must not throw. */
  onLookup?: LookupObserver;
}

/**
 * The response cache: exact entries, then similar questions in the same safe scope, and
 * single-flight for identical requests. No method ever throws because the cache's store or
 * embedder failed; each such failure is a miss (or a skipped write) within the configured timeouts.
 */
export class ResponseCacheService {
  readonly options: ResolvedResponseCacheOptions;
  private readonly guard: CacheCallGuard;
  private readonly embedGuard: CacheCallGuard;
  private readonly similar: SimilarLookup;
  private readonly flights: SingleFlight;
  private readonly health = new EmbeddingHealth();

  constructor(private readonly deps: ResponseCacheDeps) {
    this.options = resolveResponseCacheOptions(deps.options);
    const log = new ThrottledLog(deps.log, this.options.logIntervalMs);
    this.guard = new CacheCallGuard(log, { timeoutMs: this.options.storeTimeoutMs, cooldownMs: this.options.storeCooldownMs, classify: () => 'unavailable' });
    this.embedGuard = new CacheCallGuard(log, {
      timeoutMs: this.options.embedTimeoutMs,
      cooldownMs: this.options.embedCooldownMs,
      classify: embeddingFailureReason,
      warning: 'embeddings endpoint failed; the similar-query level misses until it recovers',
    });
    this.similar = new SimilarLookup({
      store: deps.store,
      embedder: deps.embedder ?? null,
      storeGuard: this.guard,
      embedGuard: this.embedGuard,
      hasher: new LshHasher(this.options.lsh),
      health: this.health,
      options: this.options,
    });
    this.flights = new SingleFlight({ store: deps.store, guard: this.guard, options: this.options, write: (query, reply, owner) => this.write(query, reply, owner) });
  }

  /** Derives the request's keys and permissions once; pass the result to the other methods. */
  prepare(request: ResponseCacheRequest): CacheQuery {
    return new CacheQuery(request, this.options);
  }

  /** The cached reply for the query, exact level first; null on a miss or when reading is not allowed. */
  async lookup(query: CacheQuery): Promise<CacheHit | null> {
    const exact = await this.lookupExact(query);
    if (exact.hit || !exact.similarNext) return exact.hit;
    return this.lookupSimilar(query);
  }

  /**
   * The exact level alone. `similarNext` says whether the similar level is still worth asking:
   * not after a hit, when reading is not allowed, or when the store just failed (it would fail
   * the similar level too; its embedding call is skipped and reported).
   */
  async lookupExact(query: CacheQuery): Promise<{ hit: CacheHit | null; similarNext: boolean }> {
    if (!query.readable) {
      this.report(CacheLevel.Exact, 'skipped');
      this.report(CacheLevel.Similar, 'skipped');
      return { hit: null, similarNext: false };
    }
    const exact = await this.exact(query);
    if (exact.result === 'hit' || exact.result === 'error') {
      if (exact.result === 'hit' || !this.similar.enabled) this.report(CacheLevel.Similar, 'skipped');
      else this.report(CacheLevel.Similar, 'error', 'store_unavailable');
      return { hit: exact.hit, similarNext: false };
    }
    return { hit: null, similarNext: true };
  }

  /** The similar level alone, for a query whose exact lookup missed; never throws. */
  async lookupSimilar(query: CacheQuery): Promise<CacheHit | null> {
    const { result, hit, reason } = await this.similar.find(query);
    this.report(CacheLevel.Similar, result, reason);
    return hit;
  }

  /** Whether lookups can reach the similar level at all (enabled, with an embedder). */
  get similarEnabled(): boolean {
    return this.similar.enabled;
  }

  /**
   * What real lookups and the startup probe have shown of the embeddings endpoint; null when the
   * similar level is off (no embedder, or disabled).
   */
  embeddingHealth(): EmbeddingHealthStatus | null {
    return this.similar.enabled ? this.health.current : null;
  }

  /**
   * Embeds one fixed text to learn whether the endpoint is usable (answers, in a readable format,
   * at the configured length), and logs an unusable one as an error. Never throws.
   */
  async probeEmbeddings(): Promise<EmbeddingHealthStatus | null> {
    const embedder = this.deps.embedder;
    if (!embedder || !this.similar.enabled) return null;
    const outcome = await this.similar.compute(embedder, 'Parley embeddings probe');
    if (outcome.ok) this.deps.log.info('embeddings endpoint usable; similar-query level on', { space: embedder.space });
    else this.deps.log.error('embeddings endpoint unusable; the similar-query level will miss until it recovers', { reason: outcome.reason, space: embedder.space });
    return this.health.current;
  }

  /**
   * Stores a reply for the query, when policy and temperature allow and it is COMPLETE with
   * content; DEGRADED and FAILED replies are never kept. True when stored.
   */
  async store(query: CacheQuery, reply: CacheableReply): Promise<boolean> {
    return this.write(query, reply);
  }

  /**
   * Wraps the model call so that identical concurrent requests (same exact key, policy USE) make
   * one call: the owner runs `produce` and its reply is stored for the rest, who get it as an
   * EXACT hit. `produce` runs here at most once; its errors pass through unchanged. With policy
   * BYPASS or REFRESH, or while the store is unavailable, it simply runs `produce` (and stores the
   * reply when allowed), so the caller never needs a separate `store` call.
   */
  async singleFlight<T>(query: CacheQuery, produce: () => Promise<Produced<T>>, ticket?: FlightTicket): Promise<FlightOutcome<T>> {
    return this.flights.run(query, produce, ticket);
  }

  /** Claims the single-flight lock now, alongside other work; pass the ticket to singleFlight, or drop it. */
  startFlight(query: CacheQuery): FlightTicket {
    return this.flights.start(query);
  }

  async dropFlight(query: CacheQuery, ticket: FlightTicket): Promise<void> {
    await this.flights.drop(query, ticket);
  }

  private async exact(query: CacheQuery): Promise<{ result: LookupResult; hit: CacheHit | null }> {
    const found = await this.guard.run('get', () => this.deps.store.get(query.key));
    const result: LookupResult = !found.ok ? 'error' : found.value ? 'hit' : 'miss';
    this.report(CacheLevel.Exact, result);
    return { result, hit: found.ok && found.value ? toCacheHit(found.value, CacheLevel.Exact, 1) : null };
  }

  private async write(query: CacheQuery, reply: CacheableReply, flightOwner?: string): Promise<boolean> {
    if (!query.writable || reply.status !== 'COMPLETE' || reply.content === '') return false;
    const embedded = query.similarEligible ? await this.similar.embed(query) : null;
    const indexed = embedded?.ok ? embedded.value : null;
    const stored = await this.guard.run('put', () =>
      this.deps.store.put({
        ...query.key,
        reply: { content: reply.content, model: reply.model, usage: reply.usage, signature: query.signature, createdAtMs: Date.now() },
        ttlMs: this.options.ttlMs,
        maxEntriesPerScope: this.options.maxEntriesPerScope,
        maxPerBucket: this.options.maxPerBucket,
        index: indexed?.index ?? 'none',
        embedding: indexed?.embedding ?? null,
        ...(flightOwner === undefined ? {} : { flightOwner }),
      }),
    );
    return stored.ok;
  }

  private report(level: CacheLevel, result: LookupResult, reason?: string): void {
    try {
      this.deps.onLookup?.(level, result, reason);
    } catch (error: unknown) {
      this.deps.log.warn('response cache lookup observer threw', { err: error });
    }
  }
}
