import { LlmError, NotFoundError, RateLimitedError, UpstreamUnavailableError } from '../errors';
import type { ChatStore, ConversationRecord, Exchange, MessageRecord, TokenUsage } from '../ports/chat-store';
import type { ChatTurn, Completion, LlmClient } from '../ports/llm-client';
import type { Logger } from '../observability/logger';
import { validateClientMessageId, validateContent, type InputLimits, type SendMessageInput } from './chat-input';
import { ExchangeWaiter } from './exchange-waiter';
import type { GenerationSlot, RateLimitService } from './rate-limit.service';
import type { Viewer } from './viewer';

export interface ChatServiceOptions extends InputLimits {
  contextMessages: number;
  maxCompletionTokens: number;
  dedupeWaitMs: number;
}

export interface ChatServiceDeps {
  store: ChatStore;
  llm: LlmClient;
  limits: RateLimitService;
  log: Logger;
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

type ModelOutcome = { ok: true; completion: Completion } | { ok: false; reason: string };

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
const FAILED_REPLY = 'The model provider is unavailable; your message was saved. Please try again.';

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
    try {
      return await this.accepted(viewer, request);
    } finally {
      await slot.release();
    }
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
    const context = await this.loadContext(viewer, conversation);
    const begun = await this.deps.store.beginExchange({ userId: viewer.id, ...request, model: conversation.model });
    if (begun.kind === 'not_found') throw new NotFoundError('Conversation not found');
    if (begun.kind === 'duplicate') return this.settled(viewer, begun.exchange, request);
    const settled = this.generate(viewer, conversation, context, request, begun.exchange);
    if (request.clientMessageId) this.waiter.track(request.conversationId, request.clientMessageId, settled);
    return this.toPayload(await settled);
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

  private async settled(viewer: Viewer, exchange: Exchange, request: SendRequest): Promise<SendMessagePayload> {
    const final = await this.waiter.wait(viewer.id, request.conversationId, request.clientMessageId, exchange);
    return this.toPayload(final);
  }

  private async loadConversation(viewer: Viewer, id: string): Promise<ConversationRecord> {
    const conversation = await this.deps.store.getConversation(viewer.id, id);
    if (!conversation) throw new NotFoundError('Conversation not found');
    return conversation;
  }

  /** Step 3: the newest answered turns, oldest first, within the configured window. */
  private async loadContext(viewer: Viewer, conversation: ConversationRecord): Promise<ChatTurn[]> {
    const recent = await this.deps.store.listMessages(viewer.id, conversation.id, {
      direction: 'desc',
      limit: this.deps.options.contextMessages,
    });
    const turns: ChatTurn[] = recent
      .filter((message) => message.role === 'USER' || message.status === 'COMPLETE')
      .reverse()
      .map((message) => ({ role: message.role === 'USER' ? 'user' : 'assistant', content: message.content }));
    return conversation.systemPrompt ? [{ role: 'system', content: conversation.systemPrompt }, ...turns] : turns;
  }

  /** Steps 7-8: call the model, then settle the PENDING reply whatever happened. */
  private async generate(
    viewer: Viewer,
    conversation: ConversationRecord,
    context: ChatTurn[],
    request: SendRequest,
    exchange: Exchange,
  ): Promise<Exchange> {
    const outcome = await this.callModel(conversation, [...context, { role: 'user', content: request.content }]);
    const reply = await this.deps.store.finishExchange({
      userId: viewer.id,
      conversationId: conversation.id,
      assistantMessageId: exchange.assistantMessage.id,
      status: outcome.ok ? 'COMPLETE' : 'FAILED',
      content: outcome.ok ? outcome.completion.content : '',
      model: outcome.ok ? outcome.completion.model : conversation.model,
      usage: outcome.ok ? outcome.completion.usage : null,
      error: outcome.ok ? null : outcome.reason,
    });
    if (!reply) throw new NotFoundError('Conversation not found');
    return { userMessage: exchange.userMessage, assistantMessage: reply };
  }

  private async callModel(conversation: ConversationRecord, messages: ChatTurn[]): Promise<ModelOutcome> {
    try {
      const completion = await this.deps.llm.complete({
        model: conversation.model,
        messages,
        maxTokens: this.deps.options.maxCompletionTokens,
      });
      return { ok: true, completion };
    } catch (error: unknown) {
      const kind = error instanceof LlmError ? error.kind : 'unexpected';
      this.deps.log.warn('model call failed', { conversationId: conversation.id, model: conversation.model, kind, err: error });
      return { ok: false, reason: kind === 'bad_request' ? 'The model refused the request.' : FAILED_REPLY };
    }
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
