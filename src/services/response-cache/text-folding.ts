const SUPERSCRIPTS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/**
 * Unicode compatibility forms folded (NFKC: full-width letters, ligatures), except superscript
 * digits, which NFKC would turn into plain ones (x² into x2): they become ^2 first.
 */
export function foldForms(text: string): string {
  return text.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]/gu, (digit) => `^${SUPERSCRIPTS.indexOf(digit)}`).normalize('NFKC');
}

/** More than half the letters of a longer text are capitals: its case says nothing. */
export function isShouting(text: string): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  return letters.length > 8 && letters.filter((letter) => /\p{Lu}/u.test(letter)).length > letters.length / 2;
}

/**
 * A short all-capital word (IT, US, MB, a single letter) is a name, acronym or unit whose case
 * matters ("IT" is not "it", "MB" is not "Mb"), except the pronoun I, a sentence-opening A, and
 * in shouted text.
 */
export function keepsCase(word: string, shouting: boolean, sentenceStart: boolean): boolean {
  return !shouting && /^\p{Lu}{1,4}$/u.test(word) && word !== 'I' && !(sentenceStart && word === 'A');
}

/** Lowercases every word whose case carries no meaning (see keepsCase). */
export function foldCase(text: string): string {
  const shouting = isShouting(text);
  return text.replace(/[\p{L}\p{M}\p{N}_]+/gu, (word, offset: number) => {
    const sentenceStart = /(?:^|[.!?]\s+)$/u.test(text.slice(0, offset));
    return keepsCase(word, shouting, sentenceStart) ? word : word.toLowerCase();
  });
}
