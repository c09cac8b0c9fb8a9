import type { LlmError } from '../../errors/llm-error';
import { assertNever } from './assert-never';
import { backoffDelayMs, type RetrySettings } from './backoff';

/** What to do after one failed call to an upstream. */
export type NextStep =
  | { type: 'fail' }
  | { type: 'retry'; delayMs: number }
  | { type: 'rotate'; cooldownMs: number };

export interface RetryPolicySettings {
  retry: RetrySettings;
  keyCooldownMs: number;
  random: () => number;
}

export interface RetryState {
  /** Retries already made on this upstream for this request. */
  retriesDone: number;
  /** What is left of the breaker's timeout budget. */
  remainingMs: number;
}

const FAIL: NextStep = { type: 'fail' };

function retryOr(error: LlmError, state: RetryState, settings: RetryPolicySettings, otherwise: NextStep): NextStep {
  if (state.retriesDone + 1 >= settings.retry.maxAttempts) return otherwise;
  const delayMs = backoffDelayMs(state.retriesDone, settings.retry, settings.random, error.retryAfterSeconds);
  return delayMs < state.remainingMs ? { type: 'retry', delayMs } : otherwise;
}

function restRateLimitedKey(error: LlmError, settings: RetryPolicySettings): NextStep {
  const retryAfterMs = (error.retryAfterSeconds ?? 0) * 1000;
  return { type: 'rotate', cooldownMs: Math.max(settings.keyCooldownMs, retryAfterMs) };
}

/**
 * The one retry policy. Input errors and the caller's abort end the request; a timeout has
 * spent the whole budget so the request moves to the next upstream; key problems rest the key
 * and move to the next key at once; 429, 5xx and connection failures back off and retry while
 * attempts and budget remain, after which a rate-limited key is rested and the next key tried.
 */
export function nextStep(error: LlmError, state: RetryState, settings: RetryPolicySettings): NextStep {
  switch (error.kind) {
    case 'bad_request':
    case 'aborted':
    case 'timeout':
      return FAIL;
    case 'auth':
    case 'quota':
      return { type: 'rotate', cooldownMs: settings.keyCooldownMs };
    case 'rate_limited':
      return retryOr(error, state, settings, restRateLimitedKey(error, settings));
    case 'connection':
    case 'server':
      return retryOr(error, state, settings, FAIL);
    default:
      return assertNever(error.kind);
  }
}
