export interface RetrySettings {
  /** Calls to one upstream per request for retryable failures, the first included; 1 disables retries. */
  maxAttempts: number;
  /** Ceiling of the first retry's jittered delay; doubles with each further retry. */
  baseDelayMs: number;
  /** No jittered delay ceiling exceeds this. Does not shorten a provider's Retry-After. */
  maxDelayMs: number;
}

/**
 * Delay before retry number `retry` (0 for the first retry). A provider's Retry-After is used
 * as given, since retrying sooner only earns another 429; otherwise full jitter, uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^retry)), so callers that failed together spread out.
 */
export function backoffDelayMs(
  retry: number,
  settings: RetrySettings,
  random: () => number,
  retryAfterSeconds?: number,
): number {
  if (retryAfterSeconds !== undefined) return Math.ceil(retryAfterSeconds * 1000);
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
