export { ResponseCacheService, type ResponseCacheDeps } from './response-cache.service';
export type { ResponseCacheOptions, ResolvedResponseCacheOptions } from './response-cache-options';
export type { CacheQuery } from './cache-query';
export {
  CacheLevel,
  CachePolicy,
  type CacheableReply,
  type CacheHit,
  type FlightOutcome,
  type GenerationParams,
  type LookupObserver,
  type LookupResult,
  type Produced,
  type ResponseCacheRequest,
} from './cache-types';
export { contextFingerprint, EMPTY_CONTEXT_FINGERPRINT } from './context-fingerprint';
export { systemPromptKey } from './system-prompt-key';
export { normalizeMessage } from './normalize-message';
export { lexicalSignature } from './lexical-signature';
