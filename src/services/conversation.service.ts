import DataLoader from 'dataloader';
import { BadUserInputError, NotFoundError } from '../errors';
import { SEARCH_LIMITS, searchTerms } from '../ports/search-terms';
import type { ChatStore, ConversationRecord, MessageRating, MessageRecord } from '../ports/chat-store';
import { decodeConversationCursor, decodeMessageCursor, encodeConversationCursor, encodeMessageCursor } from './cursor';
import { validateConversationUpdate, validateNewConversation, type CreateConversationInput, type InputLimits, type UpdateConversationInput } from './chat-input';
import { pageWindow, toConnection, type Connection, type PageArgs, type PageLimits, type PageWindow } from './page-args';
import type { Viewer } from './viewer';

export interface ConversationServiceDeps {
  store: ChatStore;
  limits: InputLimits;
  pages: PageLimits;
  /** Told each rating given (not cleared), with the model that wrote the reply. */
  onRating?: (model: string, rating: MessageRating) => void;
}

/** Longest comment a rating may carry. */
export const MAX_RATING_COMMENT_CHARS = 2_000;

/** Conversations and their history: everything but sending a message. */
export class ConversationService {
  constructor(private readonly deps: ConversationServiceDeps) {}

  async get(viewer: Viewer, id: string): Promise<ConversationRecord | null> {
    return this.deps.store.getConversation(viewer.id, id);
  }

  /**
   * The caller's conversations by activity; `search`: only those whose title or one of whose
   * messages has all its words; `archived`: the archived ones instead of the others.
   */
  /** Query.node: a conversation or a message of the caller's with this id; null otherwise. */
  async node(viewer: Viewer, id: string): Promise<ConversationRecord | MessageRecord | null> {
    const [conversation, message] = await Promise.all([this.deps.store.getConversation(viewer.id, id), this.deps.store.getMessage(viewer.id, id)]);
    return conversation ?? message;
  }

  async list(viewer: Viewer, args: PageArgs & { search?: string | null; archived?: boolean | null }): Promise<Connection<ConversationRecord>> {
    const window = pageWindow({ first: args.first, after: args.after }, this.deps.pages);
    const after = args.after == null ? undefined : decodeConversationCursor(args.after);
    const search = args.search?.trim() ?? '';
    if (search.length > SEARCH_LIMITS.maxChars) throw new BadUserInputError(`search exceeds ${SEARCH_LIMITS.maxChars} characters`, { argument: 'search' });
    const terms = searchTerms(search);
    // Words are runs of letters and digits: a search of punctuation alone finds nothing.
    if (search !== '' && terms.length === 0) return toConnection([], window, args, (row: ConversationRecord) => encodeConversationCursor(row.lastMessageAt, row.id));
    const rows = await this.deps.store.listConversations(viewer.id, { limit: window.limit + 1, after, terms, archived: args.archived ?? false });
    return toConnection(rows, window, args, (row) => encodeConversationCursor(row.lastMessageAt, row.id));
  }

  async messages(viewer: Viewer, conversationId: string, args: PageArgs): Promise<Connection<MessageRecord>> {
    const window = pageWindow(args, this.deps.pages);
    const afterSeq = args.after == null ? undefined : decodeMessageCursor(args.after);
    const beforeSeq = args.before == null ? undefined : decodeMessageCursor(args.before);
    const rows = await this.deps.store.listMessages(viewer.id, conversationId, {
      limit: window.limit + 1,
      direction: window.direction === 'forward' ? 'asc' : 'desc',
      afterSeq,
      beforeSeq,
    });
    return toConnection(rows, window, args, (row) => encodeMessageCursor(row.seq));
  }

  /**
   * Conversation.messages for one operation: pages without a cursor (first: N or last: N, as a
   * conversation list's previews ask) are batched into one store query per page size, whatever
   * the number of conversations; pages with a cursor are read one by one.
   */
  messagesLoader(viewer: Viewer): DataLoader<{ conversationId: string; args: PageArgs }, Connection<MessageRecord>, string> {
    return new DataLoader<{ conversationId: string; args: PageArgs }, Connection<MessageRecord>, string>(
      async (keys) => {
        // A bad page size fails its own field only (as a BAD_USER_INPUT), not the batch.
        const windows = keys.map(({ args }) => {
          try {
            return pageWindow(args, this.deps.pages);
          } catch (error: unknown) {
            return error as Error;
          }
        });
        const sizeOf = (window: PageWindow) => `${window.direction}:${window.limit}`;
        const bySize = new Map<string, { window: PageWindow; ids: string[] }>();
        keys.forEach(({ conversationId, args }, index) => {
          const window = windows[index]!;
          if (window instanceof Error || args.after != null || args.before != null) return;
          const group = bySize.get(sizeOf(window)) ?? { window, ids: [] };
          group.ids.push(conversationId);
          bySize.set(sizeOf(window), group);
        });
        const rows = new Map<string, MessageRecord[]>();
        await Promise.all([...bySize].map(async ([size, { window, ids }]) => {
          const found = await this.deps.store.listMessagesOfConversations(viewer.id, ids, { limit: window.limit + 1, direction: window.direction === 'forward' ? 'asc' : 'desc' });
          for (const [id, list] of found) rows.set(`${size}/${id}`, list);
        }));
        return Promise.all(keys.map(async ({ conversationId, args }, index) => {
          const window = windows[index]!;
          if (window instanceof Error) return window;
          const batched = args.after == null && args.before == null ? rows.get(`${sizeOf(window)}/${conversationId}`) : undefined;
          if (!batched) return this.messages(viewer, conversationId, args);
          return toConnection(batched, window, args, (row) => encodeMessageCursor(row.seq));
        }));
      },
      { cacheKeyFn: ({ conversationId, args }) => JSON.stringify([conversationId, args.first ?? null, args.after ?? null, args.last ?? null, args.before ?? null]) },
    );
  }

  async create(viewer: Viewer, input: CreateConversationInput): Promise<ConversationRecord> {
    const fields = validateNewConversation(input, this.deps.limits);
    return this.deps.store.createConversation({ userId: viewer.id, ...fields });
  }

  /**
   * Title, system prompt, model, temperature and reply length, checked together before anything
   * is written. A new system prompt or model bumps systemPromptVersion, so cached context windows
   * and replies made under the old ones are no longer used.
   */
  async update(viewer: Viewer, id: string, input: UpdateConversationInput): Promise<ConversationRecord> {
    const updated = await this.deps.store.updateConversation(viewer.id, id, validateConversationUpdate(input, this.deps.limits));
    if (!updated) throw new NotFoundError('Conversation not found');
    return updated;
  }

  async rename(viewer: Viewer, id: string, title: string): Promise<ConversationRecord> {
    return this.update(viewer, id, { title });
  }

  async updateSystemPrompt(viewer: Viewer, id: string, systemPrompt: string | null | undefined): Promise<ConversationRecord> {
    return this.update(viewer, id, { systemPrompt: systemPrompt ?? null });
  }

  /** Thumbs up or down on an assistant reply, with an optional comment; null clears both. */
  async rate(viewer: Viewer, messageId: string, rating: MessageRating | null | undefined, comment: string | null | undefined): Promise<MessageRecord> {
    const text = comment?.trim() ? comment.trim() : null;
    if (text !== null && text.length > MAX_RATING_COMMENT_CHARS) throw new BadUserInputError(`comment exceeds ${MAX_RATING_COMMENT_CHARS} characters`, { argument: 'comment' });
    if (text !== null && rating == null) throw new BadUserInputError('a comment needs a rating', { argument: 'comment' });
    const message = await this.deps.store.getMessage(viewer.id, messageId);
    if (!message) throw new NotFoundError('Message not found');
    if (message.role !== 'ASSISTANT') throw new BadUserInputError('Only assistant replies can be rated', { argument: 'messageId' });
    const rated = await this.deps.store.rateMessage(viewer.id, messageId, rating ?? null, text);
    if (!rated) throw new NotFoundError('Message not found');
    if (rating) this.deps.onRating?.(rated.model ?? 'unknown', rating);
    return rated;
  }

  /** Archived conversations leave the default list (conversations(archived: true) lists them); false brings one back. */
  async archive(viewer: Viewer, id: string, archived: boolean): Promise<ConversationRecord> {
    const updated = await this.deps.store.updateConversation(viewer.id, id, { archived });
    if (!updated) throw new NotFoundError('Conversation not found');
    return updated;
  }

  /** Shows the branch through `messageId`: its newest leaf becomes the active leaf. */
  async selectBranch(viewer: Viewer, messageId: string): Promise<ConversationRecord> {
    const message = await this.deps.store.getMessage(viewer.id, messageId);
    const selected = message && (await this.deps.store.selectBranch(viewer.id, message.conversationId, messageId));
    if (!selected) throw new NotFoundError('Message not found');
    return selected;
  }

  /**
   * Message.siblings for one operation: the messages asked for are batched into one store query
   * per conversation (a page of 50 messages costs one query, not 50).
   */
  siblingsLoader(viewer: Viewer): DataLoader<MessageRecord, string[], string> {
    const key = (message: Pick<MessageRecord, 'conversationId' | 'parentId'>) => `${message.conversationId}/${message.parentId ?? ''}`;
    return new DataLoader<MessageRecord, string[], string>(
      async (messages) => {
        const byConversation = new Map<string, Array<string | null>>();
        for (const message of messages) byConversation.set(message.conversationId, [...(byConversation.get(message.conversationId) ?? []), message.parentId]);
        const found = new Map<string, string[]>();
        await Promise.all([...byConversation].map(async ([conversationId, parentIds]) => {
          for (const set of await this.deps.store.listSiblings(viewer.id, conversationId, parentIds)) found.set(key({ conversationId, parentId: set.parentId }), set.ids);
        }));
        return messages.map((message) => found.get(key(message)) ?? [message.id]);
      },
      { cacheKeyFn: key },
    );
  }

  async delete(viewer: Viewer, id: string): Promise<{ deletedConversationId: string }> {
    if (!(await this.deps.store.deleteConversation(viewer.id, id))) throw new NotFoundError('Conversation not found');
    return { deletedConversationId: id };
  }
}
