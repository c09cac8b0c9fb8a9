import { BadUserInputError, BudgetExceededError, NotFoundError, RateLimitedError, ServiceUnavailableError, UpstreamUnavailableError } from '../errors';
import type { ChatStore, ConversationRecord, Exchange, MessageRecord, TokenUsage } from '../ports/chat-store';
import type { ChatTurn, LlmClient } from '../ports/llm-client';
import type { ReplyBus } from '../ports/reply-bus';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { BudgetHold } from './budget-hold';
import type { BudgetService } from './budget.service';
import { validateClientMessageId, validateContent, type InputLimits, type SendMessageInput } from './chat-input';
import { ExchangeWaiter } from './exchange-waiter';
import type { GenerationSlot, RateLimitService } from './rate-limit.service';
import { FAILED_REPLY, type DegradePolicy } from './reply-outcome';
import { Generation, type Generated, type GenerationOptions } from './streaming/generation';
import type { GenerationRegistry } from './streaming/generation-registry';
import type { FlightTicket } from './response-cache/single-flight';
import { contextFingerprint, systemPromptKey, type CacheHit, type CachePolicy, type CacheQuery, type ResponseCacheService } from './response-cache';
import type { ContextWindowService } from './context-window/context-window.service';
import type { TitleService } from './title.service';
import type { TokenCounter } from './token-counter';
import type { Viewer } from './viewer';

export interface ChatServiceOptions extends InputLimits, DegradePolicy, Omit<GenerationOptions, keyof DegradePolicy> {
  maxCompletionTokens: number;
  /** systemPromptKey values whose cached replies serve every user. */
  sharedPrompts: string[];
  hitBudgetFraction: number;
  dedupeWaitMs: number;
}

export interface ChatServiceDeps {
  store: ChatStore;
  llm: LlmClient;
  bus: ReplyBus;
  generations: GenerationRegistry;
  limits: RateLimitService;
  budget: BudgetService;
  tokens: TokenCounter;
  context: ContextWindowService;
  /** The response cache; null when disabled. */
  cache: ResponseCacheService | null;
  /** Titles conversations still named by default, after a reply; none when absent. */
  titles?: TitleService;
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
  stream: boolean;
  /** Absent for a send (after the active leaf); set for a question asked on a new branch. */
  fork?: Fork;
}

/** Where an edit or a regenerate asks its question. */
interface Fork {
  /** The question's parent (null: a first message): the model reads the path up to here. */
  historyThrough: string | null;
  /** Regenerate: the user message answered again. Edit: the parent of the new user message. */
  parentId: string | null;
  regenerate: boolean;
}

export interface RegenerateInput {
  messageId: string;
  clientMessageId?: string | null;
  stream?: boolean | null;
}

export interface EditInput {
  messageId: string;
  content: string;
  clientMessageId?: string | null;
  stream?: boolean | null;
}

/** What steps 4 and 5 prepared for a send: its input, cache lookup and budget hold. */
interface Prepared {
  conversation: ConversationRecord;
  messages: ChatTurn[];
  query: CacheQuery | null;
  hit: CacheHit | null;
  similar: Promise<CacheHit | null> | null;
  hold: BudgetHold;
  ticket: FlightTicket | null;
  drop: () => Promise<void>;
  /**
   * Gives the hold back and drops the single-flight claim, for a send that does not go ahead;
   * `reported: false` when the limits refused it, so its hold never shows in the budget metrics.
   */
  abandon: (reported?: boolean) => Promise<void>;
}

/** Stands in for the preparation a cautious send skipped because the limits refused it. */
const NOT_ADMITTED = new Error('not admitted');

/**
 * Users whose sends the limits refused, until the refusal's retry-after (bounded: the oldest are
 * forgotten first). Their sends ask the limits before doing anything else.
 */
class RecentRefusals {
  private readonly until = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  note(userId: string, retryAfterMs: number): void {
    this.until.delete(userId);
    this.until.set(userId, Date.now() + Math.max(retryAfterMs, 1_000));
    if (this.until.size > this.max) this.until.delete(this.until.keys().next().value as string);
  }

  has(userId: string): boolean {
    const until = this.until.get(userId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(userId);
    return false;
  }
}

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

/** sendMessage, as the named steps of DESIGN.md. */
export class ChatService {
  private readonly waiter: ExchangeWaiter;
  private readonly refusals = new RecentRefusals();

  constructor(private readonly deps: ChatServiceDeps) {
    this.waiter = new ExchangeWaiter(deps.store, deps.options.dedupeWaitMs);
  }

  async sendMessage(viewer: Viewer, input: SendMessageInput): Promise<SendMessagePayload> {
    return this.run(viewer, this.validate(input));
  }

  /**
   * A new reply to the user message `messageId` answers, as its sibling, on the active branch from
   * then on. Never from the response cache (the user asked for another answer); the new reply is
   * cached over the old one. Limited, budgeted and idempotent as a send.
   */
  async regenerateReply(viewer: Viewer, input: RegenerateInput): Promise<SendMessagePayload> {
    const clientMessageId = validateClientMessageId(input.clientMessageId);
    const reply = await this.deps.store.getMessage(viewer.id, input.messageId);
    if (!reply) throw new NotFoundError('Reply not found');
    if (reply.role !== 'ASSISTANT' || reply.parentId === null) throw new BadUserInputError('Only assistant replies can be regenerated; edit a user message instead', { argument: 'messageId' });
    const question = await this.deps.store.getMessage(viewer.id, reply.parentId);
    if (!question) throw new NotFoundError('Reply not found');
    return this.run(viewer, {
      conversationId: reply.conversationId, content: question.content, clientMessageId, cachePolicy: 'REFRESH', stream: input.stream === true,
      fork: { historyThrough: question.parentId, parentId: question.id, regenerate: true },
    });
  }

  /** The user message `messageId` asked anew with `content`: a sibling of it and a reply, on the active branch from then on. */
  async editMessage(viewer: Viewer, input: EditInput): Promise<SendMessagePayload> {
    const content = validateContent(input.content, this.deps.options);
    const clientMessageId = validateClientMessageId(input.clientMessageId);
    const original = await this.deps.store.getMessage(viewer.id, input.messageId);
    if (!original) throw new NotFoundError('Message not found');
    if (original.role !== 'USER') throw new BadUserInputError('Only user messages can be edited; regenerate a reply instead', { argument: 'messageId' });
    return this.run(viewer, {
      conversationId: original.conversationId, content, clientMessageId, stream: input.stream === true,
      fork: { historyThrough: original.parentId, parentId: original.parentId, regenerate: false },
    });
  }

  private async run(viewer: Viewer, request: SendRequest): Promise<SendMessagePayload> {
    const replay = await this.dedupe(viewer, request);
    if (replay) return replay;
    if (!this.deps.generations.isAccepting) throw new ServiceUnavailableError('This instance is shutting down; please retry');
    // Steps 2-5 run together: the limits alongside loading the context, the cache lookup and the
    // budget hold, so a first turn waits for one round of Redis rather than two. A refusal by the
    // limits still wins, and undoes the rest (hold released, single-flight claim dropped); nothing
    // that costs (an embedding, a write, a model call) starts before the limits agree. A user the
    // limits refused lately is asked the limits first, so a flood of refused sends costs no more.
    const admitting = this.admit(viewer, request);
    const admittedOk = admitting.then((slot) => !('userMessage' in slot), () => false);
    const cautious = this.refusals.has(viewer.id);
    const [admitted, prepared] = await Promise.allSettled([
      admitting,
      (cautious ? admittedOk.then((ok) => (ok ? undefined : Promise.reject(NOT_ADMITTED))) : Promise.resolve())
        .then(() => this.load(viewer, request))
        .then((loaded) => this.prepare(viewer, loaded, request, admittedOk)),
    ]);
    const slot = admitted.status === 'fulfilled' ? admitted.value : null;
    if (slot === null || 'userMessage' in slot) {
      if (prepared.status === 'fulfilled') await prepared.value.abandon(false);
      if (slot === null) throw (admitted as PromiseRejectedResult).reason;
      return slot;
    }
    let started: Generation | SendMessagePayload | undefined;
    try {
      if (prepared.status === 'rejected') {
        this.countRefusal(prepared.reason);
        throw prepared.reason;
      }
      started = await this.begin(viewer, request, slot, prepared.value);
    } finally {
      // Once a generation has started it owns the slot; before that, every exit frees it here.
      if (!(started instanceof Generation)) await slot.release();
    }
    if (!(started instanceof Generation)) return started;
    if (request.stream && !started.cached) {
      // The model request goes out before this acknowledgement is written: a reader waits for the
      // first token, and the answer and the subscription that follows fit in the model's think time.
      await new Promise((resolve) => setImmediate(resolve));
      return this.toPayload(started.exchange);
    }
    return this.answer(await started.done);
  }

  private validate(input: SendMessageInput): SendRequest {
    return {
      conversationId: input.conversationId,
      content: validateContent(input.content, this.deps.options),
      clientMessageId: validateClientMessageId(input.clientMessageId),
      cachePolicy: input.cachePolicy,
      stream: input.stream === true,
    };
  }

  /** Step 1: a clientMessageId seen before answers with the stored result, calling no model. */
  private async dedupe(viewer: Viewer, request: SendRequest): Promise<SendMessagePayload | null> {
    if (!request.clientMessageId) return null;
    const existing = await this.deps.store.findExchange(viewer.id, request.conversationId, request.clientMessageId);
    if (!existing) return null;
    return request.stream ? this.toPayload(existing) : this.settled(viewer, existing, request);
  }

  /**
   * Step 2: per-user rate and in-flight limits. A refused call whose clientMessageId was
   * meanwhile stored by a concurrent twin gets that result instead of the refusal.
   */
  private async admit(viewer: Viewer, request: SendRequest): Promise<GenerationSlot | SendMessagePayload> {
    try {
      // Both are taken at once; a refused send gives its slot straight back.
      const [sent, slot] = await Promise.allSettled([this.deps.limits.checkSend(viewer), this.deps.limits.acquireGeneration(viewer)]);
      if (sent.status === 'rejected') {
        if (slot.status === 'fulfilled') await slot.value.release();
        throw sent.reason;
      }
      if (slot.status === 'rejected') throw slot.reason;
      return slot.value;
    } catch (error: unknown) {
      if (error instanceof RateLimitedError) this.refusals.note(viewer.id, error.retryAfterSeconds * 1000);
      const replay = error instanceof RateLimitedError ? await this.dedupe(viewer, request) : null;
      if (replay) return replay;
      throw error;
    }
  }

  /** Step 3: the conversation (ownership) and the model input: system prompt, summary, recent turns, the new message. */
  private async load(viewer: Viewer, request: SendRequest): Promise<{ conversation: ConversationRecord; messages: ChatTurn[] }> {
    const conversation = await this.loadConversation(viewer, request.conversationId);
    this.deps.context.assertFits(conversation, request.content, this.replyTokens(conversation));
    const messages = [...(await this.loadContext(viewer, conversation, request)), { role: 'user' as const, content: request.content }];
    return { conversation, messages };
  }

  /** Steps 4 and 5, alongside the limits: the cache lookup and the budget hold, and how to undo them. */
  private async prepare(
    viewer: Viewer,
    { conversation, messages }: { conversation: ConversationRecord; messages: ChatTurn[] },
    request: SendRequest,
    admitted: Promise<boolean>,
  ): Promise<Prepared> {
    const query = this.cacheQuery(viewer, conversation, messages, request);
    const reserved = await this.lookupAndReserve(viewer, conversation, messages, query, admitted);
    const abandon = async (reported = true) => {
      await (reported ? reserved.hold.release() : reserved.hold.discard());
      if (!reserved.hit) await reserved.drop();
    };
    return { conversation, messages, query, ...reserved, abandon };
  }

  /** Step 6, inside the caller's generation slot; then the generation runs steps 7-10 on its own. */
  private async begin(viewer: Viewer, request: SendRequest, slot: GenerationSlot, prepared: Prepared): Promise<Generation | SendMessagePayload> {
    const { conversation, messages, query, hit, similar, hold, ticket, abandon } = prepared;
    this.deps.metrics.budgetReservations.inc({ outcome: 'accepted' });
    let generation: Generation | undefined;
    try {
      const { conversationId, content, clientMessageId, fork } = request;
      const begun = fork
        ? await this.deps.store.beginBranch({ userId: viewer.id, conversationId, parentId: fork.parentId, userContent: fork.regenerate ? null : content, clientMessageId, model: conversation.model })
        : await this.deps.store.beginExchange({ userId: viewer.id, conversationId, content, clientMessageId, model: conversation.model });
      if (begun.kind === 'not_found') throw new NotFoundError(fork ? 'Message not found' : 'Conversation not found');
      if (begun.kind === 'duplicate') return request.stream ? this.toPayload(begun.exchange) : await this.settled(viewer, begun.exchange, request);
      generation = new Generation(this.generationDeps(), { viewer, conversation, exchange: begun.exchange, messages, query, hit, similar, flight: ticket, slot, hold, forked: fork !== undefined });
      this.deps.generations.add(generation);
      const titles = this.deps.titles;
      if (titles && conversation.titleSource === 'DEFAULT') void generation.done.then((done) => titles.afterReply(viewer, conversation, done.exchange.userMessage, done.reply), () => undefined);
      if (clientMessageId) this.waiter.track(conversationId, clientMessageId, generation.done.then((result) => result.exchange));
      return generation;
    } finally {
      if (!generation) await abandon();
    }
  }

  private generationDeps() {
    const { store, llm, bus, budget, tokens, context, cache, metrics, log, options } = this.deps;
    return { store, llm, bus, budget, tokens, context, cache, metrics, log, options };
  }

  /** A finished generation as this call's answer: the payload, or the error its outcome means. */
  private answer(generated: Generated): SendMessagePayload {
    const { outcome, exchange } = generated;
    if (outcome.kind === 'failed' && outcome.busy) {
      const ids = { userMessageId: exchange.userMessage.id, assistantMessageId: exchange.assistantMessage.id };
      throw new ServiceUnavailableError(outcome.reason, ids);
    }
    if (generated.storeFailed) throw new ServiceUnavailableError('The reply could not be stored; please retry shortly', { userMessageId: exchange.userMessage.id });
    if (!generated.reply) throw new NotFoundError('Conversation not found');
    return this.toPayload(exchange);
  }

  /** Step 4's key: same model, prompt, prior turns and (normalised) message, in the user's scope. */
  private cacheQuery(viewer: Viewer, conversation: ConversationRecord, messages: ChatTurn[], request: SendRequest): CacheQuery | null {
    const { cache, options } = this.deps;
    if (!cache) return null;
    const promptKey = systemPromptKey(conversation.systemPrompt);
    return cache.prepare({
      userId: viewer.id,
      model: conversation.model,
      params: { maxTokens: this.replyTokens(conversation), ...(conversation.temperature === null ? {} : { temperature: conversation.temperature }) },
      systemPromptVersion: promptKey,
      shared: options.sharedPrompts.includes(promptKey),
      contextFingerprint: contextFingerprint(messages.slice(0, -1), conversation.summary),
      message: request.content,
      policy: (request.cachePolicy ?? 'USE') as CachePolicy,
    });
  }

  /**
   * Step 4: the exact level, then the similar level, either awaited (`wait`) or handed to the
   * generation to run alongside the model call (`parallel`), so no reply waits for an embedding.
   */
  private async lookup(query: CacheQuery | null, admitted: Promise<boolean>): Promise<{ hit: CacheHit | null; similar: Promise<CacheHit | null> | null }> {
    const cache = this.deps.cache;
    if (!query || !cache) return { hit: null, similar: null };
    const exact = await cache.lookupExact(query);
    if (exact.hit || !exact.similarNext) return { hit: exact.hit, similar: null };
    // With the level off the lookup answers at once (and is counted as skipped).
    if (!cache.similarEnabled) return { hit: await cache.lookupSimilar(query), similar: null };
    // The similar level calls the embeddings model: never for a send the limits refuse.
    const similar = admitted.then((ok) => (ok ? cache.lookupSimilar(query) : null));
    if (cache.options.similarLookup === 'wait') return { hit: await similar, similar: null };
    return { hit: null, similar };
  }

  /** Tokens a cache hit is charged: the configured fraction of what it saved (default none). */
  private hitCharge(hit: CacheHit): number {
    return Math.ceil(hit.usage.totalTokens * this.deps.options.hitBudgetFraction);
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

  /** Step 3: the model input before the new message: system prompt, summary, recent turns (of the question's branch). */
  private async loadContext(viewer: Viewer, conversation: ConversationRecord, request: SendRequest): Promise<ChatTurn[]> {
    const { context } = this.deps;
    const reserve = context.reserveTokens(conversation.model, request.content, this.replyTokens(conversation));
    if (request.fork) return context.windowAt(viewer, conversation, request.fork.historyThrough, reserve);
    return context.window(viewer, conversation, reserve);
  }

  /**
   * Steps 4 and 5 together: the cache lookup, and a hold on the worst case (counted prompt + max
   * completion) taken alongside it. A hit keeps that hold and settles it to the hit's charge; a
   * user whose budget cannot cover the worst case may still be answered by a hit, held for its
   * charge only. A refusal is thrown uncounted: the caller counts it once it is final.
   */
  private async lookupAndReserve(viewer: Viewer, conversation: ConversationRecord, messages: ChatTurn[], query: CacheQuery | null, admitted: Promise<boolean>) {
    const { model } = conversation;
    // The single-flight lock is claimed in the same round trip; every path that calls no model drops it.
    const ticket = query ? this.deps.cache!.startFlight(query) : null;
    const drop = async () => (query && ticket ? this.deps.cache!.dropFlight(query, ticket) : undefined);
    const [looked, worstCase] = await Promise.allSettled([
      this.lookup(query, admitted),
      this.reserve(viewer, model, this.deps.tokens.countChat(model, messages), this.replyTokens(conversation)),
    ]);
    if (looked.status === 'rejected') {
      if (worstCase.status === 'fulfilled') await worstCase.value.release();
      await drop();
      throw looked.reason;
    }
    const { hit, similar } = looked.value;
    if (hit) await drop();
    if (worstCase.status === 'fulfilled') return { hit, similar, hold: worstCase.value, ticket, drop };
    try {
      if (hit && worstCase.reason instanceof BudgetExceededError) return { hit, similar, hold: await this.reserve(viewer, model, this.hitCharge(hit), 0), ticket, drop };
      throw worstCase.reason;
    } catch (error: unknown) {
      await drop();
      throw error;
    }
  }

  /** The most tokens a reply in this conversation may have: its own setting, else the server's. */
  private replyTokens(conversation: ConversationRecord): number {
    return conversation.maxTokens ?? this.deps.options.maxCompletionTokens;
  }

  /** A budget hold; a refusal is thrown uncounted (the caller decides whether it is final). */
  private async reserve(viewer: Viewer, model: string, promptTokens: number, maxCompletionTokens: number): Promise<BudgetHold> {
    const { metrics } = this.deps;
    const reservation = await this.deps.budget.reserve(viewer, { model, promptTokens, maxCompletionTokens });
    // Counted as accepted once the send goes ahead (begin), not when a refused one took it alongside the limits.
    return new BudgetHold(this.deps.budget, reservation, (kind) => metrics.budgetSettlements.inc({ kind }));
  }

  private countRefusal(error: unknown): void {
    if (!(error instanceof BudgetExceededError)) return;
    this.deps.metrics.budgetReservations.inc({ outcome: 'rejected' });
    this.deps.metrics.budgetRejections.inc({ period: error.period });
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
