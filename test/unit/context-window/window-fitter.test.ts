import type { ChatTurn } from '../../../src/ports/llm-client';
import { SUMMARY_NOTE_PREFIX, WindowFitter } from '../../../src/services/context-window/window-fitter';
import { TokenCounter } from '../../../src/services/token-counter';
import { longText } from './context-window-fixtures';

const MODEL = 'gpt-4o-mini';
const tokens = new TokenCounter();
const fitter = new WindowFitter(tokens);
const turn = (role: ChatTurn['role'], content: string): ChatTurn => ({ role, content });
const turns = [turn('user', 'one'), turn('assistant', 'two'), turn('user', 'three'), turn('assistant', 'four')];

describe('WindowFitter', () => {
  it('keeps everything that fits, reporting the count countChat would give', () => {
    const fitted = fitter.fit(MODEL, { systemPrompt: 'Be brief.', summary: 'Earlier.', turns }, 1_000, 50);
    expect(fitted.messages).toEqual([turn('system', 'Be brief.'), turn('system', `${SUMMARY_NOTE_PREFIX}Earlier.`), ...turns]);
    expect(fitted.dropped).toBe(0);
    expect(fitted.tokens).toBe(tokens.countChat(MODEL, fitted.messages));
  });

  it('drops the oldest turns first, never leaving a gap, and stays within the budget', () => {
    const mixed = [turn('user', 'short'), turn('assistant', longText('big', 200)), turn('user', 'three'), turn('assistant', 'four')];
    const budget = tokens.countChat(MODEL, [turn('system', 'Be brief.'), ...mixed.slice(2)]) + 5;
    const fitted = fitter.fit(MODEL, { systemPrompt: 'Be brief.', summary: null, turns: mixed }, budget, 50);
    expect(fitted.messages).toEqual([turn('system', 'Be brief.'), ...mixed.slice(2)]);
    expect(fitted.dropped).toBe(2);
    expect(fitted.tokens).toBeLessThanOrEqual(budget);
  });

  it('keeps the system prompt even alone over the budget, and then nothing else', () => {
    const fitted = fitter.fit(MODEL, { systemPrompt: longText('p', 100), summary: 'Earlier.', turns }, 20, 50);
    expect(fitted.messages).toEqual([turn('system', longText('p', 100))]);
    expect(fitted.dropped).toBe(4);
  });

  it('leaves out a summary note that does not fit', () => {
    const budget = tokens.countChat(MODEL, turns.slice(-1)) + 2;
    const fitted = fitter.fit(MODEL, { systemPrompt: null, summary: longText('s', 50), turns }, budget, 50);
    expect(fitted.messages).toEqual(turns.slice(-1));
  });

  it('keeps at most maxTurns turns, counting the rest as dropped', () => {
    const fitted = fitter.fit(MODEL, { systemPrompt: null, summary: null, turns }, 1_000, 3);
    expect(fitted.messages).toEqual(turns.slice(1));
    expect(fitted.dropped).toBe(1);
  });

  it('an empty conversation without a prompt is an empty window', () => {
    expect(fitter.fit(MODEL, { systemPrompt: null, summary: null, turns: [] }, 100, 50)).toEqual({ messages: [], dropped: 0, tokens: 3 });
  });
});
