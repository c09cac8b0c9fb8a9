import type { MessageStatus, TokenUsage } from '../../ports/chat-store';

/** What one request lets the response cache do. Values match the GraphQL enum. */
export enum CachePolicy {
  /** Read, and write what the model answers. */
  Use = 'USE',
  /** Read exact repeats only (no similar-query lookup, no embedding), and write. */
  ExactOnly = 'EXACT_ONLY',
  /** Neither read nor write. */
  Bypass = 'BYPASS',
  /** Skip reading; write the fresh answer over what was cached. */
  Refresh = 'REFRESH',
}

/** How a hit was found. Values match the GraphQL enum. */
export enum CacheLevel {
  Exact = 'EXACT',
  Similar = 'SIMILAR',
}

/** Generation parameters that change a reply; every one of them is part of the cache key. */
export interface GenerationParams {
  temperature?: number;
  maxTokens?: number;
  readonly [name: string]: string | number | boolean | null | undefined;
}

export interface ResponseCacheRequest {
  /** The user (or tenant) whose cache this is; not part of the scope when `shared` is set. */
  userId: string;
  model: string;
  params?: GenerationParams;
  /**
   * Identifies the system prompt and its version, unique across prompts (e.g. `onboarding@7`, or a
   * hash of the text). Entries made under another value are never used.
   */
  systemPromptVersion: string | number;
  /** The system prompt is marked shared: its entries serve every user. @defaultValue false */
  shared?: boolean;
  /** `contextFingerprint(priorTurns)`; `EMPTY_CONTEXT_FINGERPRINT` for the first turn. */
  contextFingerprint: string;
  /** The user's message as sent. */
  message: string;
  /** @defaultValue CachePolicy.Use */
  policy?: CachePolicy;
}

export interface CacheHit {
  level: CacheLevel;
  /** Cosine similarity of the questions; 1 for an exact hit. */
  similarity: number;
  content: string;
  /** The model that produced the reply. */
  model: string;
  /** What producing the reply cost originally: the tokens this hit saves. */
  usage: TokenUsage;
  createdAt: Date;
}

/** A reply offered for caching; only COMPLETE ones with content are kept. */
export interface CacheableReply {
  status: MessageStatus;
  content: string;
  model: string;
  usage: TokenUsage;
}

/** What a single-flight producer returns: its own value, and the reply to share (null: nothing to share). */
export interface Produced<T> {
  value: T;
  reply: CacheableReply | null;
}

export type FlightOutcome<T> =
  | { source: 'produced'; value: T; stored: boolean }
  /** An identical request's reply, produced while this one waited; level EXACT. */
  | { source: 'cache'; hit: CacheHit };

/**
 * `guarded`: similar entries were found but the lexical guard refused them all. `skipped`: the
 * level did not apply (policy, temperature, not a first turn, similar level off or no embedder). `error`: Redis or the
 * embedder failed or was too slow; counted as a miss.
 */
export type LookupResult = 'hit' | 'miss' | 'guarded' | 'skipped' | 'error';

/** `reason` comes with `error` results only: why the level failed (e.g. `embed_malformed`, `store_timeout`). */
export type LookupObserver = (level: CacheLevel, result: LookupResult, reason?: string) => void;
