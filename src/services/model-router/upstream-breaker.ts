import CircuitBreaker from 'opossum';
import { LlmError, type LlmFailureKind } from '../../errors/llm-error';
import type { BreakerState } from './resilience-events';

export interface BreakerSettings {
  /** Budget for one request on one upstream, retries and backoff included. */
  timeoutMs: number;
  /** Failure share of the rolling window, in percent, above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Calls the rolling window must hold before the breaker may open. */
  volumeThreshold: number;
  rollingCountTimeoutMs: number;
  /** How long an open breaker refuses calls before letting one probe through. */
  resetTimeoutMs: number;
}

export interface BreakerStats {
  fires: number;
  successes: number;
  failures: number;
  timeouts: number;
  /** Calls refused without reaching the upstream because the breaker was open. */
  rejects: number;
}

export type FireOutcome<T> =
  | { type: 'ok'; value: T }
  | { type: 'open' }
  | { type: 'failed'; error: LlmError };

type Work = () => Promise<void>;

/**
 * Failures that say nothing about the upstream's health: the caller's input, the caller
 * leaving, or a key the provider refused (the key ring rests those keys instead).
 */
const NOT_UPSTREAM_FAULTS: ReadonlySet<LlmFailureKind> = new Set(['bad_request', 'aborted', 'auth', 'quota']);

function isNotUpstreamFault(error: unknown): boolean {
  return error instanceof LlmError && NOT_UPSTREAM_FAULTS.has(error.kind);
}

function breakerCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** One opossum breaker guarding one upstream (provider + model). */
export class UpstreamBreaker {
  private readonly breaker: CircuitBreaker<[Work], void>;

  constructor(
    readonly upstream: string,
    private readonly settings: BreakerSettings,
    onState: (state: BreakerState) => void,
  ) {
    this.breaker = new CircuitBreaker((work: Work) => work(), {
      name: upstream,
      timeout: settings.timeoutMs,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      rollingCountTimeout: settings.rollingCountTimeoutMs,
      resetTimeout: settings.resetTimeoutMs,
      errorFilter: isNotUpstreamFault,
      enableSnapshots: false,
    });
    this.breaker.on('open', () => onState('open'));
    this.breaker.on('halfOpen', () => onState('half-open'));
    this.breaker.on('close', () => onState('closed'));
  }

  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  get state(): BreakerState {
    if (this.breaker.halfOpen) return 'half-open';
    return this.breaker.opened ? 'open' : 'closed';
  }

  stats(): BreakerStats {
    const { fires, successes, failures, timeouts, rejects } = this.breaker.stats;
    return { fires, successes, failures, timeouts, rejects };
  }

  /**
   * Runs `work` under the breaker. When the breaker's timeout expires first, `onTimeout` runs so
   * the work can be cancelled, and the outcome is a 'timeout' failure counted once.
   */
  async fire<T>(work: () => Promise<T>, onTimeout: () => void): Promise<FireOutcome<T>> {
    let result: { value: T } | undefined;
    try {
      await this.breaker.fire(async () => {
        result = { value: await work() };
      });
    } catch (error: unknown) {
      return this.failure(error, onTimeout);
    }
    if (result === undefined) return { type: 'failed', error: new LlmError('server', 'breaker settled without a result') };
    return { type: 'ok', value: result.value };
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private failure<T>(error: unknown, onTimeout: () => void): FireOutcome<T> {
    if (error instanceof LlmError) return { type: 'failed', error };
    switch (breakerCode(error)) {
      case 'EOPENBREAKER':
        return { type: 'open' };
      case 'ETIMEDOUT':
        onTimeout();
        return { type: 'failed', error: this.timeoutError() };
      case 'ESHUTDOWN':
        return { type: 'failed', error: new LlmError('server', 'model client is closed') };
      default:
        return { type: 'failed', error: new LlmError('server', error instanceof Error ? error.message : String(error)) };
    }
  }

  private timeoutError(): LlmError {
    return new LlmError('timeout', `${this.upstream} gave no answer within ${this.settings.timeoutMs} ms`);
  }
}
