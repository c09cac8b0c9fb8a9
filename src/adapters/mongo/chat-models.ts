import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { CacheMark, MessageRating, MessageRole, MessageStatus, TitleSource, TokenUsage, UsageLedgerEntry } from '../../ports/chat-store';

export interface ConversationDoc {
  _id: Types.ObjectId;
  userId: string;
  title: string;
  /** Absent on conversations stored before title sources existed. */
  titleSource?: TitleSource;
  systemPrompt: string | null;
  model: string;
  temperature?: number | null;
  maxTokens?: number | null;
  /** Absent on conversations stored before archiving existed, until init() sets it. */
  archived?: boolean;
  messageCount: number;
  /** Highest message seq handed out; bumped inside the transaction that inserts messages. */
  seqCounter: number;
  usage: TokenUsage;
  lastMessageAt: Date;
  version: number;
  /** Absent on conversations stored before system prompts were versioned. */
  systemPromptVersion?: number;
  summary?: string | null;
  summaryThroughSeq?: number;
  /** Absent on conversations stored before branches existed, until init() sets it. */
  activeLeafId?: Types.ObjectId | null;
  branchVersion?: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageDoc {
  _id: Types.ObjectId;
  conversationId: Types.ObjectId;
  userId: string;
  seq: number;
  /** Absent (with `active`) on messages stored before branches existed, until init() sets both. */
  parentId?: Types.ObjectId | null;
  active?: boolean;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  usage: TokenUsage | null;
  clientMessageId?: string;
  error: string | null;
  cache?: CacheMark | null;
  rating?: MessageRating | null;
  ratingComment?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const usageSchema = new Schema<TokenUsage>(
  {
    promptTokens: { type: Number, required: true, default: 0 },
    completionTokens: { type: Number, required: true, default: 0 },
    totalTokens: { type: Number, required: true, default: 0 },
  },
  { _id: false },
);

const conversationSchema = new Schema<ConversationDoc>(
  {
    userId: { type: String, required: true },
    title: { type: String, required: true },
    titleSource: { type: String, enum: ['DEFAULT', 'USER', 'GENERATED'], default: 'USER' },
    systemPrompt: { type: String, default: null },
    model: { type: String, required: true },
    temperature: { type: Number, default: null },
    maxTokens: { type: Number, default: null },
    archived: { type: Boolean, required: true, default: false },
    messageCount: { type: Number, required: true, default: 0 },
    seqCounter: { type: Number, required: true, default: 0 },
    usage: { type: usageSchema, required: true, default: () => ({}) },
    lastMessageAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
    systemPromptVersion: { type: Number, required: true, default: 1 },
    summary: { type: String, default: null },
    summaryThroughSeq: { type: Number, required: true, default: 0 },
    activeLeafId: { type: Schema.Types.ObjectId, default: null },
    branchVersion: { type: Number, required: true, default: 0 },
  },
  // bufferTimeoutMS: while disconnected, a query waits this long for the connection, then fails.
  { collection: 'conversations', timestamps: true, versionKey: false, bufferTimeoutMS: 5_000 },
);
// listConversations: one user's archived or other conversations, newest activity first, keyset on (lastMessageAt, _id).
conversationSchema.index({ userId: 1, archived: 1, lastMessageAt: -1, _id: -1 });
// Search by title: one user's conversations (userId must be matched exactly), words as they are.
conversationSchema.index({ userId: 1, title: 'text' }, { default_language: 'none', language_override: 'textLanguage' });

const messageSchema = new Schema<MessageDoc>(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: String, required: true },
    seq: { type: Number, required: true },
    parentId: { type: Schema.Types.ObjectId, default: null },
    active: { type: Boolean, required: true, default: true },
    role: { type: String, required: true, enum: ['USER', 'ASSISTANT', 'SYSTEM'] },
    content: { type: String, default: '' },
    status: { type: String, required: true, enum: ['PENDING', 'COMPLETE', 'FAILED', 'DEGRADED', 'CANCELLED'] },
    model: { type: String, default: null },
    usage: { type: usageSchema, default: null },
    clientMessageId: { type: String },
    error: { type: String, default: null },
    cache: { type: new Schema({ level: String, similarity: Number }, { _id: false }), default: null },
    rating: { type: String, enum: ['UP', 'DOWN', null], default: null },
    ratingComment: { type: String, default: null },
  },
  { collection: 'messages', timestamps: true, versionKey: false, bufferTimeoutMS: 5_000 },
);
// History pages and context windows: one user's conversation in seq order, both directions.
// seq replaces createdAt as the key because timestamps tie; unique makes the order total.
messageSchema.index({ userId: 1, conversationId: 1, seq: -1 }, { unique: true });
// Active-branch pages and context windows (listMessages), and list previews
// (listMessagesOfConversations, $in on conversationId): the same order, within the active branch.
messageSchema.index({ userId: 1, conversationId: 1, active: 1, seq: -1 });
// Siblings (listSiblings): a message's children in seq order; its conversationId prefix also
// serves the tree read of beginBranch and selectBranch. The walk up a path (listPath,
// $graphLookup on _id) uses the _id index.
messageSchema.index({ conversationId: 1, parentId: 1, seq: 1 });
// Search by message text, within one user's messages (listConversations with terms).
messageSchema.index({ userId: 1, content: 'text' }, { default_language: 'none', language_override: 'textLanguage' });
// Idempotent sends: one user message per (conversation, clientMessageId) when one is given.
messageSchema.index(
  { conversationId: 1, clientMessageId: 1 },
  { unique: true, partialFilterExpression: { clientMessageId: { $type: 'string' } } },
);
// The sweep of replies whose generator died: PENDING ones by their last write (partial text bumps it).
messageSchema.index({ updatedAt: 1 }, { partialFilterExpression: { status: 'PENDING' } });

const ledgerSchema = new Schema<UsageLedgerEntry>(
  {
    userId: { type: String, required: true },
    day: { type: String, required: true },
    promptTokens: { type: Number, required: true, default: 0 },
    completionTokens: { type: Number, required: true, default: 0 },
    totalTokens: { type: Number, required: true, default: 0 },
    costMicroUsd: { type: Number, required: true, default: 0 },
    replies: { type: Number, required: true, default: 0 },
  },
  { collection: 'usage_ledger', versionKey: false, bufferTimeoutMS: 5_000 },
);
// One entry per user per UTC day (upserted with each reply); also serves range reads by day.
ledgerSchema.index({ userId: 1, day: 1 }, { unique: true });

export interface ChatModels {
  conversations: Model<ConversationDoc>;
  messages: Model<MessageDoc>;
  ledger: Model<UsageLedgerEntry>;
}

export function chatModels(connection: Connection): ChatModels {
  return {
    conversations: connection.model<ConversationDoc>('Conversation', conversationSchema),
    messages: connection.model<MessageDoc>('Message', messageSchema),
    ledger: connection.model<UsageLedgerEntry>('UsageLedger', ledgerSchema),
  };
}
