import { Types, type ClientSession, type Connection } from 'mongoose';
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
import { keepsSummary, newestLeafUnder, planActivePath, type TreeNode } from '../tree/branch-plan';
import { chatModels, type ChatModels, type MessageDoc } from './chat-models';
import { assertTransactional } from './mongo-connection';
import { CONVERSATION_FIELDS, toConversation, toMessage } from './chat-records';

const TRANSACTION_OPTIONS = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
} as const;

/** Thrown inside a transaction callback to roll it back; never escapes this file. */
class Rollback extends Error {}

/** Runs of one transaction's callback (first try and retries after transient errors) before giving up. */
const MAX_TRANSACTION_ATTEMPTS = 5;

/** A transaction that kept hitting transient errors (write conflicts, elections). */
class TransactionGaveUp extends Error {
  constructor(attempts: number) {
    super(`transaction gave up after ${attempts} attempts that hit transient errors`);
    this.name = 'TransactionGaveUp';
  }
}

const objectId = (id: string): Types.ObjectId | null =>
  /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;

const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;

/**
 * ChatStore on MongoDB through mongoose. Needs a replica set: multi-document writes run in
 * transactions (snapshot reads, majority writes). Transaction callbacks only touch MongoDB,
 * because the driver may run them more than once.
 */
export class MongoChatStore implements ChatStore {
  private readonly models: ChatModels;

  constructor(private readonly connection: Connection) {
    this.models = chatModels(connection);
  }

  /** Creates indexes; run once at boot, before serving. */
  async init(): Promise<void> {
    await assertTransactional(this.connection);
    await this.models.conversations.createIndexes();
    await this.models.messages.createIndexes();
    await this.models.ledger.createIndexes();
    await this.migrateToTree();
    // Conversations stored before archiving existed are not archived; the list filters on false.
    await this.models.conversations.updateMany({ archived: { $exists: false } }, { $set: { archived: false } });
  }

  /**
   * Conversations stored before branches existed are one line of messages in seq order. Each
   * such message gets the one before it as its parent and joins the active branch, and each such
   * conversation gets its newest message as the active leaf. Idempotent (it only touches
   * documents without the new fields), so every instance may run it at boot.
   */
  private async migrateToTree(): Promise<void> {
    await this.models.messages.aggregate([
      { $match: { active: { $exists: false } } },
      { $setWindowFields: { partitionBy: '$conversationId', sortBy: { seq: 1 }, output: { parentId: { $shift: { output: '$_id', by: -1, default: null } } } } },
      { $project: { parentId: 1, active: { $literal: true } } },
      { $merge: { into: this.models.messages.collection.collectionName, on: '_id', whenMatched: 'merge', whenNotMatched: 'discard' } },
    ]);
    await this.models.messages.aggregate([
      { $sort: { conversationId: 1, seq: -1 } },
      { $group: { _id: '$conversationId', newest: { $first: '$_id' } } },
      { $lookup: { from: this.models.conversations.collection.collectionName, localField: '_id', foreignField: '_id', as: 'conversation' } },
      { $match: { 'conversation.activeLeafId': { $exists: false } } },
      { $project: { activeLeafId: '$newest', branchVersion: { $literal: 0 } } },
      { $merge: { into: this.models.conversations.collection.collectionName, on: '_id', whenMatched: 'merge', whenNotMatched: 'discard' } },
    ]);
  }

  async createConversation(input: NewConversation): Promise<ConversationRecord> {
    const now = new Date();
    const doc = await this.models.conversations.create({ ...input, lastMessageAt: now });
    return toConversation(doc.toObject());
  }

  async getConversation(userId: string, id: string): Promise<ConversationRecord | null> {
    const _id = objectId(id);
    if (!_id) return null;
    const doc = await this.models.conversations.findOne({ _id, userId }, CONVERSATION_FIELDS).lean();
    return doc ? toConversation(doc) : null;
  }

  async listConversations(userId: string, page: ConversationPage): Promise<ConversationRecord[]> {
    const filter = page.after ? keysetAfter(page.after.lastMessageAt, page.after.id) : {};
    const terms = page.terms ?? [];
    const matched = terms.length === 0 ? {} : { _id: { $in: await this.searchConversations(userId, terms) } };
    const docs = await this.models.conversations
      .find({ userId, archived: page.archived ?? false, ...matched, ...filter }, CONVERSATION_FIELDS)
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(page.limit)
      .lean();
    return docs.map(toConversation);
  }

  /**
   * Ids of the user's conversations whose title, or one of whose messages, has every term: one
   * $text query per collection (each term quoted, which makes them all required), both on text
   * indexes led by userId. The list query then orders and pages them by activity.
   */
  private async searchConversations(userId: string, terms: string[]): Promise<Types.ObjectId[]> {
    const $search = terms.map((term) => `"${term}"`).join(' ');
    const [titled, messaged] = await Promise.all([
      this.models.conversations.find({ userId, $text: { $search } }, { _id: 1 }).lean<Array<{ _id: Types.ObjectId }>>(),
      this.models.messages.aggregate<{ _id: Types.ObjectId }>([{ $match: { userId, $text: { $search } } }, { $group: { _id: '$conversationId' } }]),
    ]);
    return [...titled, ...messaged].map((doc) => doc._id);
  }

  async renameConversation(userId: string, id: string, title: string): Promise<ConversationRecord | null> {
    return this.updateConversation(userId, id, { title });
  }

  async updateSystemPrompt(userId: string, id: string, systemPrompt: string | null): Promise<ConversationRecord | null> {
    return this.updateConversation(userId, id, { systemPrompt });
  }

  async updateConversation(userId: string, id: string, patch: ConversationPatch): Promise<ConversationRecord | null> {
    const _id = objectId(id);
    if (!_id) return null;
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    if (patch.title !== undefined) set.titleSource = 'USER';
    const promptChanged = patch.systemPrompt !== undefined || patch.model !== undefined;
    const doc = await this.models.conversations
      .findOneAndUpdate(
        { _id, userId },
        { ...(Object.keys(set).length > 0 ? { $set: set } : {}), $inc: { version: 1, ...(promptChanged ? { systemPromptVersion: 1 } : {}) } },
        { returnDocument: 'after', projection: CONVERSATION_FIELDS },
      )
      .lean();
    return doc ? toConversation(doc) : null;
  }

  async setGeneratedTitle(userId: string, id: string, title: string): Promise<boolean> {
    const _id = objectId(id);
    if (!_id) return false;
    const { matchedCount } = await this.models.conversations.updateOne(
      { _id, userId, titleSource: 'DEFAULT' },
      { $set: { title, titleSource: 'GENERATED' }, $inc: { version: 1 } },
    );
    return matchedCount === 1;
  }

  async saveSummary(
    userId: string,
    conversationId: string,
    summary: string,
    throughSeq: number,
    expectedThroughSeq: number,
  ): Promise<boolean> {
    const _id = objectId(conversationId);
    if (!_id || throughSeq <= expectedThroughSeq) return false;
    // null also matches conversations stored before summaries existed (no field yet).
    const expected = expectedThroughSeq === 0 ? { $in: [0, null] } : expectedThroughSeq;
    const { matchedCount } = await this.models.conversations.updateOne(
      { _id, userId, summaryThroughSeq: expected, seqCounter: { $gte: throughSeq } },
      { $set: { summary, summaryThroughSeq: throughSeq }, $inc: { version: 1 } },
    );
    return matchedCount === 1;
  }

  async deleteConversation(userId: string, id: string): Promise<boolean> {
    const _id = objectId(id);
    if (!_id) return false;
    return this.transaction(async (session) => {
      const { deletedCount } = await this.models.conversations.deleteOne({ _id, userId }, { session });
      if (deletedCount === 0) throw new Rollback();
      await this.models.messages.deleteMany({ conversationId: _id }, { session });
      return true;
    }, false);
  }

  async listMessages(userId: string, conversationId: string, page: MessagePage): Promise<MessageRecord[]> {
    const _id = objectId(conversationId);
    if (!_id) return [];
    const seq: Record<string, number> = {};
    if (page.afterSeq !== undefined) seq.$gt = page.afterSeq;
    if (page.beforeSeq !== undefined) seq.$lt = page.beforeSeq;
    const filter = { userId, conversationId: _id, active: true, ...(Object.keys(seq).length > 0 ? { seq } : {}) };
    const docs = await this.models.messages
      .find(filter)
      .sort({ seq: page.direction === 'asc' ? 1 : -1 })
      .limit(page.limit)
      .lean<MessageDoc[]>();
    return docs.map(toMessage);
  }

  async listMessagesOfConversations(userId: string, conversationIds: string[], page: { limit: number; direction: 'asc' | 'desc' }): Promise<Map<string, MessageRecord[]>> {
    const ids = [...new Set(conversationIds)];
    const found = new Map<string, MessageRecord[]>(ids.map((id) => [id, []]));
    const keys = ids.flatMap((id) => objectId(id) ?? []);
    if (keys.length === 0 || page.limit < 1) return found;
    const order = page.direction === 'asc' ? 1 : -1;
    // One pass over the (userId, conversationId, active, seq) index; $topN keeps only `limit` per conversation.
    const groups = await this.models.messages.aggregate<{ _id: Types.ObjectId; messages: MessageDoc[] }>([
      { $match: { userId, conversationId: { $in: keys }, active: true } },
      { $group: { _id: '$conversationId', messages: { $topN: { n: page.limit, sortBy: { seq: order }, output: '$$ROOT' } } } },
    ]);
    for (const group of groups) found.set(group._id.toHexString(), group.messages.map(toMessage));
    return found;
  }

  async beginExchange(input: NewExchange): Promise<BeginExchangeResult> {
    const _id = objectId(input.conversationId);
    if (!_id) return { kind: 'not_found' };
    return this.insertOnce(input, (session) => this.insertExchange(_id, input, session));
  }

  /**
   * Runs an insert of messages in a transaction; a clientMessageId already stored (the unique
   * index refuses the insert) answers with the exchange stored then.
   */
  private async insertOnce(
    input: { userId: string; conversationId: string; clientMessageId: string | null },
    insert: (session: ClientSession) => Promise<Exchange>,
  ): Promise<BeginExchangeResult> {
    try {
      const exchange = await this.transaction(insert, null);
      return exchange ? { kind: 'created', exchange } : { kind: 'not_found' };
    } catch (error: unknown) {
      if (!isDuplicateKey(error) || input.clientMessageId === null) throw error;
      const existing = await this.findExchange(input.userId, input.conversationId, input.clientMessageId);
      if (!existing) throw error;
      return { kind: 'duplicate', exchange: existing };
    }
  }

  async findExchange(userId: string, conversationId: string, clientMessageId: string): Promise<Exchange | null> {
    const _id = objectId(conversationId);
    if (!_id) return null;
    const found = await this.models.messages.findOne({ conversationId: _id, userId, clientMessageId }).lean<MessageDoc>();
    if (!found) return null;
    if (found.role === 'ASSISTANT') {
      // A regenerate: the reply carries the id; the user message is its parent.
      const userMessage = found.parentId ? await this.models.messages.findOne({ _id: found.parentId, userId }).lean<MessageDoc>() : null;
      return userMessage ? { userMessage: toMessage(userMessage), assistantMessage: toMessage(found) } : null;
    }
    const reply = await this.models.messages
      .findOne({ userId, conversationId: _id, seq: found.seq + 1, parentId: found._id })
      .lean<MessageDoc>();
    return reply ? { userMessage: toMessage(found), assistantMessage: toMessage(reply) } : null;
  }

  async listPath(userId: string, conversationId: string, leafId: string, page: { limit: number; afterSeq?: number }): Promise<MessageRecord[]> {
    const [_id, leaf] = [objectId(conversationId), objectId(leafId)];
    if (!_id || !leaf || page.limit < 1) return [];
    const inRange = page.afterSeq === undefined ? {} : { seq: { $gt: page.afterSeq } };
    const [found] = await this.models.messages.aggregate<MessageDoc & { ancestors: MessageDoc[] }>([
      { $match: { _id: leaf, conversationId: _id, userId, ...inRange } },
      // Up the parent links: maxDepth 0 is the parent alone, so limit - 2 gives limit - 1 ancestors.
      ...(page.limit > 1
        ? [{ $graphLookup: {
          from: this.models.messages.collection.collectionName, startWith: '$parentId', connectFromField: 'parentId', connectToField: '_id',
          as: 'ancestors', maxDepth: page.limit - 2, restrictSearchWithMatch: { conversationId: _id, userId, ...inRange },
        } }]
        : []),
    ]);
    if (!found) return [];
    const { ancestors = [], ...leafDoc } = found;
    return [leafDoc as MessageDoc, ...ancestors].sort((a, b) => b.seq - a.seq).slice(0, page.limit).map(toMessage);
  }

  async listSiblings(userId: string, conversationId: string, parentIds: Array<string | null>): Promise<SiblingSet[]> {
    const _id = objectId(conversationId);
    if (!_id) return [];
    const parents = [...new Set(parentIds)];
    // An id that is no ObjectId has no children; it must not turn into null (the roots).
    const keys = parents.flatMap((id) => (id === null ? [null] : (objectId(id) ?? [])));
    const docs = await this.models.messages
      .find({ conversationId: _id, userId, parentId: { $in: keys } }, { _id: 1, parentId: 1, seq: 1 })
      .sort({ seq: 1 })
      .lean<Array<Pick<MessageDoc, '_id' | 'parentId' | 'seq'>>>();
    return parents.map((parentId) => ({
      parentId,
      ids: docs.filter((doc) => (doc.parentId?.toHexString() ?? null) === parentId).map((doc) => doc._id.toHexString()),
    }));
  }

  async beginBranch(input: NewBranch): Promise<BeginExchangeResult> {
    const _id = objectId(input.conversationId);
    const parentId = input.parentId === null ? null : objectId(input.parentId);
    if (!_id || (input.parentId !== null && parentId === null)) return { kind: 'not_found' };
    return this.insertOnce(input, (session) => this.insertBranch(_id, parentId, input, session));
  }

  async selectBranch(userId: string, conversationId: string, messageId: string): Promise<ConversationRecord | null> {
    const [_id, message] = [objectId(conversationId), objectId(messageId)];
    if (!_id || !message) return null;
    return this.transaction(async (session) => {
      const conversation = await this.models.conversations.findOne({ _id, userId }, CONVERSATION_FIELDS, { session }).lean();
      if (!conversation) throw new Rollback();
      const tree = await this.tree(_id, session);
      if (!tree.has(messageId)) throw new Rollback();
      const leaf = newestLeafUnder(tree, messageId);
      if (leaf === conversation.activeLeafId?.toHexString()) return toConversation(conversation);
      const branch = await this.moveActivePath(_id, tree, leaf, conversation.summaryThroughSeq ?? 0, session);
      const updated = await this.models.conversations
        .findOneAndUpdate({ _id, userId }, { $set: { activeLeafId: new Types.ObjectId(leaf), ...branch.set }, $inc: { version: 1, branchVersion: 1 } }, { returnDocument: 'after', session, projection: CONVERSATION_FIELDS })
        .lean();
      if (!updated) throw new Rollback();
      return toConversation(updated);
    }, null);
  }

  async finishExchange(input: FinishExchange): Promise<MessageRecord | null> {
    const conversationId = objectId(input.conversationId);
    const replyId = objectId(input.assistantMessageId);
    if (!conversationId || !replyId) return null;
    return this.transaction(async (session) => {
      const reply = await this.models.messages
        .findOneAndUpdate(
          { _id: replyId, conversationId, userId: input.userId, status: 'PENDING' },
          { $set: { status: input.status, content: input.content, model: input.model, usage: input.usage, error: input.error, cache: input.cache ?? null } },
          { returnDocument: 'after', session },
        )
        .lean<MessageDoc>();
      if (!reply) throw new Rollback();
      const usage = input.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      const { matchedCount } = await this.models.conversations.updateOne(
        { _id: conversationId, userId: input.userId },
        {
          $set: { lastMessageAt: reply.updatedAt },
          $inc: {
            messageCount: 1, version: 1, 'usage.promptTokens': usage.promptTokens,
            'usage.completionTokens': usage.completionTokens, 'usage.totalTokens': usage.totalTokens,
          },
        },
        { session },
      );
      if (matchedCount === 0) throw new Rollback();
      if (input.usage) await this.charge(input.userId, reply.updatedAt, input.usage, input.costMicroUsd, session);
      return toMessage(reply);
    }, null);
  }

  async listUsage(userId: string, fromDay: string, toDay: string): Promise<UsageLedgerEntry[]> {
    const docs = await this.models.ledger
      .find({ userId, day: { $gte: fromDay, $lte: toDay } }, { _id: 0 })
      .sort({ day: 1 })
      .lean<UsageLedgerEntry[]>();
    return docs.map(({ userId: owner, day, promptTokens, completionTokens, totalTokens, costMicroUsd, replies }) => ({
      userId: owner, day, promptTokens, completionTokens, totalTokens, costMicroUsd, replies,
    }));
  }

  private async charge(userId: string, at: Date, usage: NonNullable<FinishExchange['usage']>, costMicroUsd: number, session: ClientSession): Promise<void> {
    await this.models.ledger.updateOne(
      { userId, day: at.toISOString().slice(0, 10) },
      {
        $inc: {
          promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
          totalTokens: usage.totalTokens, costMicroUsd, replies: 1,
        },
      },
      { upsert: true, session },
    );
  }

  async getMessage(userId: string, messageId: string): Promise<MessageRecord | null> {
    const _id = objectId(messageId);
    if (!_id) return null;
    const doc = await this.models.messages.findOne({ _id, userId }).lean<MessageDoc>();
    return doc ? toMessage(doc) : null;
  }

  async rateMessage(userId: string, messageId: string, rating: MessageRating | null, comment: string | null): Promise<MessageRecord | null> {
    const _id = objectId(messageId);
    if (!_id) return null;
    const doc = await this.models.messages
      .findOneAndUpdate({ _id, userId }, { $set: { rating, ratingComment: rating === null ? null : comment } }, { returnDocument: 'after' })
      .lean<MessageDoc>();
    return doc ? toMessage(doc) : null;
  }

  async savePartialReply(userId: string, conversationId: string, assistantMessageId: string, content: string): Promise<boolean> {
    const [_id, conversation] = [objectId(assistantMessageId), objectId(conversationId)];
    if (!_id || !conversation) return false;
    // timestamps: true makes this bump updatedAt, which keeps a live reply out of the stale sweep.
    const { matchedCount } = await this.models.messages.updateOne(
      { _id, conversationId: conversation, userId, status: 'PENDING' },
      { $set: { content } },
    );
    return matchedCount === 1;
  }

  async failStalePending(olderThan: Date, error: string): Promise<number> {
    const { modifiedCount } = await this.models.messages.updateMany(
      { status: 'PENDING', updatedAt: { $lt: olderThan } },
      { $set: { status: 'FAILED', error } },
    );
    return modifiedCount;
  }

  async ping(): Promise<void> {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB is not connected');
    await db.admin().command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async insertExchange(conversationId: Types.ObjectId, input: NewExchange, session: ClientSession): Promise<Exchange> {
    const now = new Date();
    const [userMessageId, replyId] = [new Types.ObjectId(), new Types.ObjectId()];
    // The state before the update: the leaf the new message follows and the seq to continue from.
    const before = await this.models.conversations
      .findOneAndUpdate(
        { _id: conversationId, userId: input.userId },
        { $inc: { seqCounter: 2, messageCount: 1, version: 1 }, $set: { lastMessageAt: now, activeLeafId: replyId } },
        { returnDocument: 'before', session, projection: { seqCounter: 1, activeLeafId: 1 } },
      )
      .lean();
    if (!before) throw new Rollback();
    const base = { conversationId, userId: input.userId, usage: null, error: null, active: true };
    const [userMessage, assistantMessage] = await this.models.messages.insertMany(
      [
        { ...base, _id: userMessageId, parentId: before.activeLeafId ?? null, seq: before.seqCounter + 1, role: 'USER', content: input.content, status: 'COMPLETE', model: null,
          ...(input.clientMessageId === null ? {} : { clientMessageId: input.clientMessageId }) },
        { ...base, _id: replyId, parentId: userMessageId, seq: before.seqCounter + 2, role: 'ASSISTANT', content: '', status: 'PENDING', model: input.model },
      ],
      { session, ordered: true },
    );
    if (!userMessage || !assistantMessage) throw new Error('insertMany returned fewer documents than given');
    return { userMessage: toMessage(userMessage.toObject()), assistantMessage: toMessage(assistantMessage.toObject()) };
  }

  /** beginBranch inside its transaction: checks, moves the active path, then inserts the new messages. */
  private async insertBranch(conversationId: Types.ObjectId, parentId: Types.ObjectId | null, input: NewBranch, session: ClientSession): Promise<Exchange> {
    const conversation = await this.models.conversations.findOne({ _id: conversationId, userId: input.userId }, CONVERSATION_FIELDS, { session }).lean();
    if (!conversation) throw new Rollback();
    const parent = parentId ? await this.models.messages.findOne({ _id: parentId, conversationId, userId: input.userId }, null, { session }).lean<MessageDoc>() : null;
    if (parentId && !parent) throw new Rollback();
    const regenerate = input.userContent === null;
    if (regenerate ? parent?.role !== 'USER' : parent !== null && parent.role !== 'ASSISTANT') throw new Rollback();
    const tree = await this.tree(conversationId, session);
    const branch = await this.moveActivePath(conversationId, tree, input.parentId, conversation.summaryThroughSeq ?? 0, session);
    const now = new Date();
    const [userMessageId, replyId] = [regenerate ? parentId! : new Types.ObjectId(), new Types.ObjectId()];
    const added = regenerate ? 1 : 2;
    const before = await this.models.conversations
      .findOneAndUpdate(
        { _id: conversationId, userId: input.userId },
        {
          $inc: { seqCounter: added, messageCount: added - 1, version: 1, branchVersion: 1 },
          $set: { lastMessageAt: now, activeLeafId: replyId, ...branch.set },
        },
        { returnDocument: 'before', session, projection: { seqCounter: 1 } },
      )
      .lean();
    if (!before) throw new Rollback();
    const base = { conversationId, userId: input.userId, usage: null, error: null, active: true };
    const clientMessageId = input.clientMessageId === null ? {} : { clientMessageId: input.clientMessageId };
    const docs = [
      ...(regenerate ? [] : [{ ...base, _id: userMessageId, parentId, seq: before.seqCounter + 1, role: 'USER', content: input.userContent, status: 'COMPLETE', model: null, ...clientMessageId }]),
      { ...base, _id: replyId, parentId: userMessageId, seq: before.seqCounter + added, role: 'ASSISTANT', content: '', status: 'PENDING', model: input.model, ...(regenerate ? clientMessageId : {}) },
    ];
    const inserted = await this.models.messages.insertMany(docs, { session, ordered: true });
    const assistantMessage = inserted.at(-1);
    const userMessage = regenerate ? parent : inserted[0]?.toObject();
    if (!assistantMessage || !userMessage) throw new Error('insertMany returned fewer documents than given');
    return { userMessage: toMessage({ ...userMessage, active: true }), assistantMessage: toMessage(assistantMessage.toObject()) };
  }

  /** The conversation's message tree, ids and links only. */
  private async tree(conversationId: Types.ObjectId, session: ClientSession): Promise<Map<string, TreeNode>> {
    const docs = await this.models.messages
      .find({ conversationId }, { _id: 1, parentId: 1, seq: 1, active: 1 }, { session })
      .lean<Array<Pick<MessageDoc, '_id' | 'parentId' | 'seq' | 'active'>>>();
    return new Map(docs.map((doc) => {
      const id = doc._id.toHexString();
      return [id, { id, parentId: doc.parentId?.toHexString() ?? null, seq: doc.seq, active: doc.active ?? true }];
    }));
  }

  /** Applies planActivePath to the messages; returns the conversation fields the move changes. */
  private async moveActivePath(conversationId: Types.ObjectId, tree: Map<string, TreeNode>, pathEnd: string | null, summaryThroughSeq: number, session: ClientSession) {
    const plan = planActivePath(tree, pathEnd);
    const ids = (list: string[]) => list.map((id) => new Types.ObjectId(id));
    if (plan.deactivate.length > 0) await this.models.messages.updateMany({ conversationId, _id: { $in: ids(plan.deactivate) } }, { $set: { active: false } }, { session });
    if (plan.activate.length > 0) await this.models.messages.updateMany({ conversationId, _id: { $in: ids(plan.activate) } }, { $set: { active: true } }, { session });
    return { set: keepsSummary(summaryThroughSeq, plan.forkSeq) ? {} : { summary: null, summaryThroughSeq: 0 } };
  }

  /**
   * Runs `work` in a transaction through mongoose's connection.transaction() (which resets
   * document state between attempts); a Rollback inside it aborts and yields `onRollback`. The
   * driver runs `work` again on a TransientTransactionError and retries the commit on an
   * UnknownTransactionCommitResult; past MAX_TRANSACTION_ATTEMPTS runs it gives up with the
   * last error instead of retrying for the driver's two minutes.
   */
  private async transaction<T>(work: (session: ClientSession) => Promise<T>, onRollback: T): Promise<T> {
    let attempts = 0;
    try {
      return await this.connection.transaction(async (session) => {
        attempts += 1;
        if (attempts > MAX_TRANSACTION_ATTEMPTS) throw new TransactionGaveUp(attempts - 1);
        return work(session);
      }, TRANSACTION_OPTIONS);
    } catch (error: unknown) {
      if (error instanceof Rollback) return onRollback;
      throw error;
    }
  }
}

function keysetAfter(lastMessageAt: Date, id: string): Record<string, unknown> {
  const _id = objectId(id) ?? new Types.ObjectId('000000000000000000000000');
  return { $or: [{ lastMessageAt: { $lt: lastMessageAt } }, { lastMessageAt, _id: { $lt: _id } }] };
}
