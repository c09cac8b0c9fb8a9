import type {
  BeginExchangeResult,
  ChatStore,
  ConversationPage,
  ConversationPatch,
  ConversationRecord,
  Exchange,
  FinishExchange,
  MessagePage,
  MessageRating,
  MessageRecord,
  NewBranch,
  NewConversation,
  NewExchange,
  SiblingSet,
  UsageLedgerEntry,
} from '../../ports/chat-store';
import { hasAllTerms } from '../../ports/search-terms';
import { keepsSummary, newestLeafUnder, planActivePath, type TreeNode } from '../tree/branch-plan';
import { newObjectId } from './object-id';
import { compareConversations, isAfterKey } from './ordering';

/**
 * A ChatStore in process memory with MongoChatStore's semantics: per-user scoping, unique
 * (conversationId, clientMessageId), all-or-nothing multi-record writes. Each write runs
 * synchronously after its checks, so no other call can interleave with it. Returned
 * records are copies: callers can never mutate stored state.
 */
export class MemoryChatStore implements ChatStore {
  private readonly conversations = new Map<string, ConversationRecord>();
  private readonly messages = new Map<string, MessageRecord[]>();
  /** Every message by id, so a lookup by id does not scan every conversation. */
  private readonly byId = new Map<string, MessageRecord>();
  private readonly ledger = new Map<string, UsageLedgerEntry>();
  private closed = false;

  async createConversation(input: NewConversation): Promise<ConversationRecord> {
    this.assertOpen();
    const now = new Date();
    const record: ConversationRecord = {
      id: newObjectId(now.getTime()),
      titleSource: 'USER',
      temperature: null,
      maxTokens: null,
      ...input,
      archived: false,
      messageCount: 0,
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      lastMessageAt: now,
      lastMessageSeq: 0,
      version: 0,
      systemPromptVersion: 1,
      summary: null,
      summaryThroughSeq: 0,
      activeLeafId: null,
      branchVersion: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.conversations.set(record.id, record);
    this.messages.set(record.id, []);
    return structuredClone(record);
  }

  async getConversation(userId: string, id: string): Promise<ConversationRecord | null> {
    this.assertOpen();
    const found = this.owned(userId, id);
    return found ? structuredClone(found) : null;
  }

  async listConversations(userId: string, page: ConversationPage): Promise<ConversationRecord[]> {
    this.assertOpen();
    const terms = page.terms ?? [];
    const matches = (item: ConversationRecord) =>
      terms.length === 0 || hasAllTerms(item.title, terms) || (this.messages.get(item.id) ?? []).some((message) => hasAllTerms(message.content, terms));
    return [...this.conversations.values()]
      .filter((item) => item.userId === userId && item.archived === (page.archived ?? false) && (!page.after || isAfterKey(item, page.after)))
      .filter(matches)
      .sort(compareConversations)
      .slice(0, page.limit)
      .map((item) => structuredClone(item));
  }

  async renameConversation(userId: string, id: string, title: string): Promise<ConversationRecord | null> {
    return this.updateConversation(userId, id, { title });
  }

  async updateSystemPrompt(userId: string, id: string, systemPrompt: string | null): Promise<ConversationRecord | null> {
    return this.updateConversation(userId, id, { systemPrompt });
  }

  async updateConversation(userId: string, id: string, patch: ConversationPatch): Promise<ConversationRecord | null> {
    this.assertOpen();
    const found = this.owned(userId, id);
    if (!found) return null;
    const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const promptChanged = patch.systemPrompt !== undefined || patch.model !== undefined;
    Object.assign(found, {
      ...set,
      ...(patch.title === undefined ? {} : { titleSource: 'USER' }),
      systemPromptVersion: found.systemPromptVersion + (promptChanged ? 1 : 0),
      version: found.version + 1,
      updatedAt: new Date(),
    });
    return structuredClone(found);
  }

  async setGeneratedTitle(userId: string, id: string, title: string): Promise<boolean> {
    this.assertOpen();
    const found = this.owned(userId, id);
    if (!found || found.titleSource !== 'DEFAULT') return false;
    Object.assign(found, { title, titleSource: 'GENERATED', version: found.version + 1, updatedAt: new Date() });
    return true;
  }

  async saveSummary(
    userId: string,
    conversationId: string,
    summary: string,
    throughSeq: number,
    expectedThroughSeq: number,
  ): Promise<boolean> {
    this.assertOpen();
    const found = this.owned(userId, conversationId);
    if (!found || found.summaryThroughSeq !== expectedThroughSeq) return false;
    if (throughSeq <= expectedThroughSeq || throughSeq > found.lastMessageSeq) return false;
    Object.assign(found, { summary, summaryThroughSeq: throughSeq, version: found.version + 1, updatedAt: new Date() });
    return true;
  }

  async deleteConversation(userId: string, id: string): Promise<boolean> {
    this.assertOpen();
    if (!this.owned(userId, id)) return false;
    this.conversations.delete(id);
    for (const message of this.messages.get(id) ?? []) this.byId.delete(message.id);
    this.messages.delete(id);
    return true;
  }

  async listMessages(userId: string, conversationId: string, page: MessagePage): Promise<MessageRecord[]> {
    this.assertOpen();
    if (!this.owned(userId, conversationId)) return [];
    const all = this.messages.get(conversationId) ?? [];
    const inRange = all.filter(
      (item) =>
        item.active &&
        (page.afterSeq === undefined || item.seq > page.afterSeq) &&
        (page.beforeSeq === undefined || item.seq < page.beforeSeq),
    );
    const ordered = page.direction === 'asc' ? inRange : [...inRange].reverse();
    return ordered.slice(0, page.limit).map((item) => structuredClone(item));
  }

  async listMessagesOfConversations(userId: string, conversationIds: string[], page: { limit: number; direction: 'asc' | 'desc' }): Promise<Map<string, MessageRecord[]>> {
    this.assertOpen();
    const found = new Map<string, MessageRecord[]>();
    for (const id of new Set(conversationIds)) found.set(id, await this.listMessages(userId, id, page));
    return found;
  }

  async beginExchange(input: NewExchange): Promise<BeginExchangeResult> {
    this.assertOpen();
    const conversation = this.owned(input.userId, input.conversationId);
    if (!conversation) return { kind: 'not_found' };
    const duplicate = this.duplicateOf(input);
    if (duplicate) return duplicate;
    const exchange = this.addExchange(conversation, input, conversation.activeLeafId, input.content, input.clientMessageId, null);
    return { kind: 'created', exchange: structuredClone(exchange) };
  }

  async listPath(userId: string, conversationId: string, leafId: string, page: { limit: number; afterSeq?: number }): Promise<MessageRecord[]> {
    this.assertOpen();
    if (!this.owned(userId, conversationId)) return [];
    const path: MessageRecord[] = [];
    for (let message = this.byId.get(leafId); message && message.conversationId === conversationId && path.length < page.limit; ) {
      if (page.afterSeq !== undefined && message.seq <= page.afterSeq) break;
      path.push(structuredClone(message));
      message = message.parentId === null ? undefined : this.byId.get(message.parentId);
    }
    return path;
  }

  async listSiblings(userId: string, conversationId: string, parentIds: Array<string | null>): Promise<SiblingSet[]> {
    this.assertOpen();
    if (!this.owned(userId, conversationId)) return [];
    const all = this.messages.get(conversationId) ?? [];
    return [...new Set(parentIds)].map((parentId) => ({ parentId, ids: all.filter((item) => item.parentId === parentId).map((item) => item.id) }));
  }

  async beginBranch(input: NewBranch): Promise<BeginExchangeResult> {
    this.assertOpen();
    const conversation = this.owned(input.userId, input.conversationId);
    if (!conversation) return { kind: 'not_found' };
    const duplicate = this.duplicateOf(input);
    if (duplicate) return duplicate;
    const parent = input.parentId === null ? null : this.byId.get(input.parentId);
    if (parent === undefined || (parent && parent.conversationId !== conversation.id)) return { kind: 'not_found' };
    // A regenerate answers a user message; an edit goes under the edited message's parent.
    if (input.userContent === null ? parent?.role !== 'USER' : parent !== null && parent.role !== 'ASSISTANT') return { kind: 'not_found' };
    this.moveActivePath(conversation, input.parentId);
    const exchange = input.userContent === null
      ? this.addExchange(conversation, input, null, null, input.clientMessageId, parent)
      : this.addExchange(conversation, input, input.parentId, input.userContent, input.clientMessageId, null);
    return { kind: 'created', exchange: structuredClone(exchange) };
  }

  async selectBranch(userId: string, conversationId: string, messageId: string): Promise<ConversationRecord | null> {
    this.assertOpen();
    const conversation = this.owned(userId, conversationId);
    const message = this.byId.get(messageId);
    if (!conversation || !message || message.conversationId !== conversationId) return null;
    const leaf = newestLeafUnder(this.tree(conversationId), messageId);
    if (leaf !== conversation.activeLeafId) {
      this.moveActivePath(conversation, leaf);
      Object.assign(conversation, { activeLeafId: leaf, version: conversation.version + 1, updatedAt: new Date() });
    }
    return structuredClone(conversation);
  }

  /** Makes the path to `pathEnd` the active branch (see planActivePath); the caller sets activeLeafId. */
  private moveActivePath(conversation: ConversationRecord, pathEnd: string | null): void {
    const plan = planActivePath(this.tree(conversation.id), pathEnd);
    for (const id of plan.deactivate) this.byId.get(id)!.active = false;
    for (const id of plan.activate) this.byId.get(id)!.active = true;
    const summary = keepsSummary(conversation.summaryThroughSeq, plan.forkSeq) ? {} : { summary: null, summaryThroughSeq: 0 };
    Object.assign(conversation, { ...summary, branchVersion: conversation.branchVersion + 1 });
  }

  private tree(conversationId: string): Map<string, TreeNode> {
    return new Map((this.messages.get(conversationId) ?? []).map((item) => [item.id, item]));
  }

  /**
   * Adds a user message (when `content` is given, under `parentId`) and a PENDING reply to it,
   * or only a reply to `answered`; the reply becomes the active leaf.
   */
  private addExchange(
    conversation: ConversationRecord,
    input: { userId: string; conversationId: string; model: string },
    parentId: string | null,
    content: string | null,
    clientMessageId: string | null,
    answered: MessageRecord | null,
  ): Exchange {
    const now = new Date();
    let seq = conversation.lastMessageSeq;
    const list = this.messages.get(conversation.id)!;
    let userMessage = answered;
    if (content !== null) {
      seq += 1;
      userMessage = this.newMessage(input, seq, now, parentId, { role: 'USER', content, status: 'COMPLETE', clientMessageId });
      list.push(userMessage);
      this.byId.set(userMessage.id, userMessage);
    }
    seq += 1;
    const assistantMessage = this.newMessage(input, seq, now, userMessage!.id, {
      role: 'ASSISTANT', content: '', status: 'PENDING', clientMessageId: content === null ? clientMessageId : null,
    });
    list.push(assistantMessage);
    this.byId.set(assistantMessage.id, assistantMessage);
    Object.assign(conversation, {
      messageCount: conversation.messageCount + (content === null ? 0 : 1),
      lastMessageAt: now,
      lastMessageSeq: seq,
      activeLeafId: assistantMessage.id,
      version: conversation.version + 1,
      updatedAt: now,
    });
    return { userMessage: userMessage!, assistantMessage };
  }

  async findExchange(userId: string, conversationId: string, clientMessageId: string): Promise<Exchange | null> {
    this.assertOpen();
    if (!this.owned(userId, conversationId)) return null;
    const found = this.exchangeByClientId(conversationId, clientMessageId);
    return found ? structuredClone(found) : null;
  }

  async finishExchange(input: FinishExchange): Promise<MessageRecord | null> {
    this.assertOpen();
    const conversation = this.owned(input.userId, input.conversationId);
    const reply = this.messages.get(input.conversationId)?.find((item) => item.id === input.assistantMessageId);
    if (!conversation || !reply || reply.status !== 'PENDING') return null;
    const now = new Date();
    Object.assign(reply, {
      status: input.status, content: input.content, model: input.model,
      usage: input.usage, error: input.error, cache: input.cache ?? null, updatedAt: now,
    });
    const usage = input.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    Object.assign(conversation, {
      messageCount: conversation.messageCount + 1,
      lastMessageAt: now,
      usage: {
        promptTokens: conversation.usage.promptTokens + usage.promptTokens,
        completionTokens: conversation.usage.completionTokens + usage.completionTokens,
        totalTokens: conversation.usage.totalTokens + usage.totalTokens,
      },
      version: conversation.version + 1,
      updatedAt: now,
    });
    if (input.usage) this.charge(input.userId, now, input.usage, input.costMicroUsd);
    return structuredClone(reply);
  }

  async listUsage(userId: string, fromDay: string, toDay: string): Promise<UsageLedgerEntry[]> {
    this.assertOpen();
    return [...this.ledger.values()]
      .filter((entry) => entry.userId === userId && entry.day >= fromDay && entry.day <= toDay)
      .sort((a, b) => a.day.localeCompare(b.day))
      .map((entry) => ({ ...entry }));
  }

  private charge(userId: string, at: Date, usage: NonNullable<FinishExchange['usage']>, costMicroUsd: number): void {
    const day = at.toISOString().slice(0, 10);
    const key = `${userId}\u0000${day}`;
    const entry = this.ledger.get(key) ?? { userId, day, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicroUsd: 0, replies: 0 };
    this.ledger.set(key, {
      ...entry,
      promptTokens: entry.promptTokens + usage.promptTokens,
      completionTokens: entry.completionTokens + usage.completionTokens,
      totalTokens: entry.totalTokens + usage.totalTokens,
      costMicroUsd: entry.costMicroUsd + costMicroUsd,
      replies: entry.replies + 1,
    });
  }

  async getMessage(userId: string, messageId: string): Promise<MessageRecord | null> {
    this.assertOpen();
    const found = this.byId.get(messageId);
    return found && found.userId === userId ? structuredClone(found) : null;
  }

  async rateMessage(userId: string, messageId: string, rating: MessageRating | null, comment: string | null): Promise<MessageRecord | null> {
    this.assertOpen();
    const found = this.byId.get(messageId);
    if (!found || found.userId !== userId) return null;
    Object.assign(found, { rating, ratingComment: rating === null ? null : comment, updatedAt: new Date() });
    return structuredClone(found);
  }

  async savePartialReply(userId: string, conversationId: string, assistantMessageId: string, content: string): Promise<boolean> {
    this.assertOpen();
    if (!this.owned(userId, conversationId)) return false;
    const reply = this.messages.get(conversationId)?.find((item) => item.id === assistantMessageId);
    if (!reply || reply.status !== 'PENDING') return false;
    Object.assign(reply, { content, updatedAt: new Date() });
    return true;
  }

  async failStalePending(olderThan: Date, error: string): Promise<number> {
    this.assertOpen();
    let count = 0;
    for (const list of this.messages.values()) {
      for (const item of list) {
        if (item.status !== 'PENDING' || item.updatedAt >= olderThan) continue;
        Object.assign(item, { status: 'FAILED', error, updatedAt: new Date() });
        count += 1;
      }
    }
    return count;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private owned(userId: string, id: string): ConversationRecord | undefined {
    const found = this.conversations.get(id);
    return found && found.userId === userId ? found : undefined;
  }

  /** A write whose clientMessageId was stored before is answered with what was stored then. */
  private duplicateOf(input: { conversationId: string; clientMessageId: string | null }): BeginExchangeResult | null {
    const existing = input.clientMessageId === null ? null : this.exchangeByClientId(input.conversationId, input.clientMessageId);
    return existing ? { kind: 'duplicate', exchange: structuredClone(existing) } : null;
  }

  private exchangeByClientId(conversationId: string, clientMessageId: string): Exchange | null {
    const list = this.messages.get(conversationId) ?? [];
    const found = list.find((item) => item.clientMessageId === clientMessageId);
    if (!found) return null;
    if (found.role === 'ASSISTANT') {
      const userMessage = found.parentId === null ? undefined : this.byId.get(found.parentId);
      return userMessage ? { userMessage, assistantMessage: found } : null;
    }
    // The reply stored with it, right after it.
    const assistantMessage = list.find((item) => item.parentId === found.id && item.seq === found.seq + 1);
    return assistantMessage ? { userMessage: found, assistantMessage } : null;
  }

  private newMessage(
    input: { userId: string; conversationId: string; model: string },
    seq: number,
    now: Date,
    parentId: string | null,
    fields: Pick<MessageRecord, 'role' | 'content' | 'status' | 'clientMessageId'>,
  ): MessageRecord {
    return {
      id: newObjectId(now.getTime()),
      conversationId: input.conversationId,
      userId: input.userId,
      seq,
      parentId,
      active: true,
      model: fields.role === 'ASSISTANT' ? input.model : null,
      usage: null,
      error: null,
      cache: null,
      rating: null,
      ratingComment: null,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryChatStore is closed');
  }
}
