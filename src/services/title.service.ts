import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { ChatStore, ConversationRecord, MessageRecord } from '../ports/chat-store';
import type { ChatTurn, LlmClient } from '../ports/llm-client';
import type { Viewer } from './viewer';

export interface TitleServiceOptions {
  enabled: boolean;
  model: string;
  timeoutMs: number;
  maxTitleChars: number;
}

export interface TitleServiceDeps {
  store: ChatStore;
  llm: LlmClient;
  log: Logger;
  metrics: Metrics;
  options: TitleServiceOptions;
}

const INSTRUCTIONS = 'Write a title of at most six words for this chat. Reply with the title only: no quotes, no final full stop.';
/** How much of the first exchange the title model reads. */
const EXCERPT_CHARS = 1_000;
const TITLE_TOKENS = 24;

/** The model's answer as a title: its first line, without quotes, a "Title:" label or a final full stop; null when nothing is left. */
export function cleanTitle(text: string, maxChars: number): string | null {
  const line = text.split('\n').map((item) => item.trim()).find((item) => item !== '') ?? '';
  const title = line
    .replace(/^title\s*:\s*/iu, '')
    .replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/gu, '')
    .replace(/[.。]+$/u, '')
    .replace(/\s+/gu, ' ')
    .trim();
  if (title === '') return null;
  return title.length <= maxChars ? title : `${title.slice(0, maxChars - 1).trimEnd()}…`;
}

/**
 * Titles for conversations created without one, written after a reply off the request path
 * (the reply has been returned or streamed already): one short call to a cheap model, never
 * charged to the user's budget. The store sets it only while the title is still the default,
 * so a title the user set meanwhile wins. A failure keeps the default title, is logged, and
 * the next reply tries again.
 */
export class TitleService {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: TitleServiceDeps) {}

  /** Starts titling when the conversation still has its default title and `reply` is COMPLETE. */
  afterReply(viewer: Viewer, conversation: ConversationRecord, question: MessageRecord, reply: MessageRecord | null): void {
    const { enabled } = this.deps.options;
    if (!enabled || conversation.titleSource !== 'DEFAULT' || reply?.status !== 'COMPLETE' || this.running.has(conversation.id)) return;
    const job = this.generate(viewer, conversation, question, reply).finally(() => this.running.delete(conversation.id));
    this.running.set(conversation.id, job);
  }

  /** Waits for the titles being written (each bounded by its timeout). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async generate(viewer: Viewer, conversation: ConversationRecord, question: MessageRecord, reply: MessageRecord): Promise<void> {
    const { llm, store, log, metrics, options } = this.deps;
    try {
      const completion = await llm.complete({
        model: options.model,
        messages: titlePrompt(question.content, reply.content),
        maxTokens: TITLE_TOKENS,
        temperature: 0.2,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const title = cleanTitle(completion.content, options.maxTitleChars);
      if (title === null) throw new Error('the title model returned no text');
      const stored = await store.setGeneratedTitle(viewer.id, conversation.id, title);
      metrics.titles.inc({ outcome: stored ? 'stored' : 'kept' });
    } catch (error: unknown) {
      metrics.titles.inc({ outcome: 'failed' });
      log.warn('conversation title not generated; the default stays', { conversationId: conversation.id, err: error instanceof Error ? error.message : String(error) });
    }
  }
}

function titlePrompt(question: string, answer: string): ChatTurn[] {
  const excerpt = (text: string) => (text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}…`);
  return [
    { role: 'system', content: INSTRUCTIONS },
    { role: 'user', content: `User: ${excerpt(question)}\nAssistant: ${excerpt(answer)}` },
  ];
}
