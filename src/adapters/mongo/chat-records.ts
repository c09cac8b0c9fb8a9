import type { ConversationRecord, MessageRecord } from '../../ports/chat-store';
import type { ConversationDoc, MessageDoc } from './chat-models';

export const CONVERSATION_FIELDS = {
  userId: 1, title: 1, titleSource: 1, systemPrompt: 1, model: 1, temperature: 1, maxTokens: 1, archived: 1, messageCount: 1, usage: 1,
  lastMessageAt: 1, seqCounter: 1, version: 1, systemPromptVersion: 1, summary: 1, summaryThroughSeq: 1,
  activeLeafId: 1, branchVersion: 1,
  createdAt: 1, updatedAt: 1,
} as const;

export function toConversation(doc: ConversationDoc): ConversationRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId,
    title: doc.title,
    // Stored before title sources existed: maybe set by the user, so never overwritten.
    titleSource: doc.titleSource ?? 'USER',
    systemPrompt: doc.systemPrompt ?? null,
    model: doc.model,
    temperature: doc.temperature ?? null,
    maxTokens: doc.maxTokens ?? null,
    archived: doc.archived ?? false,
    messageCount: doc.messageCount,
    usage: {
      promptTokens: doc.usage.promptTokens,
      completionTokens: doc.usage.completionTokens,
      totalTokens: doc.usage.totalTokens,
    },
    lastMessageAt: doc.lastMessageAt,
    lastMessageSeq: doc.seqCounter,
    version: doc.version,
    // Stored before prompts were versioned: read as 0, so the first update ($inc from absent → 1) still changes it.
    systemPromptVersion: doc.systemPromptVersion ?? 0,
    summary: doc.summary ?? null,
    summaryThroughSeq: doc.summaryThroughSeq ?? 0,
    activeLeafId: doc.activeLeafId?.toHexString() ?? null,
    branchVersion: doc.branchVersion ?? 0,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function toMessage(doc: MessageDoc): MessageRecord {
  return {
    id: doc._id.toHexString(),
    conversationId: doc.conversationId.toHexString(),
    userId: doc.userId,
    seq: doc.seq,
    parentId: doc.parentId?.toHexString() ?? null,
    // init() marks messages stored before branches existed; absent reads as the single branch they were.
    active: doc.active ?? true,
    role: doc.role,
    content: doc.content,
    status: doc.status,
    model: doc.model ?? null,
    usage: doc.usage
      ? { promptTokens: doc.usage.promptTokens, completionTokens: doc.usage.completionTokens, totalTokens: doc.usage.totalTokens }
      : null,
    clientMessageId: doc.clientMessageId ?? null,
    error: doc.error ?? null,
    cache: doc.cache ? { level: doc.cache.level, similarity: doc.cache.similarity } : null,
    rating: doc.rating ?? null,
    ratingComment: doc.ratingComment ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
