import { BudgetExceededError, NotFoundError, RateLimitedError, ServiceUnavailableError, UpstreamUnavailableError, type AppError } from '../errors';
import type { ChatStore, ConversationRecord, Exchange, MessageRecord, TokenUsage } from '../ports/chat-store';
import type { ChatTurn, LlmClient } from '../ports/llm-client';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { BudgetHold } from './budget-hold';
import type { BudgetService } from './budget.service';
import { validateClientMessageId, validateContent, type InputLimits, type SendMessageInput } from './chat-input';
import { ExchangeWaiter } from './exchange-waiter';
import type { GenerationSlot, RateLimitService } from './rate-limit.service';
import { FAILED_REPLY, failureOutcome, replyFields, type DegradePolicy, type ReplyOutcome } from './reply-outcome';
import { contextFingerprint, systemPromptKey, type CacheHit, type CachePolicy, type CacheQuery, type ResponseCacheService } from './response-cache';
import type { ContextWindowService } from './context-window/context-window.service';
import type { TokenCounter } from './token-counter';
import type { Viewer } from './viewer';

export interface ChatServiceOptions extends InputLimits, DegradePolicy {
  maxCompletionTokens: number;
  /** systemPromptKey values whose cached replies serve every user. */
  sharedPrompts: string[];
  hitBudgetFraction: number;
  dedupeWaitMs: number;
}

export interface ChatServiceDeps {
  store: ChatStore;
  llm: LlmClient;
  limits: RateLimitService;
  budget: BudgetService;
  tokens: TokenCounter;
  context: ContextWindowService;
  /** The response cache; null when disabled. */
  cache: ResponseCacheService | null;
  log: Logger;
  metrics: Metrics;
  options: ChatServiceOptions;
}

export interface SendMessagePayload {
  userMessage: MessageRecord;
  assistantMessage: MessageRecord;
  usage: TokenUsage;
}

interface SendRequest {
  conversationId: string;
  content: string;
  clientMessageId: string | null;
  cachePolicy?: SendMessageInput['cachePolicy'];
}

interface Generated {
  exchange: Exchange;
  /** Set when this call's answer is an error other than the stored reply implies. */
  failure: AppError | null;
}

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

/** sendMessage, as the named steps of DESIGN.md. */
export class ChatService {
  private readonly waiter: ExchangeWaiter;

  constructor(private readonly deps: ChatServiceDeps) {
    this.waiter = new ExchangeWaiter(deps.store, deps.options.dedupeWaitMs);
  }

  async sendMessage(viewer: Viewer, input: SendMessageInput): Promise<SendMessagePayload> {
    const request = this.validate(input);
    const replay = await this.dedupe(viewer, request);
    if (replay) return replay;
    const slot = await this.admit(viewer, request);
    if ('userMessage' in slot) return slot;
    this.deps.metrics.generationsInFlight.inc();
    try {
      return await this.accepted(viewer, request);
    } finally {
      this.deps.metrics.generationsInFlight.dec();
      await slot.release();
    }
  }

  private validate(input: SendMessageInput): SendRequest {
    return {
      conversationId: input.conversationId,
      content: validateContent(input.content, this.deps.options),
      clientMessageId: validateClientMessageId(input.clientMessageId),
      cachePolicy: input.cachePolicy,
    };
  }

  /** Step 1: a clientMessageId seen before answers with the stored result, calling no model. */
  private async dedupe(viewer: Viewer, request: SendRequest): Promise<SendMessagePayload | null> {
    if (!request.clientMessageId) return null;
    const existing = await this.deps.store.findExchange(viewer.id, request.conversationId, request.clientMessageId);
    return existing ? this.settled(viewer, existing, request) : null;
  }

  /**
   * Step 2: per-user rate and in-flight limits. A refused call whose clientMessageId was
   * meanwhile stored by a concurrent twin gets that result instead of the refusal.
   */
  private async admit(viewer: Viewer, request: SendRequest): Promise<GenerationSlot | SendMessagePayload> {
    try {
      await this.deps.limits.checkSend(viewer);
      return await this.deps.limits.acquireGeneration(viewer);
    } catch (error: unknown) {
      const replay = error instanceof RateLimitedError ? await this.dedupe(viewer, request) : null;
      if (replay) return replay;
      throw error;
    }
  }

  /** Steps 3-10, inside the caller's generation slot. */
  private async accepted(viewer: Viewer, request: SendRequest): Promise<SendMessagePayload> {
    const conversation = await this.loadConversation(viewer, request.conversationId);
    const messages = [...(await this.loadContext(viewer, conversation, request.content)), { role: 'user' as const, content: request.content }];
    const query = this.cacheQuery(viewer, conversation, messages, request);
    const hit = query ? await this.deps.cache!.lookup(query) : null;
    const hold = hit
      ? await this.reserve(viewer, conversation.model, this.hitCharge(hit), 0)
      : await this.reserve(viewer, conversation.model, this.deps.tokens.countChat(conversation.model, messages), this.deps.options.maxCompletionTokens);
    try {
      const { conversationId, content, clientMessageId } = request;
      const begun = await this.deps.store.beginExchange({ userId: viewer.id, conversationId, content, clientMessageId, model: conversation.model });
      if (begun.kind === 'not_found') throw new NotFoundError('Conversation not found');
      if (begun.kind === 'duplicate') return await this.settled(viewer, begun.exchange, request);
      const outcome = hit ? Promise.resolve<ReplyOutcome>({ kind: 'cached', hit }) : this.produce(conversation, messages, query);
      const generation = this.generate(viewer, conversation, outcome, begun.exchange, hold);
      if (request.clientMessageId) {
        this.waiter.track(request.conversationId, request.clientMessageId, generation.then((result) => result.exchange));
      }
      const { exchange, failure } = await generation;
      if (failure) throw failure;
      return this.toPayload(exchange);
    } finally {
      await hold.release();
    }
  }

  /** Step 4's key: same model, prompt, prior turns and (normalised) message, in the user's scope. */
  private cacheQuery(viewer: Viewer, conversation: ConversationRecord, messages: ChatTurn[], request: SendRequest): CacheQuery | null {
    const { cache, options } = this.deps;
    if (!cache) return null;
    const promptKey = systemPromptKey(conversation.systemPrompt);
    return cache.prepare({
      userId: viewer.id,
      model: conversation.model,
      params: { maxTokens: options.maxCompletionTokens },
      systemPromptVersion: promptKey,
      shared: options.sharedPrompts.includes(promptKey),
      contextFingerprint: contextFingerprint(messages.slice(0, -1), conversation.summary),
      message: request.content,
      policy: (request.cachePolicy ?? 'USE') as CachePolicy,
    });
  }

  /** Tokens a cache hit is charged: the configured fraction of what it saved (default none). */
  private hitCharge(hit: CacheHit): number {
    return Math.ceil(hit.usage.totalTokens * this.deps.options.hitBudgetFraction);
  }

  /** Step 7: one model call per identical in-flight request; its twins get the stored reply. */
  private async produce(conversation: ConversationRecord, messages: ChatTurn[], query: CacheQuery | null): Promise<ReplyOutcome> {
    if (!query) return this.callModel(conversation, messages);
    const flight = await this.deps.cache!.singleFlight(query, async () => {
      const value = await this.callModel(conversation, messages);
      const reply = value.kind === 'complete' ? { status: 'COMPLETE' as const, ...value.completion } : null;
      return { value, reply };
    });
    return flight.source === 'cache' ? { kind: 'cached', hit: flight.hit } : flight.value;
  }

  private async settled(viewer: Viewer, exchange: Exchange, request: SendRequest): Promise<SendMessagePayload> {
    const final = await this.waiter.wait(viewer.id, request.conversationId, request.clientMessageId, exchange);
    return this.toPayload(final);
  }

  private async loadConversation(viewer: Viewer, id: string): Promise<ConversationRecord> {
    const conversation = await this.deps.store.getConversation(viewer.id, id);
    if (!conversation) throw new NotFoundError('Conversation not found');
    return conversation;
  }

  /** Step 3: the model input before the new message: system prompt, summary, recent turns. */
  private async loadContext(viewer: Viewer, conversation: ConversationRecord, content: string): Promise<ChatTurn[]> {
    const { context, options } = this.deps;
    return context.window(viewer, conversation, context.reserveTokens(conversation.model, content, options.maxCompletionTokens));
  }

  /** Step 5: hold the worst case (counted prompt + max completion) before anything is stored. */
  private async reserve(viewer: Viewer, model: string, promptTokens: number, maxCompletionTokens: number): Promise<BudgetHold> {
    const { metrics } = this.deps;
    try {
      const reservation = await this.deps.budget.reserve(viewer, { model, promptTokens, maxCompletionTokens });
      metrics.budgetReservations.inc({ outcome: 'accepted' });
      return new BudgetHold(this.deps.budget, reservation, (kind) => metrics.budgetSettlements.inc({ kind }));
    } catch (error: unknown) {
      if (error instanceof BudgetExceededError) {
        metrics.budgetReservations.inc({ outcome: 'rejected' });
        metrics.budgetRejections.inc({ period: error.period });
      }
      throw error;
    }
  }

  /** Steps 7-10: await the reply, store it with its usage, charge what was used, update the context. */
  private async generate(
    viewer: Viewer,
    conversation: ConversationRecord,
    pending: Promise<ReplyOutcome>,
    exchange: Exchange,
    hold: BudgetHold,
  ): Promise<Generated> {
    const outcome = await pending;
    const charged = outcome.kind === 'complete' ? outcome.completion : null;
    const reply = await this.deps.store.finishExchange({
      userId: viewer.id,
      conversationId: conversation.id,
      assistantMessageId: exchange.assistantMessage.id,
      ...replyFields(outcome, conversation.model),
      costMicroUsd: charged ? this.deps.budget.cost(charged.model, charged.usage) : 0,
    });
    if (!reply) throw new NotFoundError('Conversation not found');
    this.record(reply.status, outcome);
    await this.charge(hold, outcome);
    await this.deps.context.appendExchange(
      viewer, conversation, { role: 'user', content: exchange.userMessage.content },
      reply.status === 'COMPLETE' ? { role: 'assistant', content: reply.content } : null, reply.seq,
    );
    const busy = outcome.kind === 'failed' && outcome.busy;
    return {
      exchange: { userMessage: exchange.userMessage, assistantMessage: reply },
      failure: busy ? new ServiceUnavailableError(outcome.reason, { userMessageId: exchange.userMessage.id, assistantMessageId: reply.id }) : null,
    };
  }

  /** Step 9: real usage for a model reply, the configured fraction for a cache hit, nothing otherwise. */
  private async charge(hold: BudgetHold, outcome: ReplyOutcome): Promise<void> {
    if (outcome.kind === 'complete') return hold.settle(outcome.completion.usage, outcome.completion.model);
    const tokens = outcome.kind === 'cached' ? this.hitCharge(outcome.hit) : 0;
    if (tokens === 0 || outcome.kind !== 'cached') return hold.release();
    return hold.settle({ promptTokens: tokens, completionTokens: 0, totalTokens: tokens }, outcome.hit.model);
  }

  private async callModel(conversation: ConversationRecord, messages: ChatTurn[]): Promise<ReplyOutcome> {
    const model = conversation.model;
    const timer = this.deps.metrics.modelDuration.startTimer({ model });
    try {
      const completion = await this.deps.llm.complete({ model, messages, maxTokens: this.deps.options.maxCompletionTokens });
      this.deps.metrics.modelCalls.inc({ model, outcome: 'success' });
      return { kind: 'complete', completion };
    } catch (error: unknown) {
      const outcome = failureOutcome(error, this.deps.options);
      this.deps.metrics.modelCalls.inc({ model, outcome: outcome.kind === 'failed' && outcome.busy ? 'busy' : 'error' });
      this.deps.log.warn('model call failed', { conversationId: conversation.id, model, outcome: outcome.kind, err: error });
      return outcome;
    } finally {
      timer();
    }
  }

  private record(status: string, outcome: ReplyOutcome): void {
    const { metrics } = this.deps;
    metrics.replies.inc({ status });
    if (outcome.kind === 'cached') metrics.cacheTokensSaved.inc(outcome.hit.usage.totalTokens);
    if (outcome.kind !== 'complete') return;
    const { model, usage } = outcome.completion;
    metrics.modelTokens.inc({ model, kind: 'prompt' }, usage.promptTokens);
    metrics.modelTokens.inc({ model, kind: 'completion' }, usage.completionTokens);
    metrics.modelCost.inc({ model }, this.deps.budget.cost(model, usage) / 1e6);
  }

  private toPayload(exchange: Exchange): SendMessagePayload {
    const { userMessage, assistantMessage } = exchange;
    if (assistantMessage.status === 'FAILED') {
      throw new UpstreamUnavailableError(assistantMessage.error ?? FAILED_REPLY, {
        userMessageId: userMessage.id,
        assistantMessageId: assistantMessage.id,
      });
    }
    return { userMessage, assistantMessage, usage: assistantMessage.usage ?? NO_USAGE };
  }
}
