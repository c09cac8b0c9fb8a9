import { lexicalSignature } from '../../../src/services/response-cache/lexical-signature';

const same = (a: string, b: string) => expect(lexicalSignature(a)).toBe(lexicalSignature(b));
const differ = (a: string, b: string) => expect(lexicalSignature(a)).not.toBe(lexicalSignature(b));

describe('lexicalSignature', () => {
  it('is equal for rewordings that keep negations, numbers, names and quotes', () => {
    same('how do i reset my password', 'How can I reset my password please?');
    same('What is the boiling point of water?', 'what is the boiling point of water');
    same("Why doesn't Python's GIL matter for I/O?", 'Why does not Python’s GIL matter for I/O');
  });

  it('differs when a negation appears on one side only', () => {
    differ('what is X', 'what is not X');
    differ('Can I use a VPN', "Can't I use a VPN");
    differ('coffee with sugar', 'coffee without sugar');
    differ('is it ever allowed', 'is it never allowed');
  });

  it('differs when numbers differ, in digits or in words', () => {
    differ('flights in 2023', 'flights in 2024');
    differ('what is 3.5 times 2', 'what is 3.5 times 3');
    differ('the first president', 'the second president');
    same('a budget of 1,000 dollars', 'a budget of 1000 dollars');
  });

  it('differs when named entities differ, but not for a capitalised opening word', () => {
    differ('what is the population of Paris', 'what is the population of Lyon');
    differ('Paris population', 'Lyon population');
    same('What is the population of Paris', 'what is the population of Paris');
  });

  it('differs when quoted strings differ', () => {
    differ('translate "good morning" to French', 'translate "good night" to French');
    differ('what does `ls -la` do', 'what does `ls -l` do');
  });

  it('differs when a word flips the question into its opposite', () => {
    differ('the highest mountain in the world', 'the lowest mountain in the world');
    differ('what happens before the exam', 'what happens after the exam');
  });
});
