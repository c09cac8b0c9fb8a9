import { lexicalSignature, signatureParts, SIGNATURE_VERSION } from '../../../src/services/response-cache/lexical-signature';
import { pairScores, QUERY_PAIRS } from '../../fixtures/similar-query-pairs';

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

describe('lexicalSignature on the labelled pair set', () => {
  const decided = QUERY_PAIRS.map((item) => lexicalSignature(item.first) === lexicalSignature(item.second));
  const scores = pairScores(QUERY_PAIRS, decided);

  it('has at least 40 pairs covering every class the guard promises about', () => {
    expect(QUERY_PAIRS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(QUERY_PAIRS.map((item) => item.kind))).toEqual(new Set([
      'negation', 'numbers and units', 'direction and order', 'comparison', 'quoted strings', 'different entities',
      'question kind and tense', 'different languages', 'reordered clauses', 'opening words and politeness',
      'function-word synonyms', 'whitespace, case and punctuation', 'paraphrase', 'pronouns', 'code and symbols',
    ]));
  });

  it.each(QUERY_PAIRS.filter((item) => item.label === 'must-miss').map((item) => [item.kind, item.first, item.second]))(
    'must miss (%s): %j vs %j',
    (_kind, first, second) => differ(first, second),
  );

  it.each(QUERY_PAIRS.filter((item) => item.label === 'must-hit').map((item) => [item.kind, item.first, item.second]))(
    'must hit (%s): %j vs %j',
    (_kind, first, second) => same(first, second),
  );

  it('scores precision 1 and must-hit recall 1; paraphrases in other content words are refused', () => {
    process.stdout.write(`[parley tests] lexical guard on ${QUERY_PAIRS.length} pairs: precision ${scores.precision.toFixed(2)}, ` +
      `must-hit recall ${scores.mustHitRecall.toFixed(2)}, same-meaning recall ${scores.sameMeaningRecall.toFixed(2)}\n`);
    expect(scores).toMatchObject({ precision: 1, mustHitRecall: 1, wronglyServed: [] });
    const paraphrases = QUERY_PAIRS.map((item, index) => [item, decided[index]] as const).filter(([item]) => item.label === 'paraphrase');
    expect(paraphrases.map(([, served]) => served)).toEqual(paraphrases.map(() => false));
  });
});

describe('signatureParts', () => {
  it('keeps meaning-bearing words in order, pronouns by person, negations per phrase; subordinate clauses either side', () => {
    expect(signatureParts('If it is not raining, should I cycle to work?')).toEqual({
      version: SIGNATURE_VERSION, sentences: ['should @1s cycle to work | if @3n raining ¬1'],
    });
    expect(signatureParts('Should I cycle to work if it is not raining?')).toEqual(signatureParts('If it is not raining, should I cycle to work?'));
    expect(signatureParts('In Python, how do I sort a list?').sentences).toEqual(['how @1s sort list in python']);
    expect(signatureParts('Is it bad to not sleep after eating?').sentences).toEqual(['@3n bad to sleep after eating ¬0.1.0']);
  });

  it('a message of filler only matches itself, not every other greeting', () => {
    differ('hi', 'thanks');
    same('Hi!', 'hi');
  });

  it('carries a version, so entries made under older rules never match', () => {
    expect(lexicalSignature('what is the capital of France')).toMatch(new RegExp(`^v${SIGNATURE_VERSION}:`));
    expect(SIGNATURE_VERSION).toBeGreaterThanOrEqual(2);
  });
});
