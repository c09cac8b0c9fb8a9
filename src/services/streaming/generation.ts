import { LlmError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { ChatStore, ConversationRecord, Exchange, MessageRecord, TokenUsage } from '../../ports/chat-store';
import type { ChatTurn, LlmClient } from '../../ports/llm-client';
import type { ReplyBus } from '../../ports/reply-bus';
import type { BudgetHold } from '../budget-hold';
import type { GenerationSlot } from '../rate-limit.service';
import { CUT_OFF_REPLY, failureOutcome, INTERRUPTED_REPLY, TIMED_OUT_REPLY, type DegradePolicy, type ReplyOutcome } from '../reply-outcome';
import type { CacheHit, CacheQuery, ResponseCacheService } from '../response-cache';
import type { FlightTicket } from '../response-cache/single-flight';
import type { TokenCounter } from '../token-counter';
import type { Viewer } from '../viewer';
import { ReplyPublisher } from './reply-publisher';
import { ReplyFinisher } from './reply-finisher';
import type { ContextWindowService } from '../context-window/context-window.service';
import type { BudgetService } from '../budget.service';

/** Why a generation was stopped from outside the model call. */
export type StopReason = 'user' | 'shutdown' | 'timeout' | 'superseded' | 'gone';

export interface GenerationOptions extends DegradePolicy {
  maxCompletionTokens: number;
  /** How often the text so far is written to the store. */
  partialFlushMs: number;
  /** Longest pause between two streamed chunks before the reply is cut off. */
  idleTimeoutMs: number;
  /** Longest a whole generation may run. */
  deadlineMs: number;
  hitBudgetFraction: number;
}

export interface GenerationDeps {
  store: ChatStore;
  llm: LlmClient;
  bus: ReplyBus;
  budget: BudgetService;
  tokens: TokenCounter;
  context: ContextWindowService;
  cache: ResponseCacheService | null;
  metrics: Metrics;
  log: Logger;
  options: GenerationOptions;
}

export interface GenerationStart {
  viewer: Viewer;
  conversation: ConversationRecord;
  exchange: Exchange;
  /** The model input, the new user message last. */
  messages: ChatTurn[];
  query: CacheQuery | null;
  hit: CacheHit | null;
  /** A similar-level lookup running alongside the model call: a hit before the first token answers instead. */
  similar: Promise<CacheHit | null> | null;
  /** The single-flight claim made alongside the lookup; null without a cache. */
  flight: FlightTicket | null;
  slot: GenerationSlot;
  hold: BudgetHold;
  /** A reply on a new branch (edit, regenerate): the cached window is another branch's, so nothing is appended to it. */
  forked?: boolean;
}

export interface Generated {
  exchange: Exchange;
  /** The stored reply, or null when the conversation was deleted meanwhile. */
  reply: MessageRecord | null;
  outcome: ReplyOutcome;
  /** Settles once the final event is appended to the bus (or failed to be). */
  published: Promise<void>;
  /** The reply could not be stored (the store failed); it stays PENDING until the stale sweep. */
  storeFailed: boolean;
}

/**
 * One reply being generated, owned by the server rather than by the request that started it:
 * PENDING until exactly one outcome is stored. Deltas go out through the bus as they arrive, the
 * text so far is written to the store every `partialFlushMs`, and every exit (done, cancel,
 * upstream error, timeout, shutdown) releases the in-flight slot and the budget hold once.
 */
export class Generation {
  readonly done: Promise<Generated>;
  readonly publisher: ReplyPublisher;
  private readonly abort = new AbortController();
  private stopReason: StopReason | null = null;
  private stopped!: (reason: StopReason) => void;
  private readonly stoppedSignal = new Promise<StopReason>((resolve) => {
    this.stopped = resolve;
  });
  private text = '';
  private flushedText = '';
  private supersededBy: CacheHit | null = null;
  /** The reply's cache write, which may outlast the reply itself. */
  private caching: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: GenerationDeps,
    private readonly start: GenerationStart,
  ) {
    this.publisher = new ReplyPublisher(deps.bus, this.messageId, (error) => deps.log.warn('reply event not published', { messageId: this.messageId, err: error }));
    deps.metrics.generationsInFlight.inc();
    this.done = this.run();
  }

  get messageId(): string {
    return this.start.exchange.assistantMessage.id;
  }

  get userId(): string {
    return this.start.viewer.id;
  }

  /** The stored user message and the reply as it was stored PENDING. */
  get exchange(): Exchange {
    return this.start.exchange;
  }

  /** Answered from the response cache: finished at once, nothing streamed. */
  get cached(): boolean {
    return this.start.hit !== null;
  }

  /** Stops the generation: the upstream request is aborted and the text so far is kept. Idempotent. */
  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    if (reason !== 'superseded') this.deps.metrics.replyCancellations.inc({ reason });
    this.stopped(reason);
    this.abort.abort();
  }

  private async run(): Promise<Generated> {
    const timers = [
      setInterval(() => void this.flushPartial(), this.deps.options.partialFlushMs),
      setTimeout(() => this.stop('timeout'), this.deps.options.deadlineMs),
    ];
    let outcome: ReplyOutcome;
    try {
      outcome = await Promise.race([this.produce(), this.stoppedSignal.then((reason) => this.interrupted(reason, null))]);
    } catch (error: unknown) {
      this.deps.log.error('generation failed unexpectedly', { messageId: this.messageId, err: error });
      outcome = { kind: 'failed', reason: CUT_OFF_REPLY, busy: false, partial: this.text };
    } finally {
      clearInterval(timers[0]);
      clearTimeout(timers[1]);
    }
    try {
      const generated = await new ReplyFinisher(this.deps, this.start, this.publisher).finish(outcome, this.text, () => this.usedTokens(this.start.conversation.model));
      // Shutdown waits for the cache write too, so a closing Redis never strands its single-flight lock.
      return { ...generated, published: Promise.allSettled([generated.published, this.caching]).then(() => undefined) };
    } finally {
      this.deps.metrics.generationsInFlight.dec();
    }
  }

  /** Step 7: a cache hit, an identical request's reply (single-flight), or the model's stream. */
  private async produce(): Promise<ReplyOutcome> {
    const { hit, query, similar } = this.start;
    void similar?.then((found) => {
      if (found && this.text === '' && !this.stopReason) {
        this.supersededBy = found;
        this.stop('superseded');
      }
    });
    const cache = this.deps.cache;
    if (hit) return { kind: 'cached', hit };
    if (!query || !cache) return this.streamModel();
    // The reply is finished as soon as the model is; storing it in the cache (which may wait for
    // an embedding) goes on behind it, under the single-flight lock that makes twins wait for it.
    let streamed!: (outcome: ReplyOutcome) => void;
    const early = new Promise<ReplyOutcome>((resolve) => {
      streamed = resolve;
    });
    const flight = cache.singleFlight(query, async () => {
      const value = await this.streamModel();
      streamed(value);
      return { value, reply: value.kind === 'complete' ? { status: 'COMPLETE' as const, ...value.completion } : null };
    }, this.start.flight ?? undefined);
    this.caching = flight.then(
      () => undefined,
      (error: unknown) => void this.deps.log.warn('caching a reply failed', { messageId: this.messageId, err: error }),
    );
    return Promise.race([early, flight.then((result): ReplyOutcome => (result.source === 'cache' ? { kind: 'cached', hit: result.hit } : result.value))]);
  }

  private async streamModel(): Promise<ReplyOutcome> {
    const { conversation, messages } = this.start;
    const { llm, metrics, options } = this.deps;
    const model = conversation.model;
    const startedAt = Date.now();
    const duration = metrics.modelDuration.startTimer({ model });
    // Until the first chunk the model client's own timeouts, retries and fallbacks apply; after it,
    // a stream that stalls longer than the idle timeout is cut off.
    let idle: NodeJS.Timeout | undefined;
    try {
      const settings = { maxTokens: conversation.maxTokens ?? options.maxCompletionTokens, ...(conversation.temperature === null ? {} : { temperature: conversation.temperature }) };
      for await (const chunk of llm.stream({ model, messages, ...settings, signal: this.abort.signal })) {
        clearTimeout(idle);
        // Text arriving after a stop is not the reply's: the stored content is what was streamed.
        if (this.stopReason) break;
        idle = setTimeout(() => this.stop('timeout'), options.idleTimeoutMs);
        if (chunk.type === 'done') {
          metrics.modelCalls.inc({ model, outcome: 'success' });
          const { completion } = chunk;
          // Servers that ignore stream_options.include_usage send none: count it instead, so it is charged.
          const usage = completion.usage.totalTokens > 0 || completion.content === '' ? completion.usage : this.countedUsage(completion.model, completion.content);
          return { kind: 'complete', completion: { ...completion, usage } };
        }
        if (this.text === '') metrics.modelFirstToken.observe({ model }, (Date.now() - startedAt) / 1000);
        this.text += chunk.content;
        this.publisher.push(chunk.content);
      }
      throw new LlmError('server', 'the model stream ended without finishing');
    } catch (error: unknown) {
      return this.failed(error);
    } finally {
      clearTimeout(idle);
      duration();
    }
  }

  private failed(error: unknown): ReplyOutcome {
    const { metrics, log, options } = this.deps;
    const model = this.start.conversation.model;
    if (this.stopReason) return this.interrupted(this.stopReason, error);
    const outcome: ReplyOutcome = this.text === '' ? failureOutcome(error, options) : { kind: 'failed', reason: CUT_OFF_REPLY, busy: false, partial: this.text };
    metrics.modelCalls.inc({ model, outcome: outcome.kind === 'failed' && outcome.busy ? 'busy' : 'error' });
    log.warn('model call failed', { conversationId: this.start.conversation.id, model, outcome: outcome.kind, streamed: this.text.length, err: error });
    return outcome;
  }

  /** The outcome of a stop: a cancelled reply is charged what it used; a shutdown or timeout fails with the text kept. */
  private interrupted(reason: StopReason, error: unknown): ReplyOutcome {
    const model = this.start.conversation.model;
    if (error !== null) this.deps.metrics.modelCalls.inc({ model, outcome: reason === 'user' ? 'cancelled' : reason === 'superseded' ? 'superseded' : 'error' });
    if (reason === 'superseded' && this.supersededBy) return { kind: 'cached', hit: this.supersededBy };
    if (reason === 'user' || reason === 'gone') return { kind: 'cancelled', content: this.text, model, usage: this.usedTokens(model) };
    return { kind: 'failed', reason: reason === 'shutdown' ? INTERRUPTED_REPLY : TIMED_OUT_REPLY, busy: false, partial: this.text };
  }

  /** What a reply stopped early used: the counted prompt, and the text received so far. */
  private usedTokens(model: string): TokenUsage {
    if (this.text === '') return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    return this.countedUsage(model, this.text);
  }

  private countedUsage(model: string, text: string): TokenUsage {
    const promptTokens = this.deps.tokens.countChat(model, this.start.messages);
    const completionTokens = this.deps.tokens.countText(model, text);
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  }

  private async flushPartial(): Promise<void> {
    const text = this.text;
    if (text === this.flushedText) return;
    this.flushedText = text;
    const { conversation, viewer } = this.start;
    try {
      const saved = await this.deps.store.savePartialReply(viewer.id, conversation.id, this.messageId, text);
      // The reply is no longer ours to write: deleted with its conversation, or settled by a cancel elsewhere.
      if (!saved) this.stop('gone');
    } catch (error: unknown) {
      this.deps.log.warn('partial reply not saved', { messageId: this.messageId, err: error });
    }
  }
}
