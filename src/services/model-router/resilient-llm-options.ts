import type { RetrySettings } from './backoff';
import type { ResilienceEvents } from './resilience-events';
import type { BreakerSettings } from './upstream-breaker';
import type { ClientFactory, UpstreamTarget } from './upstream-registry';

export interface ResilientLlmOptions {
  /**
   * Ordered upstreams. A request's `model` picks the target with that model as primary
   * (targets[0], asked for the requested model, when none has it); the rest are its fallbacks.
   */
  targets: UpstreamTarget[];
  /** Called once per endpoint and key; the clients it returns must not retry on their own. */
  createClient: ClientFactory;
  /** One breaker per upstream (provider + model), all with these settings. */
  breaker: BreakerSettings;
  retry: RetrySettings;
  /** How long a key rests after the provider refused it (401/403), ran out of quota, or rate-limited it. */
  keyCooldownMs: number;
  /** Upstream calls in flight at once on this instance, across all upstreams. */
  maxInFlight: number;
  /** Callers allowed to wait for a slot; anyone beyond is refused at once with UpstreamBusyError. */
  maxQueue: number;
  /** Longest wait for a slot before UpstreamBusyError. */
  queueTimeoutMs: number;
  events?: ResilienceEvents;
  /**
   * Source of backoff jitter, in [0, 1).
   * @defaultValue Math.random
   */
  random?: () => number;
  /** Waits between retries; must reject promptly when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function positive(name: string, value: number, problems: string[], allowZero = false): void {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) problems.push(`${name} must be ${allowZero ? 'zero or more' : 'greater than zero'}, got ${value}`);
}

function targetProblems(targets: readonly UpstreamTarget[]): string[] {
  if (targets.length === 0) return ['targets must name at least one upstream'];
  return targets.flatMap((target, index) => {
    const problems: string[] = [];
    if (target.model === '') problems.push(`targets[${index}].model must not be empty`);
    if (target.apiKeys.length === 0 || target.apiKeys.some((key) => key === '')) {
      problems.push(`targets[${index}].apiKeys must hold at least one key, none empty`);
    }
    return problems;
  });
}

/** Throws one RangeError listing every unusable setting. */
export function validateOptions(options: ResilientLlmOptions): void {
  const problems = targetProblems(options.targets);
  const { breaker, retry } = options;
  positive('breaker.timeoutMs', breaker.timeoutMs, problems);
  positive('breaker.errorThresholdPercentage', breaker.errorThresholdPercentage, problems);
  positive('breaker.volumeThreshold', breaker.volumeThreshold, problems, true);
  positive('breaker.rollingCountTimeoutMs', breaker.rollingCountTimeoutMs, problems);
  positive('breaker.resetTimeoutMs', breaker.resetTimeoutMs, problems);
  positive('retry.maxAttempts', retry.maxAttempts, problems);
  positive('retry.baseDelayMs', retry.baseDelayMs, problems, true);
  positive('retry.maxDelayMs', retry.maxDelayMs, problems, true);
  positive('keyCooldownMs', options.keyCooldownMs, problems, true);
  positive('maxInFlight', options.maxInFlight, problems);
  positive('maxQueue', options.maxQueue, problems, true);
  positive('queueTimeoutMs', options.queueTimeoutMs, problems, true);
  if (problems.length > 0) throw new RangeError(`invalid model router options: ${problems.join('; ')}`);
}
