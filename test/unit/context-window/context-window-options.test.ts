import {
  DEFAULT_CONTEXT_WINDOW_OPTIONS,
  resolveContextWindowOptions,
} from '../../../src/services/context-window/context-window-options';

describe('resolveContextWindowOptions', () => {
  it('fills every option left out (or undefined) with its default', () => {
    expect(resolveContextWindowOptions()).toEqual(DEFAULT_CONTEXT_WINDOW_OPTIONS);
    expect(resolveContextWindowOptions({ maxMessages: 20, keepRecentTurns: undefined })).toEqual({
      ...DEFAULT_CONTEXT_WINDOW_OPTIONS,
      maxMessages: 20,
    });
    expect(DEFAULT_CONTEXT_WINDOW_OPTIONS).toMatchObject({
      maxContextTokens: 6000, maxMessages: 50, summaryModel: 'gpt-4o-mini', summaryMaxTokens: 300, keepRecentTurns: 6,
    });
  });

  it('names every bad option in one error', () => {
    expect(() => resolveContextWindowOptions({ maxContextTokens: 0, keepRecentTurns: -1, summaryModel: ' ' })).toThrow(
      /maxContextTokens must be a positive integer, got 0; keepRecentTurns .* got -1; summaryModel must not be empty/,
    );
    expect(() => resolveContextWindowOptions({ maxMessages: 2.5 })).toThrow(/maxMessages/);
  });
});
