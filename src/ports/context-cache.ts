import type { ChatTurn } from './llm-client';

/**
 * The part of a conversation's next model input that comes from its history: the running
 * summary and the turns after it. The system prompt is not kept here; it is read from the
 * conversation record, so a cached window can never carry an old one.
 */
export interface CachedContext {
  /** User and COMPLETE assistant turns after summaryThroughSeq, oldest first. */
  turns: ChatTurn[];
  /** The last message seq these turns account for (failed replies up to it included, as absent). */
  throughSeq: number;
  summary: string | null;
  summaryThroughSeq: number;
  /** The conversation's systemPromptVersion when this was built. */
  systemPromptVersion: number;
  /** The conversation's branchVersion when this was built: another branch's window is never used. */
  branchVersion: number;
}

/**
 * What an append did. `appended`: the turns were added. `missing`: nothing was cached, so
 * nothing changed. `dropped`: the cached window was not at the expected seq, so it was
 * deleted (the next read rebuilds it). `unavailable`: the cache could not be reached.
 */
export type ContextAppendResult = 'appended' | 'missing' | 'dropped' | 'unavailable';

/**
 * Conversation windows kept between requests, one entry per conversation, each expiring after
 * the adapter's time to live. Callers reach it only after checking the conversation's owner.
 *
 * No method rejects: an unreachable or slow cache reads as a miss and writes as a no-op within
 * the adapter's command timeout, because a cache must never fail a request.
 */
export interface ContextCache {
  get(conversationId: string): Promise<CachedContext | null>;
  /** Replaces the entry. */
  set(conversationId: string, context: CachedContext): Promise<void>;
  /**
   * Atomically appends `turns` and moves throughSeq to `throughSeq`, only if the entry is at
   * `expectedThroughSeq`; otherwise deletes it rather than keep a window with a gap or a
   * reordering. Keeps at most the newest `maxTurns` turns. Refreshes the time to live.
   */
  append(
    conversationId: string,
    turns: ChatTurn[],
    throughSeq: number,
    expectedThroughSeq: number,
    maxTurns: number,
  ): Promise<ContextAppendResult>;
  invalidate(conversationId: string): Promise<void>;
}
