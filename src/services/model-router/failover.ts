import type { LlmError } from '../../errors/llm-error';
import type { CompletionRequest } from '../../ports/llm-client';
import { AttemptSignal, throwIfAborted } from './abort-link';
import { UpstreamAttempt, type AttemptDeps, type UpstreamCall } from './upstream-attempt';
import type { FireOutcome } from './upstream-breaker';
import { UpstreamsExhaustedError, type UpstreamFailure, type UpstreamSkipReason } from './upstream-errors';
import type { Upstream, UpstreamRegistry } from './upstream-registry';

/** A successful call and its attempt signal, which the caller disposes once done with the value. */
export interface Answered<T> {
  value: T;
  attempt: AttemptSignal;
}

type TryOutcome<T> =
  | { type: 'ok'; answered: Answered<T> }
  | { type: 'skipped'; reason: UpstreamSkipReason }
  | { type: 'failed'; error: LlmError };

/** Tries the upstreams for a request in order until one answers. */
export class Failover {
  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly deps: AttemptDeps,
  ) {}

  /**
   * The first answer. An input error or the caller's abort is thrown as is; when every upstream
   * failed or was skipped, throws UpstreamsExhaustedError.
   */
  async run<T>(request: CompletionRequest, call: UpstreamCall<T>): Promise<Answered<T>> {
    const plan = this.registry.plan(request.model);
    const failures: UpstreamFailure[] = [];
    let lastError: LlmError | undefined;
    for (const [index, upstream] of plan.entries()) {
      throwIfAborted(request.signal);
      const outcome = await this.tryUpstream(upstream, request, call);
      if (outcome.type === 'ok') return outcome.answered;
      if (outcome.type === 'failed' && !outcome.error.transient) throw outcome.error;
      const reason = outcome.type === 'failed' ? outcome.error.kind : outcome.reason;
      if (outcome.type === 'failed') lastError = outcome.error;
      failures.push({ upstream: upstream.id, reason });
      const next = plan[index + 1];
      if (next) this.deps.events.fallback({ from: upstream.id, to: next.id, reason });
    }
    this.deps.events.exhausted(failures);
    throw new UpstreamsExhaustedError(failures, lastError);
  }

  private async tryUpstream<T>(upstream: Upstream, request: CompletionRequest, call: UpstreamCall<T>): Promise<TryOutcome<T>> {
    if (!upstream.keys.hasUsableKey()) return { type: 'skipped', reason: 'keys_cooling' };
    const attempt = new AttemptSignal(request.signal);
    const work = new UpstreamAttempt<T>(upstream, request, attempt.signal, this.deps);
    const fired: FireOutcome<T> = await upstream.breaker.fire(() => work.run(call), () => attempt.abort());
    if (fired.type === 'ok') return { type: 'ok', answered: { value: fired.value, attempt } };
    attempt.abort();
    attempt.dispose();
    if (fired.type === 'open') return { type: 'skipped', reason: 'open' };
    return { type: 'failed', error: fired.error };
  }
}
