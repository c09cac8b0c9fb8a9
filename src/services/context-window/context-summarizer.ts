import type { ChatTurn, LlmClient } from '../../ports/llm-client';

export interface ContextSummarizerOptions {
  model: string;
  maxTokens: number;
  timeoutMs: number;
}

const INSTRUCTIONS = [
  'You keep the running summary of a chat between a user and an assistant.',
  'Merge the previous summary and the new turns into one concise summary, in the third person.',
  'Keep names, numbers, dates, decisions, preferences and open questions; drop pleasantries.',
  'Reply with the summary only.',
].join(' ');

/** The summarising request: the instructions, then the previous summary and the turns as one text. */
export function summaryPrompt(previous: string | null, turns: readonly ChatTurn[]): ChatTurn[] {
  const transcript = turns.map((turn) => `${turn.role === 'user' ? 'User' : 'Assistant'}: ${turn.content}`).join('\n\n');
  return [
    { role: 'system', content: INSTRUCTIONS },
    { role: 'user', content: `Previous summary:\n${previous ?? '(none)'}\n\nNew turns:\n${transcript}` },
  ];
}

/** Condenses older turns into a running summary with a cheap model. */
export class ContextSummarizer {
  constructor(
    private readonly llm: LlmClient,
    private readonly options: ContextSummarizerOptions,
  ) {}

  /** Rejects when the model fails, times out or returns nothing. */
  async summarize(previous: string | null, turns: readonly ChatTurn[]): Promise<string> {
    const completion = await this.llm.complete({
      model: this.options.model,
      messages: summaryPrompt(previous, turns),
      maxTokens: this.options.maxTokens,
      temperature: 0,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const summary = completion.content.trim();
    if (summary === '') throw new Error('the summary model returned no text');
    return summary;
  }
}
