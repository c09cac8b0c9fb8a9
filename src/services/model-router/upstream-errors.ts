import { LlmError, type LlmFailureKind } from '../../errors/llm-error';

/** Why an upstream was passed over without a call. */
export type UpstreamSkipReason = 'open' | 'keys_cooling';

export interface UpstreamFailure {
  /** `provider/model`; never a key or a URL with credentials. */
  upstream: string;
  reason: LlmFailureKind | UpstreamSkipReason;
}

function describe(failures: readonly UpstreamFailure[]): string {
  return failures.map((failure) => `${failure.upstream}: ${failure.reason}`).join('; ');
}

/**
 * Every upstream failed or was passed over. The kind is that of the last upstream actually
 * called, or 'server' when none was; `failures` lists each upstream in the order tried.
 */
export class UpstreamsExhaustedError extends LlmError {
  constructor(
    readonly failures: readonly UpstreamFailure[],
    last?: LlmError,
  ) {
    super(
      last?.kind ?? 'server',
      `all model upstreams failed (${describe(failures)})`,
      last?.status,
      last?.retryAfterSeconds,
    );
    this.name = 'UpstreamsExhaustedError';
  }
}

/** This instance already has as many model calls in flight and waiting as it allows. */
export class UpstreamBusyError extends LlmError {
  constructor(
    message: string,
    readonly reason: 'queue_full' | 'queue_timeout' | 'closed',
  ) {
    super('server', message);
    this.name = 'UpstreamBusyError';
  }
}

export function isExhausted(error: unknown): error is UpstreamsExhaustedError {
  return error instanceof UpstreamsExhaustedError;
}
