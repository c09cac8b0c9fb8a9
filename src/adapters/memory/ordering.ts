import type { ConversationKey, ConversationRecord } from '../../ports/chat-store';

/** Newest activity first; id breaks ties so equal timestamps never reorder between pages. */
export function compareConversations(a: ConversationKey, b: ConversationKey): number {
  const byTime = b.lastMessageAt.getTime() - a.lastMessageAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when `item` comes strictly after `key` in compareConversations order. */
export function isAfterKey(item: ConversationRecord, key: ConversationKey): boolean {
  return compareConversations(key, item) < 0;
}
