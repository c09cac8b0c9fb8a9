import { foldCase, foldForms } from './text-folding';

/** Sentence punctuation that ends a message without changing what it asks. */
const TRAILING = /[\s.?!,;:…。？！]+$/u;
const FACTORIAL = /\p{N}!/u;

/**
 * The exact-level form of a user message: Unicode-compatible (NFKC, superscripts kept), trimmed,
 * whitespace collapsed, lowercased where case means nothing (not "IT" or "MB"), trailing
 * punctuation dropped. It never drops a word, a digit or a
 * negation; a trailing `!` right after a digit is a factorial and stays.
 */
export function normalizeMessage(message: string): string {
  const text = foldCase(foldForms(message).replace(/\s+/gu, ' ').trim());
  const trailing = TRAILING.exec(text);
  if (!trailing) return text;
  const kept = text.slice(0, trailing.index);
  return FACTORIAL.test(text.slice(Math.max(0, trailing.index - 1), trailing.index + 1)) ? text : kept;
}
