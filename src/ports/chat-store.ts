export type MessageRole = 'USER' | 'ASSISTANT' | 'SYSTEM';
export type MessageStatus = 'PENDING' | 'COMPLETE' | 'FAILED' | 'DEGRADED' | 'CANCELLED';

export interface CacheMark {
  level: 'EXACT' | 'SIMILAR';
  similarity: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Who wrote a conversation's title: a generated one replaces only the default. */
export type TitleSource = 'DEFAULT' | 'USER' | 'GENERATED';

export interface ConversationRecord {
  id: string;
  userId: string;
  title: string;
  titleSource: TitleSource;
  systemPrompt: string | null;
  model: string;
  /** Sampling temperature for its replies; null: the provider's default. */
  temperature: number | null;
  /** Most tokens a reply may have; null: the server's OPENAI_MAX_COMPLETION_TOKENS. */
  maxTokens: number | null;
  /** Hidden from the default conversation list. */
  archived: boolean;
  messageCount: number;
  usage: TokenUsage;
  lastMessageAt: Date;
  /** Highest message seq handed out in the conversation (a PENDING reply's included); 0 when empty. */
  lastMessageSeq: number;
  /** Bumped by every write; concurrent writers never overwrite each other's fields. */
  version: number;
  /** Starts at 1; bumped by every system prompt change, so anything derived from the old one is unused. */
  systemPromptVersion: number;
  /** Running summary of the older turns: it covers the messages with seq ≤ summaryThroughSeq. */
  summary: string | null;
  /** 0 when there is no summary. */
  summaryThroughSeq: number;
  /** The newest message of the active branch (the path from a root to it); null when empty. */
  activeLeafId: string | null;
  /** Bumped whenever the active branch changes other than by appending (regenerate, edit, selectBranch). */
  branchVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  userId: string;
  /** Position in the conversation, strictly increasing; the order and the pagination key. */
  seq: number;
  /**
   * The message this one follows (a reply's user message, a user message's previous reply);
   * null for a first user message. Messages form a tree; a child's seq exceeds its parent's.
   */
  parentId: string | null;
  /** On the conversation's active branch: what the history pages show and the model reads. */
  active: boolean;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  usage: TokenUsage | null;
  clientMessageId: string | null;
  /** Client-safe reason a reply failed; never provider secrets. */
  error: string | null;
  /** Set when the reply came from the response cache rather than a model call. */
  cache: CacheMark | null;
  /** The user's thumbs up or down on a reply; null when unrated. */
  rating: MessageRating | null;
  ratingComment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type MessageRating = 'UP' | 'DOWN';

/** A user message and the assistant reply that answers it (its child). */
export interface Exchange {
  userMessage: MessageRecord;
  assistantMessage: MessageRecord;
}

export interface NewConversation {
  userId: string;
  title: string;
  /** DEFAULT lets a generated title replace it. @defaultValue 'USER' */
  titleSource?: TitleSource;
  systemPrompt: string | null;
  model: string;
  /** @defaultValue null */
  temperature?: number | null;
  /** @defaultValue null */
  maxTokens?: number | null;
}

/** The settings updateConversation changes: each one present is set (null resets it to the default). */
export interface ConversationPatch {
  title?: string;
  systemPrompt?: string | null;
  model?: string;
  temperature?: number | null;
  maxTokens?: number | null;
  archived?: boolean;
}

export interface NewExchange {
  userId: string;
  conversationId: string;
  content: string;
  clientMessageId: string | null;
  model: string;
}

/**
 * A new branch (editMessage, regenerateReply): under `parentId`, either a user message with
 * `userContent` and a PENDING reply to it (an edit: `parentId` is the edited message's parent,
 * null for a first message), or, without `userContent`, a PENDING reply to the user message
 * `parentId` (a regenerate). The path to the new reply becomes the active branch.
 */
export interface NewBranch {
  userId: string;
  conversationId: string;
  parentId: string | null;
  userContent: string | null;
  /** Stored on the new user message (edit) or the new reply (regenerate). */
  clientMessageId: string | null;
  model: string;
}

/** A message's place among its alternatives: same parent (and so the same role), oldest first. */
export interface SiblingSet {
  parentId: string | null;
  ids: string[];
}

export type BeginExchangeResult =
  | { kind: 'created'; exchange: Exchange }
  | { kind: 'duplicate'; exchange: Exchange }
  | { kind: 'not_found' };

export interface FinishExchange {
  userId: string;
  conversationId: string;
  assistantMessageId: string;
  status: Exclude<MessageStatus, 'PENDING'>;
  content: string;
  model: string;
  usage: TokenUsage | null;
  error: string | null;
  /** Cost of `usage` in micro-USD, added to the user's usage ledger with the reply. */
  costMicroUsd: number;
  /** Marks a reply served from the response cache. @defaultValue null */
  cache?: CacheMark | null;
}

/** One user's charged usage on one UTC day, written in the same transaction as each reply. */
export interface UsageLedgerEntry {
  userId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costMicroUsd: number;
  /** Charged replies counted in this entry. */
  replies: number;
}

export interface ConversationKey {
  lastMessageAt: Date;
  id: string;
}

export interface ConversationPage {
  limit: number;
  /** Keyset: conversations strictly older in (lastMessageAt desc, id desc) order. */
  after?: ConversationKey;
  /**
   * Only conversations whose title, or one of whose messages, has every one of these words
   * (searchTerms: folded to lower case without diacritics). Absent or empty: no search.
   */
  terms?: string[];
  /** true: only archived ones; false (the default): only those not archived. */
  archived?: boolean;
}

export interface MessagePage {
  limit: number;
  /** 'asc' pages forward from afterSeq; 'desc' pages backward from beforeSeq. */
  direction: 'asc' | 'desc';
  afterSeq?: number;
  beforeSeq?: number;
}

/**
 * Where conversations and messages live. Every method scopes by userId: a record owned by
 * someone else behaves exactly like a missing one. Multi-record writes are all-or-nothing.
 */
export interface ChatStore {
  createConversation(input: NewConversation): Promise<ConversationRecord>;
  getConversation(userId: string, id: string): Promise<ConversationRecord | null>;
  /** Newest activity first. */
  listConversations(userId: string, page: ConversationPage): Promise<ConversationRecord[]>;
  renameConversation(userId: string, id: string, title: string): Promise<ConversationRecord | null>;
  /**
   * Applies every setting present in `patch` at once, bumping version; a title makes titleSource
   * USER; a system prompt or a model bumps systemPromptVersion (what the caches are keyed on).
   * Null when the conversation is missing or foreign.
   */
  updateConversation(userId: string, id: string, patch: ConversationPatch): Promise<ConversationRecord | null>;
  /** Sets a generated title only while the title is still the default one (titleSource DEFAULT); false otherwise. */
  setGeneratedTitle(userId: string, id: string, title: string): Promise<boolean>;
  /** Replaces the system prompt (null removes it), bumping systemPromptVersion and version. */
  updateSystemPrompt(userId: string, id: string, systemPrompt: string | null): Promise<ConversationRecord | null>;
  /**
   * Stores the running summary, covering messages with seq ≤ throughSeq, only while the stored
   * summaryThroughSeq still equals expectedThroughSeq: of two racing summarisers one applies and
   * the other changes nothing, so an older summary never replaces a newer one. Refused (false)
   * unless expectedThroughSeq < throughSeq ≤ lastMessageSeq, or when the conversation is missing
   * or someone else's. Bumps version when applied.
   */
  saveSummary(
    userId: string,
    conversationId: string,
    summary: string,
    throughSeq: number,
    expectedThroughSeq: number,
  ): Promise<boolean>;
  /** Removes the conversation and all its messages together. */
  deleteConversation(userId: string, id: string): Promise<boolean>;
  /** Messages of the active branch, in the page's direction: ascending seq for 'asc', descending for 'desc'. */
  listMessages(userId: string, conversationId: string, page: MessagePage): Promise<MessageRecord[]>;
  /**
   * listMessages for several conversations in one query, from either end (no cursor): e.g. the
   * newest message of each conversation on a page. Missing or foreign ones map to [].
   */
  listMessagesOfConversations(userId: string, conversationIds: string[], page: { limit: number; direction: 'asc' | 'desc' }): Promise<Map<string, MessageRecord[]>>;
  /**
   * The path from a root to `leafId` (which need not be on the active branch), newest first:
   * at most `limit` messages, and only those with seq > afterSeq. Empty when `leafId` is missing,
   * foreign or in another conversation.
   */
  listPath(userId: string, conversationId: string, leafId: string, page: { limit: number; afterSeq?: number }): Promise<MessageRecord[]>;
  /** For each parent id given (null: the first messages), its children's ids, oldest first. */
  listSiblings(userId: string, conversationId: string, parentIds: Array<string | null>): Promise<SiblingSet[]>;
  /**
   * Stores a new branch (see NewBranch) and makes it active, all together: messages off the new
   * path leave the active branch, its ancestors join it, activeLeafId becomes the new reply and
   * branchVersion goes up; the summary is dropped when the branch leaves the active path at or
   * before summaryThroughSeq. `not_found` when the conversation or `parentId` is missing, foreign,
   * elsewhere, or (a regenerate) not a user message. A repeated clientMessageId stores nothing.
   */
  beginBranch(input: NewBranch): Promise<BeginExchangeResult>;
  /**
   * Makes the newest leaf under `messageId` (its descendant with the highest seq, or itself) the
   * active leaf, with the same effects on the branch and summary as beginBranch. Null when the
   * conversation or message is missing or foreign. Selecting the active leaf changes nothing.
   */
  selectBranch(userId: string, conversationId: string, messageId: string): Promise<ConversationRecord | null>;
  /**
   * Stores the user message and a PENDING reply placeholder together, after the active leaf,
   * and makes the reply the active leaf. A repeated (conversationId, clientMessageId) stores
   * nothing and returns the existing exchange.
   */
  beginExchange(input: NewExchange): Promise<BeginExchangeResult>;
  /**
   * The exchange a clientMessageId was stored with: its user message and that message's reply
   * (a send or edit), or the reply and the user message it answers (a regenerate).
   */
  findExchange(userId: string, conversationId: string, clientMessageId: string): Promise<Exchange | null>;
  /** One message by id, or null when it is missing or someone else's. */
  getMessage(userId: string, messageId: string): Promise<MessageRecord | null>;
  /** Sets (or with null clears) a message's rating and comment; null when it is missing or foreign. */
  rateMessage(userId: string, messageId: string, rating: MessageRating | null, comment: string | null): Promise<MessageRecord | null>;
  /**
   * Replaces a PENDING reply's content with the text generated so far (and so bumps its
   * updatedAt). False, writing nothing, when the reply is no longer PENDING, missing or foreign.
   */
  savePartialReply(userId: string, conversationId: string, assistantMessageId: string, content: string): Promise<boolean>;
  /**
   * Settles a PENDING reply, the conversation's counters and (when the reply has usage) the
   * user's usage ledger for the day, in one transaction. Returns null, writing nothing, when
   * the reply is no longer PENDING or the conversation is gone.
   */
  finishExchange(input: FinishExchange): Promise<MessageRecord | null>;
  /** Ledger entries for the user, days from..to inclusive (YYYY-MM-DD), oldest first. */
  listUsage(userId: string, fromDay: string, toDay: string): Promise<UsageLedgerEntry[]>;
  /**
   * Marks replies still PENDING whose last write (creation or partial text) is before
   * `olderThan` as FAILED, keeping the text they have (their generator died).
   */
  failStalePending(olderThan: Date, error: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
