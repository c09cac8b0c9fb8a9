import type { LlmFailureKind } from '../../errors/llm-error';
import type { UpstreamFailure, UpstreamSkipReason } from './upstream-errors';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RetryEvent {
  upstream: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  kind: LlmFailureKind;
}

export interface FallbackEvent {
  from: string;
  to: string;
  reason: LlmFailureKind | UpstreamSkipReason;
}

export interface KeyCooldownEvent {
  upstream: string;
  keyIndex: number;
  kind: LlmFailureKind;
  cooldownMs: number;
}

export interface QuotaExhaustedEvent {
  upstream: string;
  keyIndex: number;
}

export interface QueueRejectedEvent {
  reason: 'queue_full' | 'queue_timeout';
  inFlight: number;
  queued: number;
}

/**
 * Hooks for metrics and logs. Payloads name upstreams as `provider/model` and keys by index,
 * never by value. Hooks run synchronously on the call path, so they should be cheap.
 */
export interface ResilienceEvents {
  onRetry?(event: RetryEvent): void;
  onFallback?(event: FallbackEvent): void;
  onBreakerState?(upstream: string, state: BreakerState): void;
  onKeyCooldown?(event: KeyCooldownEvent): void;
  /** An account ran out of credit: worth an error-level log and an alert. */
  onQuotaExhausted?(event: QuotaExhaustedEvent): void;
  onQueueRejected?(event: QueueRejectedEvent): void;
  onExhausted?(failures: readonly UpstreamFailure[]): void;
}

/** Calls the hooks; one that throws is ignored, so observing a call can never change its outcome. */
export class EventSink {
  constructor(private readonly hooks: ResilienceEvents = {}) {}

  retry(event: RetryEvent): void {
    this.safely(() => this.hooks.onRetry?.(event));
  }

  fallback(event: FallbackEvent): void {
    this.safely(() => this.hooks.onFallback?.(event));
  }

  breakerState(upstream: string, state: BreakerState): void {
    this.safely(() => this.hooks.onBreakerState?.(upstream, state));
  }

  keyCooldown(event: KeyCooldownEvent): void {
    this.safely(() => this.hooks.onKeyCooldown?.(event));
  }

  quotaExhausted(event: QuotaExhaustedEvent): void {
    this.safely(() => this.hooks.onQuotaExhausted?.(event));
  }

  queueRejected(event: QueueRejectedEvent): void {
    this.safely(() => this.hooks.onQueueRejected?.(event));
  }

  exhausted(failures: readonly UpstreamFailure[]): void {
    this.safely(() => this.hooks.onExhausted?.(failures));
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch {
      // Deliberately ignored: see the class comment.
    }
  }
}
