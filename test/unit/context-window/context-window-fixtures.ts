import { MemoryChatStore } from '../../../src/adapters/memory/memory-chat-store';
import { createLogger } from '../../../src/observability/logger';
import type { ChatStore, ConversationRecord, MessagePage, MessageRecord, MessageStatus } from '../../../src/ports/chat-store';
import type { ChatTurn, Completion, CompletionRequest, CompletionChunk, LlmClient } from '../../../src/ports/llm-client';
import type { ContextWindowService } from '../../../src/services/context-window/context-window.service';
import type { Viewer } from '../../../src/services/viewer';

export const ALICE: Viewer = { id: 'user-alice', tier: 'free' };
export const BOB: Viewer = { id: 'user-bob', tier: 'free' };

export const quietLog = () => createLogger({ level: 'error', pretty: false, silent: true });

/** The memory store, counting the history reads a window costs. */
export class CountingChatStore extends MemoryChatStore {
  listMessagesCalls = 0;

  override async listMessages(userId: string, conversationId: string, page: MessagePage): Promise<MessageRecord[]> {
    this.listMessagesCalls += 1;
    return super.listMessages(userId, conversationId, page);
  }
}

/** ChatService.loadContext as it stood before the context window: the oracle for short conversations. */
export async function loadContextToday(
  store: ChatStore,
  viewer: Viewer,
  conversation: ConversationRecord,
  contextMessages: number,
): Promise<ChatTurn[]> {
  const recent = await store.listMessages(viewer.id, conversation.id, { direction: 'desc', limit: contextMessages });
  const turns: ChatTurn[] = recent
    .filter((message) => message.role === 'USER' || message.status === 'COMPLETE')
    .reverse()
    .map((message) => ({ role: message.role === 'USER' ? 'user' : 'assistant', content: message.content }));
  return conversation.systemPrompt ? [{ role: 'system', content: conversation.systemPrompt }, ...turns] : turns;
}

export interface ExchangeRun {
  /** The window the exchange's model call was given (before its user turn). */
  window: ChatTurn[];
  reply: MessageRecord;
}

export interface ExchangeOptions {
  status?: Exclude<MessageStatus, 'PENDING'>;
  /** Produces the reply; an echo when absent. */
  answer?: (messages: ChatTurn[]) => Promise<string>;
  reserveTokens?: number;
}

/** sendMessage's steps as they touch the context window: read, window, store, settle, write through. */
export async function runExchange(
  service: ContextWindowService,
  store: ChatStore,
  viewer: Viewer,
  conversationId: string,
  content: string,
  options: ExchangeOptions = {},
): Promise<ExchangeRun> {
  const conversation = await store.getConversation(viewer.id, conversationId);
  if (!conversation) throw new Error('conversation not found');
  const window = await service.window(viewer, conversation, options.reserveTokens ?? 0);
  const begun = await store.beginExchange({ userId: viewer.id, conversationId, content, clientMessageId: null, model: conversation.model });
  if (begun.kind !== 'created') throw new Error(`exchange not created: ${begun.kind}`);
  const status = options.status ?? 'COMPLETE';
  const text = status === 'FAILED' ? '' : await (options.answer ?? echo)([...window, { role: 'user', content }]);
  const reply = await store.finishExchange({
    userId: viewer.id, conversationId, assistantMessageId: begun.exchange.assistantMessage.id, status, content: text,
    model: conversation.model, usage: null, error: status === 'FAILED' ? 'model unavailable' : null, costMicroUsd: 0,
  });
  if (!reply) throw new Error('reply not stored');
  const assistantTurn: ChatTurn | null = reply.status === 'COMPLETE' ? { role: 'assistant', content: reply.content } : null;
  await service.appendExchange(viewer, conversation, { role: 'user', content }, assistantTurn, reply.seq);
  return { window, reply };
}

async function echo(messages: ChatTurn[]): Promise<string> {
  return `Echo: ${messages.at(-1)?.content ?? ''}`;
}

/** An LlmClient answering from a script; each call is recorded. */
export class ScriptedLlm implements LlmClient {
  readonly requests: CompletionRequest[] = [];

  constructor(private readonly answer: (request: CompletionRequest) => Promise<string>) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    this.requests.push(request);
    const content = await this.answer(request);
    return { content, model: request.model, usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, finishReason: 'stop' };
  }

  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<CompletionChunk> {
    throw new Error('not used by the context window');
  }
}

/** Words that tokenise to roughly one token each, `count` of them, distinct per `tag`. */
export function longText(tag: string, count: number): string {
  return Array.from({ length: count }, (_, index) => `${tag}${index % 10}`).join(' ');
}
