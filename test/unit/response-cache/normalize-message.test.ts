import { normalizeMessage } from '../../../src/services/response-cache/normalize-message';

describe('normalizeMessage', () => {
  it('trims, collapses whitespace, lowercases and drops trailing sentence punctuation', () => {
    expect(normalizeMessage('  What   is\tthe capital\nof France?!  ')).toBe('what is the capital of france');
    expect(normalizeMessage('Hello...')).toBe('hello');
  });

  it('keeps negations, digits and every word', () => {
    expect(normalizeMessage("Why isn't 3.5 > 3?")).toBe("why isn't 3.5 > 3");
    expect(normalizeMessage('What is not X?')).not.toBe(normalizeMessage('What is X?'));
    expect(normalizeMessage('Is it 2024?')).not.toBe(normalizeMessage('Is it 2023?'));
  });

  it('keeps inner punctuation, which can change meaning', () => {
    expect(normalizeMessage('Let us eat, grandma.')).toBe('let us eat, grandma');
    expect(normalizeMessage('Let us eat grandma.')).not.toBe(normalizeMessage('Let us eat, grandma.'));
  });

  it('keeps a factorial sign', () => {
    expect(normalizeMessage('What is 5!')).toBe('what is 5!');
    expect(normalizeMessage('What is 5!')).not.toBe(normalizeMessage('What is 5?'));
  });

  it('folds compatibility forms of the same characters', () => {
    expect(normalizeMessage('Ｗｈａｔ is １２?')).toBe('what is 12');
  });
});
