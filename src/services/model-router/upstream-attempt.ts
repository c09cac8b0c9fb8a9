import { LlmError } from '../../errors/llm-error';
import type { CompletionRequest, LlmClient } from '../../ports/llm-client';
import { abortedError } from './abort-link';
import { assertNever } from './assert-never';
import type { KeyLease } from './key-ring';
import type { EventSink } from './resilience-events';
import { nextStep, type NextStep, type RetryPolicySettings } from './retry-policy';
import type { Upstream } from './upstream-registry';

/** The model call itself; `complete` for plain replies, opening a stream for streamed ones. */
export type UpstreamCall<T> = (client: LlmClient, request: CompletionRequest) => Promise<T>;

export interface AttemptDeps {
  policy: RetryPolicySettings;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  events: EventSink;
}

function toFailure(error: unknown, signal: AbortSignal): LlmError {
  if (signal.aborted) return abortedError();
  if (error instanceof LlmError) return error;
  return new LlmError('server', error instanceof Error ? error.message : 'unknown model client failure');
}

/**
 * One request's turn on one upstream, run inside that upstream's breaker: key rotation and
 * retries with backoff, all within the breaker's timeout budget. Throws the failure that ended it.
 */
export class UpstreamAttempt<T> {
  private readonly deadline: number;
  private readonly rotatedOut = new Set<number>();
  private retriesDone = 0;
  private lastError: LlmError | undefined;

  constructor(
    private readonly upstream: Upstream,
    private readonly request: CompletionRequest,
    private readonly signal: AbortSignal,
    private readonly deps: AttemptDeps,
  ) {
    this.deadline = Date.now() + upstream.breaker.timeoutMs;
  }

  async run(call: UpstreamCall<T>): Promise<T> {
    let lease = this.upstream.keys.next();
    while (lease !== undefined) {
      try {
        const client = this.upstream.clientFor(lease.key);
        return await call(client, { ...this.request, model: this.upstream.model, signal: this.signal });
      } catch (error: unknown) {
        const failure = toFailure(error, this.signal);
        this.lastError = failure;
        lease = await this.afterFailure(failure, lease);
      }
    }
    throw this.lastError ?? new LlmError('auth', `every API key of ${this.upstream.id} is cooling down`);
  }

  /** The key to call next, or undefined when this upstream is done; throws to end the attempt. */
  private async afterFailure(failure: LlmError, lease: KeyLease): Promise<KeyLease | undefined> {
    const remainingMs = this.deadline - Date.now();
    const step: NextStep = nextStep(failure, { retriesDone: this.retriesDone, remainingMs }, this.deps.policy);
    switch (step.type) {
      case 'fail':
        throw failure;
      case 'rotate':
        this.rest(lease, failure, step.cooldownMs);
        return this.upstream.keys.next(this.rotatedOut);
      case 'retry':
        await this.backOff(failure, step.delayMs);
        return lease;
      default:
        return assertNever(step);
    }
  }

  private rest(lease: KeyLease, failure: LlmError, cooldownMs: number): void {
    this.upstream.keys.rest(lease.index, cooldownMs);
    this.rotatedOut.add(lease.index);
    const upstream = this.upstream.id;
    this.deps.events.keyCooldown({ upstream, keyIndex: lease.index, kind: failure.kind, cooldownMs });
    if (failure.kind === 'quota') this.deps.events.quotaExhausted({ upstream, keyIndex: lease.index });
  }

  private async backOff(failure: LlmError, delayMs: number): Promise<void> {
    this.retriesDone += 1;
    this.deps.events.retry({ upstream: this.upstream.id, retry: this.retriesDone, delayMs, kind: failure.kind });
    try {
      await this.deps.sleep(delayMs, this.signal);
    } catch (error: unknown) {
      throw toFailure(error, this.signal);
    }
    if (this.signal.aborted) throw abortedError();
  }
}
