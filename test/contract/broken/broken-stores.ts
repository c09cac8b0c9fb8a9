import { MemoryChatStore } from '../../../src/adapters/memory/memory-chat-store';
import type { BeginExchangeResult, ConversationRecord, NewExchange } from '../../../src/ports/chat-store';

/** The memory store's own state, reached past `private` to break it on purpose. */
const conversationsOf = (store: MemoryChatStore) => (store as unknown as { conversations: Map<string, ConversationRecord> }).conversations;

/**
 * A store whose aborted writes undo nothing, like a MongoDB without working transactions:
 * a send refused as a duplicate has already moved the conversation's counters.
 */
export class NonAtomicStore extends MemoryChatStore {
  override async beginExchange(input: NewExchange): Promise<BeginExchangeResult> {
    const result = await super.beginExchange(input);
    const conversation = conversationsOf(this).get(input.conversationId);
    if (result.kind === 'duplicate' && conversation) {
      conversation.lastMessageSeq += 2;
      conversation.messageCount += 1;
      conversation.version += 1;
    }
    return result;
  }
}

/** A store without the unique (conversationId, clientMessageId) rule: a repeated send is stored again. */
export class NoUniquenessStore extends MemoryChatStore {
  private repeats = 0;

  override async beginExchange(input: NewExchange): Promise<BeginExchangeResult> {
    if (input.clientMessageId === null) return super.beginExchange(input);
    this.repeats += 1;
    // A fresh id every time: the duplicate check never matches, the message is stored again.
    return super.beginExchange({ ...input, clientMessageId: `${input.clientMessageId}#${this.repeats}` });
  }
}
