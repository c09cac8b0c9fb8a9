import DataLoader from 'dataloader';
import { NotFoundError } from '../errors';
import type { ChatStore, ConversationRecord, MessageRecord } from '../ports/chat-store';
import { decodeConversationCursor, decodeMessageCursor, encodeConversationCursor, encodeMessageCursor } from './cursor';
import { validateConversationUpdate, validateNewConversation, type CreateConversationInput, type InputLimits, type UpdateConversationInput } from './chat-input';
import { pageWindow, toConnection, type Connection, type PageArgs, type PageLimits } from './page-args';
import type { Viewer } from './viewer';

export interface ConversationServiceDeps {
  store: ChatStore;
  limits: InputLimits;
  pages: PageLimits;
}

/** Conversations and their history: everything but sending a message. */
export class ConversationService {
  constructor(private readonly deps: ConversationServiceDeps) {}

  async get(viewer: Viewer, id: string): Promise<ConversationRecord | null> {
    return this.deps.store.getConversation(viewer.id, id);
  }

  async list(viewer: Viewer, args: PageArgs): Promise<Connection<ConversationRecord>> {
    const window = pageWindow({ first: args.first, after: args.after }, this.deps.pages);
    const after = args.after == null ? undefined : decodeConversationCursor(args.after);
    const rows = await this.deps.store.listConversations(viewer.id, { limit: window.limit + 1, after });
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
