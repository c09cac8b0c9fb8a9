import { LlmError } from '../../errors/llm-error';
import type { Completion, CompletionChunk, CompletionRequest, LlmClient } from '../../ports/llm-client';
import { sleep as abortableSleep, throwIfAborted } from './abort-link';
import { ConcurrencyGate, type Release } from './concurrency-gate';
import { Failover, type Answered } from './failover';
import { EventSink, type BreakerState } from './resilience-events';
import { validateOptions, type ResilientLlmOptions } from './resilient-llm-options';
import { closeStream, openStream, relay, type OpenedStream } from './stream-relay';
import type { BreakerStats } from './upstream-breaker';
import { UpstreamRegistry } from './upstream-registry';

export interface UpstreamHealth {
  /** `provider/model`. */
  upstream: string;
  state: BreakerState;
  /** Over the breaker's rolling window. */
  stats: BreakerStats;
}

/**
 * An LlmClient over several upstreams: a concurrency cap, then for each upstream in turn a
 * circuit breaker, key rotation and retries inside the breaker's timeout, then the next
 * upstream. `completion.model` tells which model actually answered.
 */
export class ResilientLlmClient implements LlmClient {
  private readonly registry: UpstreamRegistry;
  private readonly gate: ConcurrencyGate;
  private readonly failover: Failover;
  private closed = false;

  constructor(options: ResilientLlmOptions) {
    validateOptions(options);
    const events = new EventSink(options.events);
    const { targets, createClient, breaker } = options;
    this.registry = new UpstreamRegistry({ targets, createClient, breaker, events });
    this.gate = new ConcurrencyGate(options, (event) => events.queueRejected(event));
    this.failover = new Failover(this.registry, {
      policy: { retry: options.retry, keyCooldownMs: options.keyCooldownMs, random: options.random ?? Math.random },
      sleep: options.sleep ?? abortableSleep,
      events,
    });
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const release = await this.admit(request.signal);
    try {
      const answered = await this.failover.run(request, (client, upstreamRequest) => client.complete(upstreamRequest));
      answered.attempt.dispose();
      return answered.value;
    } finally {
      release();
    }
  }

  /** Retries and fallbacks happen only before the first chunk; after it, failures reach the consumer. */
  async *stream(request: CompletionRequest): AsyncGenerator<CompletionChunk, void, undefined> {
    const release = await this.admit(request.signal);
    let answered: Answered<OpenedStream> | undefined;
    let finished = false;
    try {
      answered = await this.failover.run(request, openStream);
      for await (const chunk of relay(answered.value)) {
        // The done chunk comes once the upstream response has ended: a consumer that stops at it leaves nothing to cancel.
        if (chunk.type === 'done') finished = true;
        yield chunk;
      }
      finished = true;
    } finally {
      if (answered) await this.endStream(answered, finished);
      release();
    }
  }

  /** Upstream calls in flight and waiting on this instance. */
  load(): { inFlight: number; queued: number } {
    return this.gate.load();
  }

  health(): UpstreamHealth[] {
    return this.registry.allBreakers().map((breaker) => ({
      upstream: breaker.upstream,
      state: breaker.state,
      stats: breaker.stats(),
    }));
  }

  /** Stops the breakers' timers and refuses waiting and later calls; calls in flight finish. */
  async close(): Promise<void> {
    this.closed = true;
    this.gate.close();
    this.registry.shutdown();
  }

  private async admit(signal: AbortSignal | undefined): Promise<Release> {
    if (this.closed) throw new LlmError('server', 'model client is closed');
    throwIfAborted(signal);
    return this.gate.acquire(signal);
  }

  /** A stream read to its end has nothing left to cancel; one left early is aborted upstream. */
  private async endStream(answered: Answered<OpenedStream>, finished: boolean): Promise<void> {
    if (!finished) answered.attempt.abort();
    answered.attempt.dispose();
    await closeStream(answered.value);
  }
}
