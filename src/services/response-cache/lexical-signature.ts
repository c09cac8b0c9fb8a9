import { createHash } from 'node:crypto';
import { normalizeMessage } from './normalize-message';
import { foldForms, isShouting, keepsCase } from './text-folding';
import {
  BE_PRESENT, CLAUSE_OPENERS, CONTRACTIONS, FILLER, FILLER_PHRASES, GENERIC_QUESTION_WORDS, MOVABLE_PREPOSITIONS,
  NOT_FORMS, NOT_PLURALS, NOT_STEMS, PERSONS, PREPOSITIONS, QUESTION_AUXILIARIES, QUESTION_WORDS, SUBORDINATORS, SYNONYMS,
} from './lexical-words';

/**
 * What a question hinges on, in order. Two questions can share an answer through similarity only
 * when these are equal: the same meaning-bearing words (everything but filler: articles, "is/are",
 * greetings, "please tell me", "can you explain", "what is"), in the same order, with the same
 * pronouns (by person), negations (per phrase), numbers, symbols, prepositions and quoted strings
 * in the same places. A subordinate clause may stand before or after its main clause, and a fronted
 * place or time phrase ("In Python, how …") reads as a trailing one; nothing else moves.
 *
 * So "from A to B" never answers "from B to A", "my" never answers "your", "what is X" never
 * answers "what is not X", while case, whitespace, punctuation, opening words and function-word
 * synonyms (into/to, regarding/about, what's/what is, how do/how can) do not matter.
 */
export interface SignatureParts {
  version: number;
  /** One entry per sentence, in order: its clause keys joined by " | ". */
  sentences: string[];
}

/** Bumped whenever the rules change, so entries stored under older rules stop matching. */
export const SIGNATURE_VERSION = 3;

/** The signature compared by the similar level: a short digest of `signatureParts`. */
export function lexicalSignature(message: string): string {
  const parts = signatureParts(message);
  return `v${parts.version}:${createHash('sha256').update(JSON.stringify(parts.sentences)).digest('base64url').slice(0, 22)}`;
}

/** The readable form behind `lexicalSignature`, for tests and debugging. */
export function signatureParts(message: string): SignatureParts {
  const sentences = splitSentences(withoutFillerPhrases(tokens(message))).map(sentenceKey).filter((key) => key !== '');
  // A message of filler only ("hi", "thanks") must match itself alone, not every other such message.
  if (sentences.length === 0) return { version: SIGNATURE_VERSION, sentences: [`=${normalizeMessage(message)}`] };
  return { version: SIGNATURE_VERSION, sentences };
}

type Token =
  | { kind: 'word'; text: string; kept: boolean }
  | { kind: 'break'; sentence: boolean };

/**
 * Quoted strings (verbatim), words with inner apostrophes, digits and underscores (3.5, 1,000,
 * don't, is_valid), leading-dot decimals, a minus before a number or flag, every symbol, and
 * sentence or clause punctuation.
 */
const TOKEN = new RegExp(
  [
    String.raw`"([^"]+)"`, '“([^”]+)”', '`([^`]+)`', '«([^»]+)»', String.raw`(?<![\p{L}\p{N}])'([^']+)'(?![\p{L}\p{N}])`,
    String.raw`((?<!\p{N})\.\p{N}+|[\p{L}\p{M}\p{N}_]+(?:[.,'][\p{L}\p{M}\p{N}_]+)*)`,
    String.raw`((?<=\p{N})!|[-−–](?=\s*[\p{N}.])|(?<![\p{L}\p{N}])-(?=\p{L})|[\p{Sm}\p{Sc}\p{Sk}\p{So}*/#@&|~\\()\[\]{}%^])`,
    String.raw`([.!?。？！\n])`,
    String.raw`([,;:、…])`,
  ].join('|'),
  'gu',
);
const QUOTE_GROUPS = 5;

function tokens(message: string): Token[] {
  const text = foldForms(message).replace(/[’‘]/gu, "'");
  const shouting = isShouting(text);
  const out: Token[] = [];
  let sentenceStart = true;
  for (const match of text.matchAll(TOKEN)) {
    const quoted = match.slice(1, QUOTE_GROUPS + 1).find((group) => group !== undefined);
    const [raw, symbol, sentenceBreak] = [match[QUOTE_GROUPS + 1], match[QUOTE_GROUPS + 2], match[QUOTE_GROUPS + 3]];
    if (quoted !== undefined) out.push(kept(`"${quoted.replace(/\s+/gu, ' ').trim()}"`));
    else if (raw !== undefined) out.push(...wordTokens(raw, shouting, sentenceStart));
    else if (symbol !== undefined) out.push(kept(symbol.replace(/[−–]/u, '-')));
    else out.push({ kind: 'break', sentence: sentenceBreak !== undefined });
    sentenceStart = out.at(-1)?.kind === 'break' && (out.at(-1) as { sentence: boolean }).sentence;
  }
  return out;
}

function kept(text: string): Token {
  return { kind: 'word', text, kept: true };
}

function word(text: string): Token {
  return { kind: 'word', text, kept: false };
}

/**
 * One raw word as tokens: "doesn't" → does not, "what'll" → what will, "IT" stays IT (a short
 * all-capital word is a name or unit, never filler), numbers are canonical (1,000 → 1000, .5 → 0.5).
 */
function wordTokens(raw: string, shouting: boolean, sentenceStart: boolean): Token[] {
  if (raw.startsWith('.')) return [kept(`0${raw}`)];
  if (/^\p{N}{1,3}(?:,\p{N}{3})+$/u.test(raw)) return [kept(raw.replace(/,/gu, ''))];
  if (/^\p{N}+(?:[.,]\p{N}+)*$/u.test(raw)) return [kept(raw)];
  if (keepsCase(raw, shouting, sentenceStart)) return [kept(raw)];
  const lower = raw.toLowerCase();
  const bareNot = lower.replace(/'/gu, '');
  if (lower.endsWith("n't") || NOT_FORMS.has(bareNot)) {
    const stem = lower.endsWith("n't") ? lower.slice(0, -3) : bareNot === 'not' ? '' : bareNot.slice(0, -2);
    const base = NOT_STEMS.get(stem) ?? stem;
    return [...(base === '' ? [] : [word(base)]), word('not')];
  }
  const apostrophe = lower.lastIndexOf("'");
  const ending = apostrophe > 0 ? CONTRACTIONS.get(lower.slice(apostrophe + 1)) : undefined;
  if (ending !== undefined) return [word(lower.slice(0, apostrophe)), word(ending)];
  return [word(lower.replace(/'/gu, ''))];
}

/** Drops request phrasings ("can you tell me", "I want to know") wherever they stand. */
function withoutFillerPhrases(list: Token[]): Token[] {
  const out: Token[] = [];
  for (let index = 0; index < list.length; ) {
    const phrase = FILLER_PHRASES.find((candidate) => candidate.every((text, offset) => {
      const token = list[index + offset];
      return token?.kind === 'word' && !token.kept && token.text === text;
    }));
    if (phrase) {
      index += phrase.length;
      continue;
    }
    out.push(list[index]!);
    index += 1;
  }
  return out;
}

interface Clause {
  words: string[];
  subordinate: boolean;
}

/** Sentences of clauses: split at sentence punctuation, then at clause punctuation, subordinators and relative words. */
function splitSentences(list: Token[]): Clause[][] {
  const sentences: Clause[][] = [[]];
  let clause: Clause = { words: [], subordinate: false };
  const close = () => {
    if (clause.words.length > 0) sentences.at(-1)!.push(clause);
    clause = { words: [], subordinate: false };
  };
  for (const token of list) {
    if (token.kind === 'break') {
      close();
      if (token.sentence) sentences.push([]);
      continue;
    }
    const text = token.kept ? token.text : (SYNONYMS.get(token.text) ?? token.text);
    const opens = !token.kept && (SUBORDINATORS.has(text) || CLAUSE_OPENERS.has(text));
    if (opens && clause.words.length > 0) close();
    if (opens && clause.words.length === 0 && SUBORDINATORS.has(text)) clause.subordinate = true;
    clause.words.push(token.kept ? `=${text}` : text);
  }
  close();
  return sentences.filter((sentence) => sentence.length > 0);
}

/**
 * A sentence's clauses in order, with a fronted place/time phrase joined to the clause after it,
 * and its subordinate clauses (if/when/because …) sorted after them, so either order matches.
 */
function sentenceKey(clauses: Clause[]): string {
  const main: string[] = [];
  const subordinate: string[] = [];
  let fronted: string[] = [];
  for (const [index, clause] of clauses.entries()) {
    const movable = MOVABLE_PREPOSITIONS.has(clause.words[0] ?? '') && !clause.words.slice(1).some((text) => PREPOSITIONS.has(text));
    if (movable && !clause.subordinate && index < clauses.length - 1) {
      fronted = [...fronted, ...clause.words];
      continue;
    }
    const key = clauseKey(clause.subordinate ? clause.words : [...clause.words, ...fronted]);
    if (!clause.subordinate) fronted = [];
    if (key !== '') (clause.subordinate ? subordinate : main).push(key);
  }
  return [...main, ...subordinate.sort()].join(' | ');
}

/**
 * A clause's meaning-bearing words in order, then how many negations each of its phrases holds
 * (phrases split at prepositions and conjunctions): "why doesn't my code compile" = "why does my
 * code not compile", but "to not sleep after eating" ≠ "to sleep after not eating".
 */
function clauseKey(words: string[]): string {
  const hasBe = words.some((text) => BE_PRESENT.has(text));
  const content: string[] = [];
  const negations: number[] = [0];
  let previous = '';
  for (const text of words) {
    if (text === 'not') {
      negations[negations.length - 1]! += 1;
      continue;
    }
    if (PREPOSITIONS.has(text)) negations.push(0);
    const shown = meaning(text, previous, hasBe);
    previous = text;
    if (shown !== null) content.push(shown);
  }
  const counted = negations.some((count) => count > 0) ? ` ¬${negations.join('.')}` : '';
  return content.length === 0 && counted === '' ? '' : `${content.join(' ')}${counted}`;
}

/** A word as the signature shows it, or null for filler in its context. */
function meaning(text: string, previous: string, clauseHasBe: boolean): string | null {
  if (text.startsWith('=')) return text.slice(1);
  if (FILLER.has(text) || text === 'and') return null;
  if (QUESTION_AUXILIARIES.has(text) && QUESTION_WORDS.has(previous)) return null;
  if (GENERIC_QUESTION_WORDS.has(text) && clauseHasBe) return null;
  return PERSONS.get(text) ?? singular(text);
}

/** Plural nouns as singular (lists → list, cities and city → city); a crude rule applied alike to both sides. */
function singular(text: string): string {
  if (text.length <= 3 || !/^\p{Ll}+$/u.test(text) || NOT_PLURALS.has(text) || PREPOSITIONS.has(text)) return text;
  if (text.endsWith('ies') && text.length > 4) return `${text.slice(0, -3)}y`;
  if (text.endsWith('ie')) return `${text.slice(0, -2)}y`;
  if (/(?:ss|us|is|ous)$/u.test(text)) return text;
  if (/(?:sh|ch|x|z)es$/u.test(text)) return text.slice(0, -2);
  return text.endsWith('s') ? text.slice(0, -1) : text;
}
