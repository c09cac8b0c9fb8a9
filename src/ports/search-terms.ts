/**
 * Part of the ChatStore port (ConversationPage.terms).
 * Conversation search, as both stores match it: the query's words, each a whole word of the
 * title or of one message, all of them (AND), ignoring case and diacritics. Words are runs of
 * letters and digits; no stemming and no stop words (MongoDB's text index with language "none").
 */

/** Longest search accepted, and most words used from it. */
export const SEARCH_LIMITS = { maxChars: 200, maxTerms: 10 } as const;

/** Lower case, diacritics removed (é → e): how words are compared. */
export function foldWord(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

export function wordsOf(text: string): string[] {
  return foldWord(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** The distinct words to look for; empty when the query has none. */
export function searchTerms(query: string): string[] {
  return [...new Set(wordsOf(query))].slice(0, SEARCH_LIMITS.maxTerms);
}

/** Whether `text` has every term as a word. */
export function hasAllTerms(text: string, terms: readonly string[]): boolean {
  if (terms.length === 0) return false;
  const words = new Set(wordsOf(text));
  return terms.every((term) => words.has(term));
}
