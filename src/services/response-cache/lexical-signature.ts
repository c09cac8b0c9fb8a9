import { createHash } from 'node:crypto';
import { normalizeMessage } from './normalize-message';
import { CONTRACTION_ENDINGS, FILLER, FILLER_INFINITIVES, NOT_FORMS, NOT_STEMS, PREPOSITIONS, SUBORDINATORS, SYNONYMS } from './lexical-words';

/**
 * What a question hinges on, in order. Two questions can share an answer through similarity only
 * when these are equal: the same meaning-bearing words (everything but filler: articles, pronouns,
 * politeness, "what is", "can you tell me"), in the same order within each clause, with the same
 * negations, numbers, quoted strings, prepositions and symbols in the same places. Clauses may come
 * in any order, and a fronted prepositional phrase ("In Python, how …") reads as a trailing one.
 *
 * So "from A to B" never answers "from B to A", "A bigger than B" never answers "B bigger than A",
 * and "what is X" never answers "what is not X", while case, whitespace, punctuation, opening
 * words and function-word synonyms (into/to, regarding/about, what's/what is) do not matter.
 */
export interface SignatureParts {
  version: number;
  /** Each clause's tokens joined by spaces, clauses sorted. */
  clauses: string[];
}

/** Bumped whenever the rules change, so entries stored under older rules stop matching. */
export const SIGNATURE_VERSION = 2;

/** The signature compared by the similar level: a short digest of `signatureParts`. */
export function lexicalSignature(message: string): string {
  const parts = signatureParts(message);
  return `v${parts.version}:${createHash('sha256').update(JSON.stringify(parts.clauses)).digest('base64url').slice(0, 22)}`;
}

/** The readable form behind `lexicalSignature`, for tests and debugging. */
export function signatureParts(message: string): SignatureParts {
  const clauses = frontedPhrasesMoved(splitClauses(tokens(message)));
  const kept = clauses.map(clauseKey).filter((clause) => clause !== '');
  // A message of filler only ("hi", "thanks") must match itself alone, not every other such message.
  if (kept.length === 0) return { version: SIGNATURE_VERSION, clauses: [`=${normalizeMessage(message)}`] };
  return { version: SIGNATURE_VERSION, clauses: kept.sort() };
}

type Token = { kind: 'word'; text: string } | { kind: 'break' };

/**
 * Quoted strings (verbatim), words with their inner apostrophes and digits (3.5, 1,000, don't,
 * gpt4), symbols that carry meaning (+ = < % $ emoji), a minus between numbers, clause punctuation.
 */
const TOKEN = new RegExp(
  [
    String.raw`"([^"]+)"`, '“([^”]+)”', '`([^`]+)`', '«([^»]+)»', String.raw`(?<![\p{L}\p{N}])'([^']+)'(?![\p{L}\p{N}])`,
    String.raw`([\p{L}\p{M}\p{N}]+(?:[.,'][\p{L}\p{M}\p{N}]+)*)`,
    String.raw`([+*/=<>^×÷±≤≥≠%$€£¥#@&|~]|(?<=\p{N}\s*)[-−](?=\s*\p{N})|\p{Extended_Pictographic})`,
    String.raw`([,;:.!?…。？！、()\[\]\n])`,
  ].join('|'),
  'gu',
);
const QUOTE_GROUPS = 5;

function tokens(message: string): Token[] {
  const text = message.normalize('NFKC').replace(/[’‘]/gu, "'");
  const out: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const quoted = match.slice(1, QUOTE_GROUPS + 1).find((group) => group !== undefined);
    const [raw, symbol] = [match[QUOTE_GROUPS + 1], match[QUOTE_GROUPS + 2]];
    if (quoted !== undefined) out.push({ kind: 'word', text: `"${quoted.replace(/\s+/gu, ' ').trim()}"` });
    else if (raw !== undefined) {
      // "want to know", "like to ask": the "to" of a filler verb is filler too.
      const previous = out.at(-1);
      if (FILLER_INFINITIVES.has(raw.toLowerCase()) && previous?.kind === 'word' && previous.text === 'to') out.pop();
      out.push(...wordTokens(raw));
    }
    else if (symbol !== undefined) out.push({ kind: 'word', text: symbol.replace('−', '-') });
    else out.push({ kind: 'break' });
  }
  return out;
}

/** One raw word as zero, one or two tokens: "doesn't" → not, "what's" → (nothing), "Paris's" → paris. */
function wordTokens(raw: string): Token[] {
  const lower = raw.toLowerCase();
  if (/^\p{N}{1,3}(?:,\p{N}{3})+$/u.test(lower)) return [word(lower.replace(/,/gu, ''))];
  if (/^\p{N}+(?:[.,]\p{N}+)*$/u.test(lower)) return [word(lower)];
  const bareNot = lower.replace(/'/gu, '');
  if (lower.endsWith("n't") || NOT_FORMS.has(bareNot)) {
    // The word "not" was fused with stays as itself (didn't → not did; won't → not will).
    const stem = lower.endsWith("n't") ? lower.slice(0, -3) : bareNot === 'not' ? '' : bareNot.slice(0, -2);
    const base = NOT_STEMS.get(stem) ?? stem;
    return [word('not'), ...(base === '' ? [] : contentWord(base))];
  }
  const apostrophe = lower.lastIndexOf("'");
  const bare = apostrophe > 0 && CONTRACTION_ENDINGS.has(lower.slice(apostrophe + 1)) ? lower.slice(0, apostrophe) : lower;
  return contentWord(bare.replace(/'/gu, ''));
}

function contentWord(text: string): Token[] {
  const mapped = SYNONYMS.get(text) ?? text;
  if (FILLER.has(mapped)) return [];
  return [word(singular(mapped))];
}

function word(text: string): Token {
  return { kind: 'word', text };
}

/** Plural nouns as singular (lists → list, cities → city); a crude rule applied alike to both sides. */
function singular(text: string): string {
  if (text.length <= 3 || !/^\p{Ll}+$/u.test(text) || PREPOSITIONS.has(text) || SUBORDINATORS.has(text)) return text;
  if (text.endsWith('ies') && text.length > 4) return `${text.slice(0, -3)}y`;
  if (/(?:ss|us|is|ous)$/u.test(text)) return text;
  if (/(?:sh|ch|x|z)es$/u.test(text)) return text.slice(0, -2);
  return text.endsWith('s') ? text.slice(0, -1) : text;
}

/**
 * A clause's words in order, with its negations counted rather than placed: "why doesn't my code
 * compile" and "why does my code not compile" are one question, but a "not" never moves between
 * clauses ("if not raining, should I cycle" ≠ "if raining, should I not cycle").
 */
function clauseKey(clause: string[]): string {
  const negations = clause.filter((text) => text === 'not').length;
  const rest = clause.filter((text) => text !== 'not').join(' ');
  return negations === 0 ? rest : `${rest} ¬${negations}`;
}

/** Splits at clause punctuation and before subordinators ("…, if …", "… when …"). */
function splitClauses(list: Token[]): string[][] {
  const clauses: string[][] = [[]];
  for (const token of list) {
    if (token.kind === 'break') {
      clauses.push([]);
      continue;
    }
    if (SUBORDINATORS.has(token.text) && (clauses.at(-1)?.length ?? 0) > 0) clauses.push([]);
    clauses.at(-1)!.push(token.text);
  }
  return clauses.filter((clause) => clause.length > 0);
}

/** "In Python, how do I sort a list" reads as "how do I sort a list in Python". */
function frontedPhrasesMoved(clauses: string[][]): string[][] {
  const out: string[][] = [];
  let fronted: string[] = [];
  for (const [index, clause] of clauses.entries()) {
    const isPhrase = PREPOSITIONS.has(clause[0] ?? '') && !clause.slice(1).some((text) => PREPOSITIONS.has(text) || SUBORDINATORS.has(text));
    if (isPhrase && index < clauses.length - 1) {
      fronted = [...fronted, ...clause];
      continue;
    }
    out.push([...clause, ...fronted]);
    fronted = [];
  }
  return out;
}
