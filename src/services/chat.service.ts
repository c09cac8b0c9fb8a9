import { BudgetExceededError, NotFoundError, RateLimitedError, ServiceUnavailableError, UpstreamUnavailableError, type AppError } from '../errors';
import type { ChatStore, ConversationRecord, Exchange, MessageRecord, TokenUsage } from '../ports/chat-store';
import type { ChatTurn, Completion, LlmClient } from '../ports/llm-client';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { BudgetHold } from './budget-hold';
import type { BudgetService } from './budget.service';
import { validateClientMessageId, validateContent, type InputLimits, type SendMessageInput } from './chat-input';
import { ExchangeWaiter } from './exchange-waiter';
import type { GenerationSlot, RateLimitService } from './rate-limit.service';
import { FAILED_REPLY, failureOutcome, replyFields, type DegradePolicy, type ReplyOutcome } from './reply-outcome';
import type { ContextWindowService } from './context-window/context-window.service';
import type { TokenCounter } from './token-counter';
import type { Viewer } from './viewer';

export interface ChatServiceOptions extends InputLimits, DegradePolicy {
  maxCompletionTokens: number;
  dedupeWaitMs: number;
}

export interface ChatServiceDeps {
  store: ChatStore;
  llm: LlmClient;
  limits: RateLimitService;
  budget: BudgetService;
  tokens: TokenCounter;
  context: ContextWindowService;
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
    const hold = await this.reserve(viewer, conversation.model, messages);
    try {
      const begun = await this.deps.store.beginExchange({ userId: viewer.id, ...request, model: conversation.model });
      if (begun.kind === 'not_found') throw new NotFoundError('Conversation not found');
      if (begun.kind === 'duplicate') return await this.settled(viewer, begun.exchange, request);
      const generation = this.generate(viewer, conversation, messages, begun.exchange, hold);
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
  private async reserve(viewer: Viewer, model: string, messages: ChatTurn[]): Promise<BudgetHold> {
    const { metrics } = this.deps;
    try {
      const reservation = await this.deps.budget.reserve(viewer, {
        model,
        promptTokens: this.deps.tokens.countChat(model, messages),
        maxCompletionTokens: this.deps.options.maxCompletionTokens,
      });
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

  /** Steps 7-9: call the model, store the reply with its usage, then charge only what was used. */
  private async generate(
    viewer: Viewer,
    conversation: ConversationRecord,
    messages: ChatTurn[],
    exchange: Exchange,
    hold: BudgetHold,
  ): Promise<Generated> {
    const outcome = await this.callModel(conversation, messages);
    const charged = outcome.kind === 'complete' ? outcome.completion : null;
    const reply = await this.deps.store.finishExchange({
      userId: viewer.id,
      conversationId: conversation.id,
      assistantMessageId: exchange.assistantMessage.id,
      ...replyFields(outcome, conversation.model),
      costMicroUsd: charged ? this.deps.budget.cost(charged.model, charged.usage) : 0,
    });
    if (!reply) throw new NotFoundError('Conversation not found');
    this.record(reply.status, charged);
    if (charged) await hold.settle(charged.usage, charged.model);
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

  private record(status: string, charged: Completion | null): void {
    const { metrics } = this.deps;
    metrics.replies.inc({ status });
    if (!charged) return;
    metrics.modelTokens.inc({ model: charged.model, kind: 'prompt' }, charged.usage.promptTokens);
    metrics.modelTokens.inc({ model: charged.model, kind: 'completion' }, charged.usage.completionTokens);
    metrics.modelCost.inc({ model: charged.model }, this.deps.budget.cost(charged.model, charged.usage) / 1e6);
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
