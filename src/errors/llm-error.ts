/** Why a model call failed; decides retries, fallbacks and what the user is told. */
export type LlmFailureKind =
  | 'timeout'
  | 'connection'
  | 'rate_limited'
  | 'quota'
  | 'server'
  | 'auth'
  | 'bad_request'
  | 'aborted';

export class LlmError extends Error {
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }

  /** Failures worth trying again later or elsewhere; input errors are not. */
  get transient(): boolean {
    return this.kind !== 'bad_request' && this.kind !== 'aborted';
  }
}
