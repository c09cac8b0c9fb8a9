import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ConversationRecord as ConversationModel, MessageRecord as MessageModel } from '../../ports/chat-store';
import type { Viewer as ViewerModel } from '../../services/viewer';
import type { ReplyStreamEvent as ReplyEventModel } from '../../services/streaming/reply-watcher';
import type { GraphQLContext } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time in UTC, e.g. 2026-11-25T10:15:30.000Z. */
  DateTime: { input: Date; output: Date; }
};

/** Which level of the response cache answered. */
export type CacheLevel =
  /** Same model, prompt, context and (normalised) message. */
  | 'EXACT'
  /** A paraphrase in the same scope, at or above the similarity threshold. */
  | 'SIMILAR';

/** Where a reply came from when it was not generated for this message. */
export type CacheMark = {
  __typename?: 'CacheMark';
  /** The level that answered. */
  hit: CacheLevel;
  /** Cosine similarity of the questions; 1 for an exact hit. */
  similarity: Scalars['Float']['output'];
};

/** How one send may use the response cache. */
export type CachePolicy =
  /** Neither read nor store. */
  | 'BYPASS'
  /** Read exact repeats only, never a similar question's reply; store the new reply. No embeddings call is made. */
  | 'EXACT_ONLY'
  /** Skip reading; store the new reply over what was cached. */
  | 'REFRESH'
  /** Read (exact, then similar-query when the server enables that level) and store the new reply. */
  | 'USE';

/** A chat: its settings and its messages, which form a tree with one active branch. */
export type Conversation = Node & {
  __typename?: 'Conversation';
  /** The newest message of the active branch; null while the conversation is empty. */
  activeLeafId?: Maybe<Scalars['ID']['output']>;
  /** Hidden from the default conversation list (see archiveConversation). */
  archived: Scalars['Boolean']['output'];
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Unique; also accepted by Query.node. */
  id: Scalars['ID']['output'];
  /** When its newest message was written; the conversation list is ordered by it. */
  lastMessageAt: Scalars['DateTime']['output'];
  /** The most tokens one of its replies may have; null: the server's maximum (ModelInfo.maxOutputTokens). */
  maxTokens?: Maybe<Scalars['Int']['output']>;
  /** Messages stored, on every branch. */
  messageCount: Scalars['Int']['output'];
  /**
   * The active branch's messages in chronological order (messages form a tree; the active branch
   * is the path from the first message to activeLeafId). first/after page forward from the oldest; last/before
   * page backward, so last: 20 gives the newest 20. Page size defaults to 50, at most 200.
   */
  messages: MessageConnection;
  /** The model its replies come from (one of Query.models). */
  model: Scalars['String']['output'];
  /** A running summary of older turns, sent to the model in their place once the history outgrows its budget. */
  summary?: Maybe<Scalars['String']['output']>;
  /** Sent to the model before the history on every turn; null: none. */
  systemPrompt?: Maybe<Scalars['String']['output']>;
  /** Starts at 1; every change of the system prompt or the model adds one. */
  systemPromptVersion: Scalars['Int']['output'];
  /** Sampling temperature of its replies; null: the provider's default. */
  temperature?: Maybe<Scalars['Float']['output']>;
  /** The user's title, or the default until a generated one replaces it after the first reply. */
  title: Scalars['String']['output'];
  /** When anything about it last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** Tokens its replies used in all. */
  usage: TokenUsage;
};


/** A chat: its settings and its messages, which form a tree with one active branch. */
export type ConversationMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** A page of conversations. */
export type ConversationConnection = {
  __typename?: 'ConversationConnection';
  /** The conversations, newest activity first. */
  edges: Array<ConversationEdge>;
  /** Whether and how to page on. */
  pageInfo: PageInfo;
};

/** A conversation and its place in the list. */
export type ConversationEdge = {
  __typename?: 'ConversationEdge';
  /** Opaque; pass as `after` to continue after it. */
  cursor: Scalars['String']['output'];
  /** The conversation. */
  node: Conversation;
};

/** A new conversation's settings; every field is optional. */
export type CreateConversationInput = {
  /** The most tokens a reply may have, from 1 to ModelInfo.maxOutputTokens; null: that maximum. */
  maxTokens?: InputMaybe<Scalars['Int']['input']>;
  /** One of Query.models; defaults to the default model. */
  model?: InputMaybe<Scalars['String']['input']>;
  /** Sent to the model before the history on every turn. */
  systemPrompt?: InputMaybe<Scalars['String']['input']>;
  /** Sampling temperature, 0 to 2; null: the provider's default. */
  temperature?: InputMaybe<Scalars['Float']['input']>;
  /** Defaults to "New conversation", replaced by a generated title after the first reply. */
  title?: InputMaybe<Scalars['String']['input']>;
};

/** What deleteConversation removed. */
export type DeleteConversationPayload = {
  __typename?: 'DeleteConversationPayload';
  /** The id of the conversation that is gone, with all its messages. */
  deletedConversationId: Scalars['ID']['output'];
};

/**
 * Every errors[].extensions.code a client can get, for branching on; README's Errors section says
 * when each is given. Not the type of any field: errors carry the code as a string.
 */
export type ErrorCode =
  /** HTTP-level problems: unreadable or oversized body, a mutation over GET, no CSRF header, a subscription as plain POST, a bad persisted query. */
  | 'BAD_REQUEST'
  /** Input that fails validation, before anything is written or any model is called; extensions.argument names the argument. */
  | 'BAD_USER_INPUT'
  /** The send's worst case does not fit the day's or month's budget; extensions.resetsAt and period say which. */
  | 'BUDGET_EXCEEDED'
  /** Reserved; not given today. */
  | 'FORBIDDEN'
  /** The document does not parse or has more than GRAPHQL_MAX_TOKENS tokens (HTTP 400). */
  | 'GRAPHQL_PARSE_FAILED'
  /** The document asks for something the schema lacks, or breaks the depth, alias or directive limits (HTTP 400). */
  | 'GRAPHQL_VALIDATION_FAILED'
  /** Anything unexpected; the message is masked and the error logged with the request id. */
  | 'INTERNAL_SERVER_ERROR'
  /** The id is missing, malformed or another user's: ids never reveal that something exists. */
  | 'NOT_FOUND'
  /** An automatic persisted query's hash is not known yet: send the query with it (Apollo's clients do). */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** The operation costs more than GRAPHQL_MAX_COST (HTTP 400); extensions.cost and maxCost say by how much. */
  | 'QUERY_TOO_COMPLEX'
  /** A rate or concurrency limit refused it before anything ran; extensions.retryAfterSeconds says when to retry. */
  | 'RATE_LIMITED'
  /** The database is unreachable, or this instance is at its upstream limit; retry shortly. */
  | 'SERVICE_UNAVAILABLE'
  /** No token, and the field needs a caller (HTTP 200); or a bad token (HTTP 401, no data). */
  | 'UNAUTHENTICATED'
  /** No model could answer; the user message is stored and the reply FAILED (extensions carry both ids). */
  | 'UPSTREAM_UNAVAILABLE';

/** One message of a conversation: the user's or a reply. */
export type Message = Node & {
  __typename?: 'Message';
  /** Set when the reply was served from the response cache (no model tokens spent). */
  cache?: Maybe<CacheMark>;
  /** The idempotency id it was sent with, if any. */
  clientMessageId?: Maybe<Scalars['ID']['output']>;
  /** Its text; for a PENDING reply, the text so far (follow replyStream for the rest). */
  content: Scalars['String']['output'];
  /** The conversation it belongs to. */
  conversationId: Scalars['ID']['output'];
  /** When it was stored. */
  createdAt: Scalars['DateTime']['output'];
  /** Why a FAILED reply failed. */
  error?: Maybe<Scalars['String']['output']>;
  /** Unique; also accepted by Query.node and the mutations that take a messageId. */
  id: Scalars['ID']['output'];
  /** The model that wrote an assistant message. */
  model?: Maybe<Scalars['String']['output']>;
  /** The message this one follows: a reply's user message, a user message's previous reply; null for a first message. */
  parentId?: Maybe<Scalars['ID']['output']>;
  /** The user's rating of this reply; null when unrated. */
  rating?: Maybe<Rating>;
  /** The comment given with the rating. */
  ratingComment?: Maybe<Scalars['String']['output']>;
  /** Who wrote it. */
  role: MessageRole;
  /** This message's position in siblings, from 0. */
  siblingIndex: Scalars['Int']['output'];
  /** The ids of this message's alternatives (same parent, hence same role), oldest first, itself included. */
  siblings: Array<Scalars['ID']['output']>;
  /** Where it is in its life. */
  status: MessageStatus;
  /** Tokens the reply used; null for user messages and PENDING replies. */
  usage?: Maybe<TokenUsage>;
};

/** A page of the active branch's messages. */
export type MessageConnection = {
  __typename?: 'MessageConnection';
  /** The messages, oldest first. */
  edges: Array<MessageEdge>;
  /** Whether and how to page on. */
  pageInfo: PageInfo;
};

/** A message and its place in the branch. */
export type MessageEdge = {
  __typename?: 'MessageEdge';
  /** Opaque; pass as `after` or `before`. */
  cursor: Scalars['String']['output'];
  /** The message. */
  node: Message;
};

/** Who wrote a message. */
export type MessageRole =
  /** The model. */
  | 'ASSISTANT'
  /** The system prompt (not stored as a message; reserved). */
  | 'SYSTEM'
  /** The person chatting. */
  | 'USER';

/** Where a message is in its life; user messages are always COMPLETE. */
export type MessageStatus =
  /** Stopped by cancelReply; holds the text generated until then, and is charged for it only. */
  | 'CANCELLED'
  /** Finished; the model's whole reply (or a cached one). */
  | 'COMPLETE'
  /** A fallback reply given while the model was unavailable. */
  | 'DEGRADED'
  /** The model could not answer; the user message is kept. */
  | 'FAILED'
  /** The reply is being generated. */
  | 'PENDING';

/** A model conversations may use, as this server is configured. */
export type ModelInfo = {
  __typename?: 'ModelInfo';
  /** Tokens of context sent to the model at most: system prompt, summary, history and the reply together. */
  contextWindow: Scalars['Int']['output'];
  /** The id to pass as CreateConversationInput.model or UpdateConversationInput.model. */
  id: Scalars['ID']['output'];
  /** USD per million prompt tokens; null when no price is configured (its use then counts as $0). */
  inputPerMTokUsd?: Maybe<Scalars['Float']['output']>;
  /** Whether new conversations use it when they name no model. */
  isDefault: Scalars['Boolean']['output'];
  /** The most tokens a reply may have; a conversation's maxTokens may lower it. */
  maxOutputTokens: Scalars['Int']['output'];
  /** USD per million completion tokens; null when no price is configured. */
  outputPerMTokUsd?: Maybe<Scalars['Float']['output']>;
};

/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type Mutation = {
  __typename?: 'Mutation';
  /** Hides a conversation from the default list (true), or brings it back (false); nothing is deleted. */
  archiveConversation: Conversation;
  /**
   * Stops a reply being generated, on whichever instance runs it: the model request is aborted, the
   * text so far is stored with status CANCELLED and only the tokens used are charged. A reply that
   * already finished is returned unchanged. NOT_FOUND for another user's or a missing message.
   */
  cancelReply: Message;
  /** Starts an empty conversation of the caller's. */
  createConversation: Conversation;
  /** Deletes the conversation and all of its messages, on every branch. */
  deleteConversation: DeleteConversationPayload;
  /**
   * Asks an earlier user message anew: a new user message with this content, a sibling of
   * messageId, and a reply to it, on the active branch from then on. Nothing is deleted: the old
   * branch stays, reachable with selectBranch. The model reads only the new branch.
   */
  editMessage: SendMessagePayload;
  /**
   * Rates an assistant reply (thumbs up or down, with an optional comment); null clears the
   * rating. Counted per model in parley_message_ratings_total.
   */
  rateMessage: Message;
  /**
   * Asks the model again for the user message an assistant reply answers: a new reply, a sibling of
   * messageId, on the active branch from then on (the old one stays, reachable with selectBranch).
   * Never answered from the response cache. Limited, budgeted and idempotent like sendMessage.
   */
  regenerateReply: SendMessagePayload;
  /** Sets the title (a short form of updateConversation); a title set here is never replaced by a generated one. */
  renameConversation: Conversation;
  /**
   * Makes the newest message under messageId (its newest descendant, or itself) the conversation's
   * active leaf: what a "< 2/3 >" arrow between siblings does. The history pages and the model's
   * context follow the active branch.
   */
  selectBranch: Conversation;
  /**
   * Stores the message, asks the model and stores its reply. Repeating a clientMessageId
   * returns the first call's result without asking the model again.
   */
  sendMessage: SendMessagePayload;
  /**
   * Changes a conversation's settings: each field given is set, the others stay. Every value is
   * checked before anything is written (BAD_USER_INPUT names the argument). A new system prompt or
   * model bumps systemPromptVersion, so cached context windows and replies made under the old
   * ones are no longer used.
   */
  updateConversation: Conversation;
  /**
   * Replaces (or with null removes) the system prompt. Bumps systemPromptVersion: cached context
   * windows and cached replies made under the old prompt are no longer used.
   */
  updateSystemPrompt: Conversation;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationArchiveConversationArgs = {
  archived: Scalars['Boolean']['input'];
  id: Scalars['ID']['input'];
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationCancelReplyArgs = {
  messageId: Scalars['ID']['input'];
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationCreateConversationArgs = {
  input: CreateConversationInput;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationDeleteConversationArgs = {
  id: Scalars['ID']['input'];
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationEditMessageArgs = {
  clientMessageId?: InputMaybe<Scalars['ID']['input']>;
  content: Scalars['String']['input'];
  messageId: Scalars['ID']['input'];
  stream?: InputMaybe<Scalars['Boolean']['input']>;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationRateMessageArgs = {
  comment?: InputMaybe<Scalars['String']['input']>;
  messageId: Scalars['ID']['input'];
  rating?: InputMaybe<Rating>;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationRegenerateReplyArgs = {
  clientMessageId?: InputMaybe<Scalars['ID']['input']>;
  messageId: Scalars['ID']['input'];
  stream?: InputMaybe<Scalars['Boolean']['input']>;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationRenameConversationArgs = {
  id: Scalars['ID']['input'];
  title: Scalars['String']['input'];
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationSelectBranchArgs = {
  messageId: Scalars['ID']['input'];
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationSendMessageArgs = {
  input: SendMessageInput;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationUpdateConversationArgs = {
  id: Scalars['ID']['input'];
  input: UpdateConversationInput;
};


/** What a caller can change. A mutation may hold at most one of sendMessage, regenerateReply and editMessage. */
export type MutationUpdateSystemPromptArgs = {
  id: Scalars['ID']['input'];
  systemPrompt?: InputMaybe<Scalars['String']['input']>;
};

/** Anything with an id that Query.node can fetch again (the Relay object identification convention). */
export type Node = {
  /** Unique across conversations and messages. */
  id: Scalars['ID']['output'];
};

/** Where a page is in its list (Relay cursor connections). */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The last edge's cursor; pass as `after` for the page after. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** More items follow the last edge. */
  hasNextPage: Scalars['Boolean']['output'];
  /** More items precede the first edge. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The first edge's cursor; pass as `before` for the page before. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** What a caller can read. Every field but the schema's own needs a bearer token. */
export type Query = {
  __typename?: 'Query';
  /** A conversation of the caller's, or null (also for ids that belong to someone else). */
  conversation?: Maybe<Conversation>;
  /** The caller's conversations, newest activity first. */
  conversations: ConversationConnection;
  /** The authenticated caller. */
  me: Viewer;
  /** The models this server allows, for a model picker; the default one has isDefault. */
  models: Array<ModelInfo>;
  /** A conversation or message of the caller's by id (Relay's refetch); null for a missing id or another user's. */
  node?: Maybe<Node>;
  /** The caller's token budget for the current UTC day and month. */
  usage: Usage;
};


/** What a caller can read. Every field but the schema's own needs a bearer token. */
export type QueryConversationArgs = {
  id: Scalars['ID']['input'];
};


/** What a caller can read. Every field but the schema's own needs a bearer token. */
export type QueryConversationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


/** What a caller can read. Every field but the schema's own needs a bearer token. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};

/** A user's verdict on an assistant reply. */
export type Rating =
  /** Thumbs down. */
  | 'DOWN'
  /** Thumbs up. */
  | 'UP';

/** One event of a streamed reply. */
export type ReplyEvent = {
  __typename?: 'ReplyEvent';
  /** Text appended to the reply; null on the final event. */
  delta?: Maybe<Scalars['String']['output']>;
  /** The stored reply in its final status, on the last event only. */
  message?: Maybe<Message>;
  /** 1, 2, 3 … within one reply. */
  seq: Scalars['Int']['output'];
};

/** One message to send. */
export type SendMessageInput = {
  /** How this send may use the response cache; USE when omitted. */
  cachePolicy?: InputMaybe<CachePolicy>;
  /** Makes the send idempotent: the same id in the same conversation is answered once. */
  clientMessageId?: InputMaybe<Scalars['ID']['input']>;
  /** The message text: not blank, at most MAX_MESSAGE_CHARS characters, and it must fit the model's context in tokens. */
  content: Scalars['String']['input'];
  /** The conversation to continue (after its active branch's newest message). */
  conversationId: Scalars['ID']['input'];
  /**
   * true: return at once with the user message and a PENDING reply, and generate in the background;
   * follow it with Subscription.replyStream(messageId: assistantMessage.id). false (default): answer
   * when the reply is finished. A cache hit is finished either way.
   */
  stream?: InputMaybe<Scalars['Boolean']['input']>;
};

/** The exchange a send, edit or regenerate made. */
export type SendMessagePayload = {
  __typename?: 'SendMessagePayload';
  /** The reply: finished, or PENDING for a streamed call. */
  assistantMessage: Message;
  /** The tokens the reply used; zeros while PENDING and for a cache hit. */
  usage: TokenUsage;
  /** The stored user message (for a regenerate: the one answered again). */
  userMessage: Message;
};

/** Server-pushed events, over WebSocket (graphql-transport-ws) or Server-Sent Events on /graphql. */
export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The events of one assistant reply: deltas (text appended to the reply) numbered 1, 2, 3 … with
   * no gaps, then one event with the stored message in its final status, which ends the stream.
   * afterSeq: N replays every event after N, then continues live, so a client that reconnects with
   * the last seq it saw misses and repeats nothing. A reply that already finished yields its final
   * event at once. NOT_FOUND for another user's or a missing message. Served over WebSocket
   * (graphql-transport-ws) and Server-Sent Events (graphql-sse) on /graphql.
   */
  replyStream: ReplyEvent;
};


/** Server-pushed events, over WebSocket (graphql-transport-ws) or Server-Sent Events on /graphql. */
export type SubscriptionReplyStreamArgs = {
  afterSeq?: InputMaybe<Scalars['Int']['input']>;
  messageId: Scalars['ID']['input'];
};

/** Tokens as the provider counted them. */
export type TokenUsage = {
  __typename?: 'TokenUsage';
  /** Tokens of the reply. */
  completionTokens: Scalars['Int']['output'];
  /** Tokens sent: system prompt, summary, history and the message. */
  promptTokens: Scalars['Int']['output'];
  /** Both together (as the provider reports it). */
  totalTokens: Scalars['Int']['output'];
};

/** Settings to change; a field left out stays as it is. */
export type UpdateConversationInput = {
  /** 1 to ModelInfo.maxOutputTokens; null: back to that maximum. */
  maxTokens?: InputMaybe<Scalars['Int']['input']>;
  /** One of Query.models (not null). */
  model?: InputMaybe<Scalars['String']['input']>;
  /** A new system prompt; null or blank removes it. */
  systemPrompt?: InputMaybe<Scalars['String']['input']>;
  /** 0 to 2; null: back to the provider's default. */
  temperature?: InputMaybe<Scalars['Float']['input']>;
  /** A new title (not null); never replaced by a generated one afterwards. */
  title?: InputMaybe<Scalars['String']['input']>;
};

/** The caller's budget in each period. */
export type Usage = {
  __typename?: 'Usage';
  /** The current UTC day. */
  day: UsagePeriod;
  /** The current UTC month. */
  month: UsagePeriod;
};

/** Limits come from the caller's tier; null limit and remaining mean unlimited. */
export type UsagePeriod = {
  __typename?: 'UsagePeriod';
  /** The tier's token limit; null: unlimited. */
  limitTokens?: Maybe<Scalars['Int']['output']>;
  /** The tier's USD limit; null: unlimited. */
  limitUsd?: Maybe<Scalars['Float']['output']>;
  /** What can still be spent; replies being generated are already held back. */
  remainingTokens?: Maybe<Scalars['Int']['output']>;
  /** USD that can still be spent; null: unlimited. */
  remainingUsd?: Maybe<Scalars['Float']['output']>;
  /** When this period's budget starts afresh. */
  resetsAt: Scalars['DateTime']['output'];
  /** Tokens charged in this period. */
  usedTokens: Scalars['Int']['output'];
  /** USD charged in this period, at the configured prices. */
  usedUsd: Scalars['Float']['output'];
};

/** The authenticated caller, from the bearer token. */
export type Viewer = {
  __typename?: 'Viewer';
  /** The token's subject: the user id every record is scoped by. */
  id: Scalars['ID']['output'];
  /** The token's tier (e.g. free, pro), which sets the rate limits and budgets. */
  tier: Scalars['String']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;




/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node:
    | ( ConversationModel )
    | ( MessageModel )
  ;
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CacheLevel: CacheLevel;
  CacheMark: ResolverTypeWrapper<CacheMark>;
  CachePolicy: CachePolicy;
  Conversation: ResolverTypeWrapper<ConversationModel>;
  ConversationConnection: ResolverTypeWrapper<Omit<ConversationConnection, 'edges'> & { edges: Array<ResolversTypes['ConversationEdge']> }>;
  ConversationEdge: ResolverTypeWrapper<Omit<ConversationEdge, 'node'> & { node: ResolversTypes['Conversation'] }>;
  CreateConversationInput: CreateConversationInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeleteConversationPayload: ResolverTypeWrapper<DeleteConversationPayload>;
  ErrorCode: ErrorCode;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Message: ResolverTypeWrapper<MessageModel>;
  MessageConnection: ResolverTypeWrapper<Omit<MessageConnection, 'edges'> & { edges: Array<ResolversTypes['MessageEdge']> }>;
  MessageEdge: ResolverTypeWrapper<Omit<MessageEdge, 'node'> & { node: ResolversTypes['Message'] }>;
  MessageRole: MessageRole;
  MessageStatus: MessageStatus;
  ModelInfo: ResolverTypeWrapper<ModelInfo>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Rating: Rating;
  ReplyEvent: ResolverTypeWrapper<ReplyEventModel>;
  SendMessageInput: SendMessageInput;
  SendMessagePayload: ResolverTypeWrapper<Omit<SendMessagePayload, 'assistantMessage' | 'userMessage'> & { assistantMessage: ResolversTypes['Message'], userMessage: ResolversTypes['Message'] }>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TokenUsage: ResolverTypeWrapper<TokenUsage>;
  UpdateConversationInput: UpdateConversationInput;
  Usage: ResolverTypeWrapper<Usage>;
  UsagePeriod: ResolverTypeWrapper<UsagePeriod>;
  Viewer: ResolverTypeWrapper<ViewerModel>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  CacheMark: CacheMark;
  Conversation: ConversationModel;
  ConversationConnection: Omit<ConversationConnection, 'edges'> & { edges: Array<ResolversParentTypes['ConversationEdge']> };
  ConversationEdge: Omit<ConversationEdge, 'node'> & { node: ResolversParentTypes['Conversation'] };
  CreateConversationInput: CreateConversationInput;
  DateTime: Scalars['DateTime']['output'];
  DeleteConversationPayload: DeleteConversationPayload;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Message: MessageModel;
  MessageConnection: Omit<MessageConnection, 'edges'> & { edges: Array<ResolversParentTypes['MessageEdge']> };
  MessageEdge: Omit<MessageEdge, 'node'> & { node: ResolversParentTypes['Message'] };
  ModelInfo: ModelInfo;
  Mutation: Record<PropertyKey, never>;
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  ReplyEvent: ReplyEventModel;
  SendMessageInput: SendMessageInput;
  SendMessagePayload: Omit<SendMessagePayload, 'assistantMessage' | 'userMessage'> & { assistantMessage: ResolversParentTypes['Message'], userMessage: ResolversParentTypes['Message'] };
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TokenUsage: TokenUsage;
  UpdateConversationInput: UpdateConversationInput;
  Usage: Usage;
  UsagePeriod: UsagePeriod;
  Viewer: ViewerModel;
};

export type CacheMarkResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CacheMark'] = ResolversParentTypes['CacheMark']> = {
  hit?: Resolver<ResolversTypes['CacheLevel'], ParentType, ContextType>;
  similarity?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type ConversationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Conversation'] = ResolversParentTypes['Conversation']> = {
  activeLeafId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  archived?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastMessageAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  maxTokens?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  messageCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  messages?: Resolver<ResolversTypes['MessageConnection'], ParentType, ContextType, Partial<ConversationMessagesArgs>>;
  model?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  summary?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  systemPrompt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  systemPromptVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  temperature?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  usage?: Resolver<ResolversTypes['TokenUsage'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ConversationConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ConversationConnection'] = ResolversParentTypes['ConversationConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ConversationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type ConversationEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ConversationEdge'] = ResolversParentTypes['ConversationEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeleteConversationPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteConversationPayload'] = ResolversParentTypes['DeleteConversationPayload']> = {
  deletedConversationId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type MessageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Message'] = ResolversParentTypes['Message']> = {
  cache?: Resolver<Maybe<ResolversTypes['CacheMark']>, ParentType, ContextType>;
  clientMessageId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  content?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  conversationId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  model?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  parentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  rating?: Resolver<Maybe<ResolversTypes['Rating']>, ParentType, ContextType>;
  ratingComment?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['MessageRole'], ParentType, ContextType>;
  siblingIndex?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  siblings?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['MessageStatus'], ParentType, ContextType>;
  usage?: Resolver<Maybe<ResolversTypes['TokenUsage']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MessageConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MessageConnection'] = ResolversParentTypes['MessageConnection']> = {
  edges?: Resolver<Array<ResolversTypes['MessageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type MessageEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MessageEdge'] = ResolversParentTypes['MessageEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
};

export type ModelInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelInfo'] = ResolversParentTypes['ModelInfo']> = {
  contextWindow?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inputPerMTokUsd?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  isDefault?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  maxOutputTokens?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  outputPerMTokUsd?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  archiveConversation?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType, RequireFields<MutationArchiveConversationArgs, 'archived' | 'id'>>;
  cancelReply?: Resolver<ResolversTypes['Message'], ParentType, ContextType, RequireFields<MutationCancelReplyArgs, 'messageId'>>;
  createConversation?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType, RequireFields<MutationCreateConversationArgs, 'input'>>;
  deleteConversation?: Resolver<ResolversTypes['DeleteConversationPayload'], ParentType, ContextType, RequireFields<MutationDeleteConversationArgs, 'id'>>;
  editMessage?: Resolver<ResolversTypes['SendMessagePayload'], ParentType, ContextType, RequireFields<MutationEditMessageArgs, 'content' | 'messageId'>>;
  rateMessage?: Resolver<ResolversTypes['Message'], ParentType, ContextType, RequireFields<MutationRateMessageArgs, 'messageId'>>;
  regenerateReply?: Resolver<ResolversTypes['SendMessagePayload'], ParentType, ContextType, RequireFields<MutationRegenerateReplyArgs, 'messageId'>>;
  renameConversation?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType, RequireFields<MutationRenameConversationArgs, 'id' | 'title'>>;
  selectBranch?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType, RequireFields<MutationSelectBranchArgs, 'messageId'>>;
  sendMessage?: Resolver<ResolversTypes['SendMessagePayload'], ParentType, ContextType, RequireFields<MutationSendMessageArgs, 'input'>>;
  updateConversation?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType, RequireFields<MutationUpdateConversationArgs, 'id' | 'input'>>;
  updateSystemPrompt?: Resolver<ResolversTypes['Conversation'], ParentType, ContextType, RequireFields<MutationUpdateSystemPromptArgs, 'id'>>;
};

export type NodeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'Conversation' | 'Message', ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  conversation?: Resolver<Maybe<ResolversTypes['Conversation']>, ParentType, ContextType, RequireFields<QueryConversationArgs, 'id'>>;
  conversations?: Resolver<ResolversTypes['ConversationConnection'], ParentType, ContextType, Partial<QueryConversationsArgs>>;
  me?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
  models?: Resolver<Array<ResolversTypes['ModelInfo']>, ParentType, ContextType>;
  node?: Resolver<Maybe<ResolversTypes['Node']>, ParentType, ContextType, RequireFields<QueryNodeArgs, 'id'>>;
  usage?: Resolver<ResolversTypes['Usage'], ParentType, ContextType>;
};

export type ReplyEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ReplyEvent'] = ResolversParentTypes['ReplyEvent']> = {
  delta?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<Maybe<ResolversTypes['Message']>, ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SendMessagePayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SendMessagePayload'] = ResolversParentTypes['SendMessagePayload']> = {
  assistantMessage?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
  usage?: Resolver<ResolversTypes['TokenUsage'], ParentType, ContextType>;
  userMessage?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  replyStream?: SubscriptionResolver<ResolversTypes['ReplyEvent'], "replyStream", ParentType, ContextType, RequireFields<SubscriptionReplyStreamArgs, 'messageId'>>;
};

export type TokenUsageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TokenUsage'] = ResolversParentTypes['TokenUsage']> = {
  completionTokens?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  promptTokens?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalTokens?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type UsageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Usage'] = ResolversParentTypes['Usage']> = {
  day?: Resolver<ResolversTypes['UsagePeriod'], ParentType, ContextType>;
  month?: Resolver<ResolversTypes['UsagePeriod'], ParentType, ContextType>;
};

export type UsagePeriodResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsagePeriod'] = ResolversParentTypes['UsagePeriod']> = {
  limitTokens?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  limitUsd?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  remainingTokens?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  remainingUsd?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  resetsAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  usedTokens?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  usedUsd?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = GraphQLContext> = {
  CacheMark?: CacheMarkResolvers<ContextType>;
  Conversation?: ConversationResolvers<ContextType>;
  ConversationConnection?: ConversationConnectionResolvers<ContextType>;
  ConversationEdge?: ConversationEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeleteConversationPayload?: DeleteConversationPayloadResolvers<ContextType>;
  Message?: MessageResolvers<ContextType>;
  MessageConnection?: MessageConnectionResolvers<ContextType>;
  MessageEdge?: MessageEdgeResolvers<ContextType>;
  ModelInfo?: ModelInfoResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReplyEvent?: ReplyEventResolvers<ContextType>;
  SendMessagePayload?: SendMessagePayloadResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TokenUsage?: TokenUsageResolvers<ContextType>;
  Usage?: UsageResolvers<ContextType>;
  UsagePeriod?: UsagePeriodResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

