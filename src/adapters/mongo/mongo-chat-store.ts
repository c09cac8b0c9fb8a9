import { Types, type ClientSession, type Connection } from 'mongoose';
import type {
  BeginExchangeResult,
  ChatStore,
  ConversationPage,
  ConversationRecord,
  Exchange,
  FinishExchange,
  MessagePage,
  MessageRecord,
  NewConversation,
  NewExchange,
  UsageLedgerEntry,
} from '../../ports/chat-store';
import { chatModels, type ChatModels, type MessageDoc } from './chat-models';
import { CONVERSATION_FIELDS, toConversation, toMessage } from './chat-records';

const TRANSACTION_OPTIONS = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
} as const;

/** Thrown inside a transaction callback to roll it back; never escapes this file. */
class Rollback extends Error {}

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
    await this.models.conversations.createIndexes();
    await this.models.messages.createIndexes();
    await this.models.ledger.createIndexes();
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
    const docs = await this.models.conversations
      .find({ userId, ...filter }, CONVERSATION_FIELDS)
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(page.limit)
      .lean();
    return docs.map(toConversation);
  }

  async renameConversation(userId: string, id: string, title: string): Promise<ConversationRecord | null> {
    const _id = objectId(id);
    if (!_id) return null;
    const doc = await this.models.conversations
      .findOneAndUpdate({ _id, userId }, { $set: { title }, $inc: { version: 1 } }, { new: true, projection: CONVERSATION_FIELDS })
      .lean();
    return doc ? toConversation(doc) : null;
  }

  async updateSystemPrompt(userId: string, id: string, systemPrompt: string | null): Promise<ConversationRecord | null> {
    const _id = objectId(id);
    if (!_id) return null;
    const doc = await this.models.conversations
      .findOneAndUpdate(
        { _id, userId },
        { $set: { systemPrompt }, $inc: { version: 1, systemPromptVersion: 1 } },
        { new: true, projection: CONVERSATION_FIELDS },
      )
      .lean();
    return doc ? toConversation(doc) : null;
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
    const filter = { userId, conversationId: _id, ...(Object.keys(seq).length > 0 ? { seq } : {}) };
    const docs = await this.models.messages
      .find(filter)
      .sort({ seq: page.direction === 'asc' ? 1 : -1 })
      .limit(page.limit)
      .lean<MessageDoc[]>();
    return docs.map(toMessage);
  }

  async beginExchange(input: NewExchange): Promise<BeginExchangeResult> {
    const _id = objectId(input.conversationId);
    if (!_id) return { kind: 'not_found' };
    try {
      const exchange = await this.transaction((session) => this.insertExchange(_id, input, session), null);
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
    const userMessage = await this.models.messages.findOne({ conversationId: _id, userId, clientMessageId }).lean<MessageDoc>();
    if (!userMessage) return null;
    const reply = await this.models.messages
      .findOne({ userId, conversationId: _id, seq: userMessage.seq + 1 })
      .lean<MessageDoc>();
    return reply ? { userMessage: toMessage(userMessage), assistantMessage: toMessage(reply) } : null;
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
          { new: true, session },
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
    const conversation = await this.models.conversations
      .findOneAndUpdate(
        { _id: conversationId, userId: input.userId },
        { $inc: { seqCounter: 2, messageCount: 1, version: 1 }, $set: { lastMessageAt: now } },
        { new: true, session, projection: { seqCounter: 1 } },
      )
      .lean();
    if (!conversation) throw new Rollback();
    const base = { conversationId, userId: input.userId, usage: null, error: null };
    const [userMessage, assistantMessage] = await this.models.messages.insertMany(
      [
        { ...base, seq: conversation.seqCounter - 1, role: 'USER', content: input.content, status: 'COMPLETE', model: null,
          ...(input.clientMessageId === null ? {} : { clientMessageId: input.clientMessageId }) },
        { ...base, seq: conversation.seqCounter, role: 'ASSISTANT', content: '', status: 'PENDING', model: input.model },
      ],
      { session, ordered: true },
    );
    if (!userMessage || !assistantMessage) throw new Error('insertMany returned fewer documents than given');
    return { userMessage: toMessage(userMessage.toObject()), assistantMessage: toMessage(assistantMessage.toObject()) };
  }

  /** Runs `work` in a transaction; a Rollback inside it aborts and yields `onRollback`. */
  private async transaction<T>(work: (session: ClientSession) => Promise<T>, onRollback: T): Promise<T> {
    const session = await this.connection.startSession();
    try {
      return await session.withTransaction(() => work(session), TRANSACTION_OPTIONS);
    } catch (error: unknown) {
      if (error instanceof Rollback) return onRollback;
      throw error;
    } finally {
      await session.endSession();
    }
  }
}

function keysetAfter(lastMessageAt: Date, id: string): Record<string, unknown> {
  const _id = objectId(id) ?? new Types.ObjectId('000000000000000000000000');
  return { $or: [{ lastMessageAt: { $lt: lastMessageAt } }, { lastMessageAt, _id: { $lt: _id } }] };
}
