/** How ContextWindowService shapes a conversation's model input. */
export interface ContextWindowOptions {
  /**
   * The most prompt tokens (TokenCounter.countChat) a request may carry: the window plus the
   * caller's reserve (its new user turn and the completion cap) stay within it.
   * @defaultValue 6000
   */
  maxContextTokens: number;
  /**
   * The most messages one rebuild reads from the store, and the most turns a window or a cached
   * window keeps. Older turns not yet summarised fall out silently, so set it high enough that
   * maxContextTokens, not this, is what fills up first.
   * @defaultValue 50
   */
  maxMessages: number;
  /**
   * The cheap model that writes running summaries.
   * @defaultValue 'gpt-4o-mini'
   */
  summaryModel: string;
  /**
   * Completion cap for one summary, which bounds the summary's size.
   * @defaultValue 300
   */
  summaryMaxTokens: number;
  /**
   * The newest turns left out of a summary, kept verbatim.
   * @defaultValue 6
   */
  keepRecentTurns: number;
  /**
   * A summary taking longer than this is abandoned; the window then drops its oldest turns.
   * @defaultValue 15000
   */
  summaryTimeoutMs: number;
}

export const DEFAULT_CONTEXT_WINDOW_OPTIONS: Readonly<ContextWindowOptions> = {
  maxContextTokens: 6000,
  maxMessages: 50,
  summaryModel: 'gpt-4o-mini',
  summaryMaxTokens: 300,
  keepRecentTurns: 6,
  summaryTimeoutMs: 15_000,
};

const POSITIVE_INTEGERS = ['maxContextTokens', 'maxMessages', 'summaryMaxTokens', 'summaryTimeoutMs'] as const;

/** Fills in defaults and refuses values that cannot work, naming every bad one. */
export function resolveContextWindowOptions(given: Partial<ContextWindowOptions> = {}): ContextWindowOptions {
  const options = { ...DEFAULT_CONTEXT_WINDOW_OPTIONS, ...stripUndefined(given) };
  const problems = POSITIVE_INTEGERS.filter((name) => !isPositiveInteger(options[name])).map(
    (name) => `${name} must be a positive integer, got ${options[name]}`,
  );
  if (!Number.isInteger(options.keepRecentTurns) || options.keepRecentTurns < 0) {
    problems.push(`keepRecentTurns must be a non-negative integer, got ${options.keepRecentTurns}`);
  }
  if (options.summaryModel.trim() === '') problems.push('summaryModel must not be empty');
  if (problems.length > 0) throw new RangeError(`Invalid context window options: ${problems.join('; ')}`);
  return options;
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

function stripUndefined(given: Partial<ContextWindowOptions>): Partial<ContextWindowOptions> {
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}
