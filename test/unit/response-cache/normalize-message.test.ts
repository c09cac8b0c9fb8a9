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

describe('normalizeMessage and case', () => {
  it('keeps the case of short all-capital words, where it carries meaning, and superscripts', () => {
    expect(normalizeMessage('Is IT a good career?')).not.toBe(normalizeMessage('Is it a good career?'));
    expect(normalizeMessage('Convert 10 Mb to MB')).not.toBe(normalizeMessage('Convert 10 MB to Mb'));
    expect(normalizeMessage('What is x²?')).not.toBe(normalizeMessage('What is x2?'));
    expect(normalizeMessage('A dog or a cat?')).toBe(normalizeMessage('a dog or a cat?'));
    expect(normalizeMessage('WHAT IS THE CAPITAL OF FRANCE')).toBe(normalizeMessage('what is the capital of france'));
  });
});
