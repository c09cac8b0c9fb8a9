import type { ChatStore, ConversationRecord, MessageRecord } from '../../ports/chat-store';
import type { CachedContext } from '../../ports/context-cache';
import type { ChatTurn } from '../../ports/llm-client';

/** A turn and the seq of the message it came from. */
export interface HistoryTurn {
  seq: number;
  turn: ChatTurn;
}

/** The conversation after its summary, as the store holds it now. */
export interface History {
  /** User and COMPLETE assistant turns, oldest first. */
  turns: HistoryTurn[];
  /** The newest seq read (the summary's, when nothing follows it). */
  throughSeq: number;
  /** Seq of the oldest reply still PENDING, if any: it may complete after this read. */
  firstPendingSeq: number | null;
}

/**
 * Reads the newest `limit` messages after the conversation's summary. Only user messages and
 * COMPLETE replies become turns: a FAILED, DEGRADED or PENDING reply is left out, as it would
 * mislead the model, while the user message it answered stays.
 */
export async function readHistory(
  store: ChatStore,
  userId: string,
  conversation: ConversationRecord,
  limit: number,
): Promise<History> {
  const newestFirst = await store.listMessages(userId, conversation.id, {
    direction: 'desc',
    limit,
    afterSeq: conversation.summaryThroughSeq,
  });
  const messages = newestFirst.reverse();
  const pending = messages.find((message) => message.status === 'PENDING');
  return {
    turns: messages.flatMap((message) => {
      const turn = toTurn(message);
      return turn ? [{ seq: message.seq, turn }] : [];
    }),
    throughSeq: messages.at(-1)?.seq ?? conversation.summaryThroughSeq,
    firstPendingSeq: pending?.seq ?? null,
  };
}

export function toTurn(message: MessageRecord): ChatTurn | null {
  if (message.role === 'USER') return { role: 'user', content: message.content };
  if (message.role === 'ASSISTANT' && message.status === 'COMPLETE') return { role: 'assistant', content: message.content };
  return null;
}

/** The cacheable form of a read: the summary it was read after and its turns. */
export function toCachedContext(history: History, conversation: ConversationRecord): CachedContext {
  return {
    turns: history.turns.map((item) => item.turn),
    throughSeq: history.throughSeq,
    summary: conversation.summary,
    summaryThroughSeq: conversation.summaryThroughSeq,
    systemPromptVersion: conversation.systemPromptVersion,
    branchVersion: conversation.branchVersion,
  };
}
