import { createHash } from 'node:crypto';
import type { CacheEntryKey, HashedVector } from '../../ports/response-cache';
import type { Guarded } from './cache-call-guard';
import { CachePolicy, type GenerationParams, type ResponseCacheRequest } from './cache-types';
import { EMPTY_CONTEXT_FINGERPRINT } from './context-fingerprint';
import { lexicalSignature } from './lexical-signature';
import { normalizeMessage } from './normalize-message';
import type { ResolvedResponseCacheOptions } from './response-cache-options';

/** Bumped whenever the key derivation changes, so older entries are never read under new rules. */
const KEY_VERSION = 'parley-response-cache-v2';

/**
 * One request, prepared for the cache: where its entry lives, what it may do, and (once asked
 * for) its embedding, computed at most once for both the lookup and the write.
 */
export class CacheQuery {
  readonly key: CacheEntryKey;
  readonly policy: CachePolicy;
  private readonly message: string;
  private signatureOnce: string | undefined;
  /** The text embedded for the similar level: the message, whitespace collapsed. */
  readonly embeddingText: string;
  /** Lookups may answer this request. */
  readonly readable: boolean;
  /** Its reply may be stored. */
  readonly writable: boolean;
  /** The similar level applies (to lookups and to indexing its reply). */
  readonly similarEligible: boolean;
  private embedding: Promise<Guarded<HashedVector>> | undefined;

  constructor(request: ResponseCacheRequest, options: ResolvedResponseCacheOptions) {
    const scope = digest([KEY_VERSION, request.shared ? 'shared' : `user:${request.userId}`, request.model,
      canonicalParams(request.params), String(request.systemPromptVersion), request.contextFingerprint]);
    this.key = { scope: scope.slice(0, 32), id: digest([scope, normalizeMessage(request.message)]).slice(0, 16) };
    this.policy = request.policy ?? CachePolicy.Use;
    this.message = request.message;
    this.embeddingText = request.message.replace(/\s+/gu, ' ').trim();
    const temperature = request.params?.temperature ?? options.defaultTemperature;
    const cacheable = temperature <= options.maxTemperature;
    this.readable = cacheable && (this.policy === CachePolicy.Use || this.policy === CachePolicy.ExactOnly);
    this.writable = cacheable && this.policy !== CachePolicy.Bypass;
    this.similarEligible = this.policy !== CachePolicy.ExactOnly &&
      (!options.similarFirstTurnsOnly || request.contextFingerprint === EMPTY_CONTEXT_FINGERPRINT);
  }

  /** The lexical signature a similar entry must share; computed when first needed, off a miss's critical path. */
  get signature(): string {
    this.signatureOnce ??= lexicalSignature(this.message);
    return this.signatureOnce;
  }

  /** The embedding, computing it on the first call only (a failure is kept too). */
  embeddingOnce(compute: () => Promise<Guarded<HashedVector>>): Promise<Guarded<HashedVector>> {
    this.embedding ??= compute();
    return this.embedding;
  }
}

function digest(parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Sorted, with unset parameters left out, so `{ a, b }` and `{ b, a }` name the same entry. */
function canonicalParams(params: GenerationParams = {}): string {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
