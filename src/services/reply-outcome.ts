import { LlmError } from '../errors';
import type { FinishExchange, TokenUsage } from '../ports/chat-store';
import type { Completion } from '../ports/llm-client';
import { UpstreamBusyError } from './model-router';
import type { CacheHit } from './response-cache';

export interface DegradePolicy {
  /** 'reply': a stored DEGRADED canned reply; 'error': a FAILED reply and UPSTREAM_UNAVAILABLE. */
  degradedMode: 'reply' | 'error';
  degradedReply: string;
}

/**
 * What the model step produced; decides the stored reply, the charge and the answer. A failed
 * reply keeps the text streamed before it failed (`partial`); a cancelled one is charged the
 * tokens it used.
 */
export type ReplyOutcome =
  | { kind: 'complete'; completion: Completion }
  | { kind: 'cached'; hit: CacheHit }
  | { kind: 'degraded'; text: string }
  | { kind: 'cancelled'; content: string; model: string; usage: TokenUsage }
  | { kind: 'failed'; reason: string; busy: boolean; partial?: string };

export const FAILED_REPLY = 'The model provider is unavailable; your message was saved. Please try again.';
const REFUSED_REPLY = 'The model refused the request.';
export const CUT_OFF_REPLY = 'The reply was cut off by a model provider failure; the text so far was kept.';
export const INTERRUPTED_REPLY = 'The reply was interrupted by a server restart; the text so far was kept. Please try again.';
export const TIMED_OUT_REPLY = 'The reply took too long and was cut off; the text so far was kept.';
const BUSY_REPLY = 'Too many replies are being generated right now; your message was saved. Please try again shortly.';

/** Maps a failed model call to an outcome. Input errors fail; provider trouble degrades if allowed. */
export function failureOutcome(error: unknown, policy: DegradePolicy): ReplyOutcome {
  if (error instanceof UpstreamBusyError) return { kind: 'failed', reason: BUSY_REPLY, busy: true };
  if (error instanceof LlmError && error.kind === 'bad_request') return { kind: 'failed', reason: REFUSED_REPLY, busy: false };
  if (policy.degradedMode === 'reply') return { kind: 'degraded', text: policy.degradedReply };
  return { kind: 'failed', reason: FAILED_REPLY, busy: false };
}

/** The stored fields of the reply for an outcome. Only a complete reply carries usage. */
export function replyFields(
  outcome: ReplyOutcome,
  requestedModel: string,
): Pick<FinishExchange, 'status' | 'content' | 'model' | 'usage' | 'error' | 'cache'> {
  switch (outcome.kind) {
    case 'complete':
      return { status: 'COMPLETE', content: outcome.completion.content, model: outcome.completion.model, usage: outcome.completion.usage, error: null };
    case 'cached':
      // A cached reply cost no model tokens; its mark says where it came from.
      return {
        status: 'COMPLETE', content: outcome.hit.content, model: outcome.hit.model, usage: null, error: null,
        cache: { level: outcome.hit.level, similarity: outcome.hit.similarity },
      };
    case 'degraded':
      return { status: 'DEGRADED', content: outcome.text, model: requestedModel, usage: null, error: null };
    case 'cancelled':
      return { status: 'CANCELLED', content: outcome.content, model: outcome.model, usage: outcome.usage, error: null };
    case 'failed':
      return { status: 'FAILED', content: outcome.partial ?? '', model: requestedModel, usage: null, error: outcome.reason };
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unknown)}`);
    }
  }
}
