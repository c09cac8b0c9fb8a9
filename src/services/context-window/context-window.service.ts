import { BadUserInputError, NotFoundError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { ChatStore, ConversationRecord } from '../../ports/chat-store';
import type { CachedContext, ContextCache } from '../../ports/context-cache';
import type { ChatTurn, LlmClient } from '../../ports/llm-client';
import { REPLY_PRIMING_TOKENS, type TokenCounter } from '../token-counter';
import type { Viewer } from '../viewer';
import { resolveContextWindowOptions, type ContextWindowOptions } from './context-window-options';
import { ContextSummarizer } from './context-summarizer';
import { readHistory, toCachedContext, toTurn, type History, type HistoryTurn } from './conversation-history';
import { WindowFitter, type FittedWindow } from './window-fitter';

export interface ContextWindowDeps {
  store: ChatStore;
  cache: ContextCache;
  tokens: TokenCounter;
  /** The client summaries are written with (the resilient one: its breaker bounds the wait). */
  summarizer: LlmClient;
  log: Logger;
  /** Anything left out takes its default (DEFAULT_CONTEXT_WINDOW_OPTIONS). */
  options?: Partial<ContextWindowOptions>;
  /** Metrics hook: whether a window's history came from the cache. Must not throw. */
  onCache?: (level: 'context', result: 'hit' | 'miss') => void;
}

/**
 * Step 3 of sendMessage: the model input before the new user turn, within the token budget.
 * The history after the running summary is cached per conversation, written through after
 * every reply, and checked against the conversation record on every read, so a window is never
 * built from a stale cache: a cached window behind the conversation's last message, or built
 * on another summary or system prompt version, is rebuilt from the store.
 *
 * Summaries are written in the request path, when a window first outgrows its budget. That
 * request waits for one cheap-model call (bounded by summaryTimeoutMs and the client's breaker);
 * in exchange every window is within budget with nothing silently lost, with no background
 * work to lose on a crash, and the next request already reads the summary from the store.
 * Moving it to the job queue later only changes who calls compact().
 */
export class ContextWindowService {
  private readonly options: ContextWindowOptions;
  private readonly fitter: WindowFitter;
  private readonly summarizer: ContextSummarizer;

  constructor(private readonly deps: ContextWindowDeps) {
    this.options = resolveContextWindowOptions(deps.options);
    this.fitter = new WindowFitter(deps.tokens);
    this.summarizer = new ContextSummarizer(deps.summarizer, {
      model: this.options.summaryModel,
      maxTokens: this.options.summaryMaxTokens,
      timeoutMs: this.options.summaryTimeoutMs,
    });
  }

  /** What to pass as `reserveTokens` for a request adding `content` and completing up to `maxCompletionTokens`. */
  reserveTokens(model: string, content: string, maxCompletionTokens: number): number {
    return this.deps.tokens.countChat(model, [{ role: 'user', content }]) - REPLY_PRIMING_TOKENS + maxCompletionTokens;
  }

  /**
   * Refuses a message that cannot fit the model's context whatever the history: the system
   * prompt, the message and room for the reply must fit maxContextTokens (counted with the
   * model's tokenizer, so 16,000 CJK characters are the 30,000 tokens they are).
   */
  assertFits(conversation: ConversationRecord, content: string, maxCompletionTokens: number): void {
    const { model, systemPrompt } = conversation;
    const prompt = systemPrompt ? this.deps.tokens.countChat(model, [{ role: 'system', content: systemPrompt }]) - REPLY_PRIMING_TOKENS : 0;
    const needed = prompt + this.reserveTokens(model, content, maxCompletionTokens);
    if (needed <= this.options.maxContextTokens) return;
    const room = Math.max(0, this.options.maxContextTokens - prompt - maxCompletionTokens);
    throw new BadUserInputError(`The message is ${needed - prompt - maxCompletionTokens} tokens; with the system prompt and room for the reply, at most ${room} fit. Shorten it or split it.`);
  }

  /**
   * The model input before the new user turn: the system prompt (always, even alone over
   * budget), the summary note, then the newest turns, with countChat ≤ maxContextTokens −
   * reserveTokens. `conversation` must be the viewer's, freshly read from the store.
   */
  async window(viewer: Viewer, conversation: ConversationRecord, reserveTokens = 0): Promise<ChatTurn[]> {
    this.assertOwner(viewer, conversation);
    const budget = this.options.maxContextTokens - reserveTokens;
    const context = await this.load(viewer, conversation);
    const fitted = this.fit(conversation, context, budget);
    if (fitted.dropped === 0 || context.turns.length <= this.options.keepRecentTurns) return fitted.messages;
    const compacted = await this.compact(viewer, conversation);
    return compacted ? this.fit(conversation, compacted, budget).messages : fitted.messages;
  }

  /**
   * The model input before a question asked on a new branch (an edit or a regenerate): the
   * system prompt, then the path from a root to `throughId` (the question's parent; null for a
   * first message), read from the store since the cached window is the active branch's. The
   * running summary is used when the path leaves the active branch after what it covers.
   */
  async windowAt(viewer: Viewer, conversation: ConversationRecord, throughId: string | null, reserveTokens = 0): Promise<ChatTurn[]> {
    this.assertOwner(viewer, conversation);
    const { maxMessages } = this.options;
    let summary = conversation.summary;
    let path = throughId === null ? [] : await this.deps.store.listPath(viewer.id, conversation.id, throughId, { limit: maxMessages, afterSeq: conversation.summaryThroughSeq });
    // An active message after the summary on this path: it parts from the active branch after
    // everything the summary covers. Otherwise the summary may describe turns not on this path.
    if (summary !== null && !path.some((message) => message.active)) {
      summary = null;
      path = throughId === null ? [] : await this.deps.store.listPath(viewer.id, conversation.id, throughId, { limit: maxMessages });
    }
    const turns = path.reverse().flatMap((message) => toTurn(message) ?? []);
    const parts = { systemPrompt: conversation.systemPrompt, summary, turns };
    return this.fitter.fit(conversation.model, parts, this.options.maxContextTokens - reserveTokens, maxMessages).messages;
  }

  /**
   * Write-through once an exchange is stored and settled: appends the user turn and, when the
   * reply is COMPLETE, the assistant turn (pass null for a FAILED or DEGRADED one). `throughSeq`
   * is the reply's seq. Never rejects; a cache that cannot take the append is dropped or caught
   * stale by the next read.
   */
  async appendExchange(
    viewer: Viewer,
    conversation: ConversationRecord,
    userTurn: ChatTurn,
    assistantTurn: ChatTurn | null,
    throughSeq: number,
  ): Promise<void> {
    if (conversation.userId !== viewer.id) return;
    const turns = assistantTurn ? [userTurn, assistantTurn] : [userTurn];
    // beginExchange numbers the user message throughSeq - 1 and its reply throughSeq.
    await this.deps.cache.append(conversation.id, turns, throughSeq, throughSeq - 2, this.options.maxMessages);
  }

  private assertOwner(viewer: Viewer, conversation: ConversationRecord): void {
    // The cache is keyed by conversation only; this check is what keeps it per user.
    if (conversation.userId !== viewer.id) throw new NotFoundError('Conversation not found');
  }

  private async load(viewer: Viewer, conversation: ConversationRecord): Promise<CachedContext> {
    if (conversation.lastMessageSeq === 0) return this.empty(conversation);
    const cached = await this.deps.cache.get(conversation.id);
    const hit = cached !== null && isCurrent(cached, conversation);
    this.deps.onCache?.('context', hit ? 'hit' : 'miss');
    return hit ? cached : this.rebuild(viewer, conversation);
  }

  private async rebuild(viewer: Viewer, conversation: ConversationRecord): Promise<CachedContext> {
    const history = await readHistory(this.deps.store, viewer.id, conversation, this.options.maxMessages);
    const context = toCachedContext(history, conversation);
    // A PENDING reply may complete, and find nothing to append to, before this write lands;
    // the cached window would then cover its seq without it and still look current.
    if (history.firstPendingSeq === null) await this.deps.cache.set(conversation.id, context);
    return context;
  }

  /**
   * A conversation without messages has no history to read, so a first turn waits for neither the
   * cache nor the store. Its empty window is cached behind the reply (commands to one Redis keep
   * their order), so the first reply's append lands on it and the second turn is a hit.
   */
  private empty(conversation: ConversationRecord): CachedContext {
    const context = toCachedContext({ turns: [], throughSeq: 0, firstPendingSeq: null }, conversation);
    void this.deps.cache.set(conversation.id, context).catch((error: unknown) => this.deps.log.warn('context not cached', { conversationId: conversation.id, err: error }));
    return context;
  }

  private fit(conversation: ConversationRecord, context: CachedContext, budget: number): FittedWindow {
    const parts = { systemPrompt: conversation.systemPrompt, summary: context.summary, turns: context.turns };
    return this.fitter.fit(conversation.model, parts, budget, this.options.maxMessages);
  }

  /**
   * Summarises all but the newest keepRecentTurns turns into the running summary, stores it
   * (only over the summary it was built on) and caches the result. Null when there is nothing
   * to summarise or the summariser failed: the caller then drops the oldest turns.
   */
  private async compact(viewer: Viewer, conversation: ConversationRecord): Promise<CachedContext | null> {
    const history = await readHistory(this.deps.store, viewer.id, conversation, this.options.maxMessages);
    const older = this.olderTurns(history);
    const last = older.at(-1);
    if (!last) return null;
    const summary = await this.summarise(conversation, older);
    if (summary === null) return null;
    const applied = await this.deps.store.saveSummary(viewer.id, conversation.id, summary, last.seq, conversation.summaryThroughSeq);
    const next: CachedContext = {
      turns: history.turns.filter((item) => item.seq > last.seq).map((item) => item.turn),
      throughSeq: history.throughSeq,
      summary,
      summaryThroughSeq: last.seq,
      systemPromptVersion: conversation.systemPromptVersion,
      branchVersion: conversation.branchVersion,
    };
    // Not applied: a racing summariser stored another one, and the cache is its to write.
    if (applied && history.firstPendingSeq === null) await this.deps.cache.set(conversation.id, next);
    this.deps.log.info('conversation summarised', { conversationId: conversation.id, throughSeq: last.seq, stored: applied });
    return next;
  }

  /** The turns a summary may take: not the newest keepRecentTurns, nor any at or after a PENDING reply. */
  private olderTurns(history: History): HistoryTurn[] {
    const older = history.turns.slice(0, Math.max(0, history.turns.length - this.options.keepRecentTurns));
    const pending = history.firstPendingSeq;
    return pending === null ? older : older.filter((item) => item.seq < pending);
  }

  private async summarise(conversation: ConversationRecord, older: HistoryTurn[]): Promise<string | null> {
    try {
      return await this.summarizer.summarize(conversation.summary, older.map((item) => item.turn));
    } catch (error: unknown) {
      this.deps.log.warn('conversation summary failed: dropping the oldest turns instead', {
        conversationId: conversation.id,
        err: error,
      });
      return null;
    }
  }
}

/** Whether a cached window may stand in for a store read, given the conversation as just read. */
function isCurrent(cached: CachedContext, conversation: ConversationRecord): boolean {
  return (
    cached.systemPromptVersion === conversation.systemPromptVersion &&
    cached.branchVersion === conversation.branchVersion &&
    cached.summaryThroughSeq === conversation.summaryThroughSeq &&
    cached.summary === conversation.summary &&
    cached.throughSeq >= conversation.lastMessageSeq
  );
}
