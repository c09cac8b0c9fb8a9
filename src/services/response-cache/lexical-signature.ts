/**
 * A cheap lexical fingerprint of what a question hinges on: its negations, numbers, words that
 * flip it into its opposite (before/after, highest/lowest), named entities and quoted strings. Two questions can only share an answer through similarity when
 * their signatures are equal, so "what is X" never answers "what is not X", and questions about
 * 2023 and 2024, or Paris and Lyon, stay apart however close their embeddings are.
 */
export function lexicalSignature(message: string): string {
  const text = message.normalize('NFKC').replace(/[’‘]/gu, "'");
  const words = text.match(WORD) ?? [];
  return JSON.stringify([
    SIGNATURE_VERSION,
    sorted(words.flatMap(negation)),
    sorted([...(text.match(NUMBER) ?? []).map(canonicalNumber), ...words.flatMap((word) => listed(word, NUMBER_WORDS))]),
    sorted(words.flatMap((word) => listed(word, POLARITY_WORDS))),
    sorted(entities(text)),
    sorted(quoted(text)),
  ]);
}

/** Bumped whenever the rules change, so older entries stop matching instead of matching wrongly. */
const SIGNATURE_VERSION = 1;

const WORD = /[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu;
const NUMBER = /\p{N}+(?:[.,]\p{N}+)*/gu;
const NEGATIONS = new Set([
  'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'without', 'except',
  'excluding', 'unless', 'lack', 'lacks', 'lacking', 'non',
]);
/** Spelled without the apostrophe, these are all "not". */
const NOT_FORMS = new Set([
  'not', 'cannot', 'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont',
  'wouldnt', 'shouldnt', 'couldnt', 'hasnt', 'havent', 'hadnt', 'mustnt', 'neednt', 'aint',
]);
const NUMBER_WORDS = new Set([
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven',
  'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
  'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety', 'hundred',
  'thousand', 'million', 'billion', 'trillion', 'first', 'second', 'third', 'fourth', 'fifth',
  'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'half', 'quarter', 'dozen', 'twice', 'once',
  'single', 'double', 'triple', 'few', 'several', 'many', 'most', 'least', 'more', 'less', 'fewer',
  'all', 'every', 'each', 'any', 'some', 'both',
]);
/** Words that flip a question into its opposite while leaving the rest of it alike. */
const POLARITY_WORDS = new Set([
  'before', 'after', 'above', 'below', 'over', 'under', 'higher', 'lower', 'highest', 'lowest',
  'maximum', 'minimum', 'max', 'min', 'increase', 'decrease', 'earliest', 'latest', 'last', 'next',
  'previous', 'inside', 'outside', 'best', 'worst', 'better', 'worse', 'true', 'false', 'pros', 'cons',
]);
/** The pronoun I is capitalised everywhere and names nobody. */
const PRONOUN_I = /^i(?:'[\p{L}]+)?$/u;
/** Capitalised only because they open a sentence; any other capitalised word counts as a name. */
const COMMON_OPENERS = new Set([
  'a', 'an', 'the', 'what', 'whats', "what's", 'which', 'who', 'whom', 'whose', 'when', 'where',
  'why', 'how', 'is', 'are', 'was', 'were', 'am', 'be', 'do', 'does', 'did', 'can', 'could', 'will',
  'would', 'shall', 'should', 'may', 'might', 'must', 'have', 'has', 'had', 'please', 'tell', 'give',
  'show', 'explain', 'describe', 'list', 'name', 'write', 'make', 'help', 'i', "i'm", 'im', 'my',
  'me', 'we', 'our', 'you', 'your', 'it', 'its', "it's", 'this', 'that', 'these', 'those', 'there',
  'in', 'on', 'at', 'for', 'to', 'from', 'of', 'by', 'with', 'about', 'and', 'or', 'but', 'if',
  'so', 'then', 'hi', 'hello', 'hey', 'thanks', 'ok', 'okay', 'yes', 'also', 'now', 'just',
]);
const SENTENCE_START = /(?:^|[.!?\n]\s*)([\p{L}\p{N}]+(?:'[\p{L}]+)*)/gu;
const QUOTED = [/"([^"]+)"/gu, /“([^”]+)”/gu, /`([^`]+)`/gu, /«([^»]+)»/gu, /(?<![\p{L}\p{N}])'([^']+)'(?![\p{L}\p{N}])/gu];

function negation(word: string): string[] {
  const lower = word.toLowerCase();
  const bare = lower.replace(/'/gu, '');
  if (lower.endsWith("n't") || NOT_FORMS.has(bare)) return ['not'];
  return NEGATIONS.has(bare) ? [bare] : [];
}

function listed(word: string, list: ReadonlySet<string>): string[] {
  const lower = word.toLowerCase();
  return list.has(lower) ? [lower] : [];
}

/** 1,000 and 1000 are one number; 3.50 and 3.5 are not merged (a version is not a price). */
function canonicalNumber(number: string): string {
  return /^\p{N}{1,3}(?:,\p{N}{3})+$/u.test(number) ? number.replace(/,/gu, '') : number;
}

/** Capitalised words, except a common word that merely opens a sentence. */
function entities(text: string): string[] {
  const openers = new Set<number>();
  for (const match of text.matchAll(SENTENCE_START)) {
    const word = match[1] ?? '';
    if (COMMON_OPENERS.has(word.toLowerCase())) openers.add((match.index ?? 0) + match[0].length - word.length);
  }
  const names: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const lower = match[0].toLowerCase();
    if (!/\p{Lu}/u.test(match[0]) || openers.has(match.index ?? -1) || PRONOUN_I.test(lower)) continue;
    names.push(lower);
  }
  return names;
}

function quoted(text: string): string[] {
  return QUOTED.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => (match[1] ?? '').replace(/\s+/gu, ' ').trim()));
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}
