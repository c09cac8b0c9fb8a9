/**
 * The word lists of the lexical signature (English). A word in none of them is meaning-bearing
 * and kept in place; other languages therefore keep every word, which only makes them stricter.
 */

/**
 * Words that change nothing a reply depends on: articles, present-tense "be", greetings and
 * politeness, and request verbs. Pronouns, modal and tense-bearing verbs, and question words are
 * not here: they stay in the signature (some only in the contexts the signature code names).
 */
export const FILLER = new Set([
  'a', 'an', 'the', 'this', 'these', 'those',
  'is', 'are', 'am', 'be',
  'please', 'pls', 'kindly', 'explain', 'describe', 'hi', 'hello', 'hey', 'thanks', 'thank',
  'ok', 'okay', 'so', 'just', 'really', 'actually', 'basically', 'exactly', 'briefly', 'simply', 'there',
]);

/** Request phrasings dropped as a whole (matched on lowercase words, in order). */
export const FILLER_PHRASES: readonly (readonly string[])[] = [
  ['i', 'would', 'like', 'to', 'know'], ['i', 'd', 'like', 'to', 'know'], ['i', 'want', 'to', 'know'],
  ['i', 'was', 'wondering'], ['i', 'wonder'], ['do', 'you', 'know'], ['let', 'me', 'know'],
  ['can', 'you', 'tell', 'me'], ['could', 'you', 'tell', 'me'], ['would', 'you', 'tell', 'me'],
  ['can', 'you', 'explain'], ['could', 'you', 'explain'], ['can', 'you'], ['could', 'you'], ['would', 'you'],
  ['will', 'you'], ['tell', 'me'], ['show', 'me'], ['give', 'me'], ['help', 'me', 'understand'],
  ['explain', 'to', 'me'], ['i', 'need', 'to', 'know'],
];

/** Auxiliaries that are filler right after a question word ("how do I" = "how can I"), and only there. */
export const QUESTION_AUXILIARIES = new Set(['do', 'does', 'can', 'could']);

export const QUESTION_WORDS = new Set(['how', 'what', 'which', 'who', 'whom', 'where', 'when', 'why', 'whose']);

/** "what"/"which" are filler in a clause that also has present-tense "be" ("what is X" = "X is …"). */
export const GENERIC_QUESTION_WORDS = new Set(['what', 'which']);
export const BE_PRESENT = new Set(['is', 'are', 'am']);

/** Pronouns become their person, so "my" never answers "your" and "he" never answers "she". */
export const PERSONS: ReadonlyMap<string, string> = new Map([
  ['i', '@1s'], ['me', '@1s'], ['my', '@1s'], ['mine', '@1s'], ['myself', '@1s'],
  ['we', '@1p'], ['us', '@1p'], ['our', '@1p'], ['ours', '@1p'], ['ourselves', '@1p'],
  ['you', '@2'], ['your', '@2'], ['yours', '@2'], ['yourself', '@2'], ['yourselves', '@2'],
  ['he', '@3m'], ['him', '@3m'], ['his', '@3m'], ['himself', '@3m'],
  ['she', '@3f'], ['her', '@3f'], ['hers', '@3f'], ['herself', '@3f'],
  ['it', '@3n'], ['its', '@3n'], ['itself', '@3n'],
  ['they', '@3p'], ['them', '@3p'], ['their', '@3p'], ['theirs', '@3p'], ['themselves', '@3p'],
]);

/** Function-word synonyms mapped to one form, so the choice between them does not matter. */
export const SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['regarding', 'about'], ['concerning', 'about'],
  ['into', 'to'], ['toward', 'to'], ['towards', 'to'], ['unto', 'to'],
  ['versus', 'vs'], ['among', 'between'], ['amongst', 'between'], ['amid', 'between'],
  ['till', 'until'], ['whilst', 'while'], ['whom', 'who'], ['upon', 'on'], ['which', 'what'],
  ['were', 'was'],
  ['zero', '0'], ['one', '1'], ['two', '2'], ['three', '3'], ['four', '4'], ['five', '5'], ['six', '6'],
  ['seven', '7'], ['eight', '8'], ['nine', '9'], ['ten', '10'], ['eleven', '11'], ['twelve', '12'],
  ['1st', 'first'], ['2nd', 'second'], ['3rd', 'third'], ['4th', 'fourth'], ['5th', 'fifth'],
  ['percent', '%'],
]);

/** Every form of "not", once the apostrophe is gone (doesnt, cannot, wont, …). */
export const NOT_FORMS = new Set([
  'not', 'cannot', 'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont',
  'wouldnt', 'shouldnt', 'couldnt', 'hasnt', 'havent', 'hadnt', 'mustnt', 'neednt', 'aint',
]);

/** What is left of a word before "n't" when it is not the word itself: won't, can't, shan't, ain't. */
export const NOT_STEMS: ReadonlyMap<string, string> = new Map([['wo', 'will'], ['ca', 'can'], ['sha', 'shall'], ['ai', 'is'], ['canno', 'can']]);

/** Contraction endings and what they stand for: what's → what is, they'll → they will. */
export const CONTRACTIONS: ReadonlyMap<string, string> = new Map([['s', 'is'], ['re', 'are'], ['m', 'am'], ['ll', 'will'], ['ve', 'have'], ['d', 'd']]);

/** Words that open a subordinate clause; such clauses may stand before or after their main clause. */
export const SUBORDINATORS = new Set(['if', 'when', 'whenever', 'while', 'because', 'since', 'although', 'though', 'unless', 'until', 'whereas']);

/** Words that start a clause of their own inside a sentence, in place (relative clauses, "but"). */
export const CLAUSE_OPENERS = new Set(['but', 'who', 'that', 'what', 'where', 'whose']);

/** Prepositions: each starts a new negation segment ("to not sleep after eating" ≠ "to sleep after not eating"). */
export const PREPOSITIONS = new Set([
  'of', 'in', 'on', 'at', 'to', 'from', 'for', 'with', 'without', 'by', 'about', 'than', 'over',
  'under', 'before', 'after', 'above', 'below', 'between', 'against', 'vs', 'via', 'per', 'through',
  'within', 'across', 'around', 'near', 'during', 'inside', 'outside', 'beyond', 'behind', 'as',
  'and', 'or',
]);

/** Place and time prepositions: a clause made of one of these reads the same fronted or trailing. */
export const MOVABLE_PREPOSITIONS = new Set(['in', 'on', 'at', 'during', 'before', 'after', 'within', 'inside', 'outside', 'near', 'around']);

/** Words the plural rule leaves alone (not plurals, or plurals that are names). */
export const NOT_PLURALS = new Set([
  'https', 'news', 'windows', 'ios', 'macos', 'odds', 'series', 'species', 'physics', 'mathematics',
  'economics', 'politics', 'ethics', 'gas', 'bus', 'yes', 'always', 'perhaps', 'thanks', 'lens',
  'atlas', 'chaos', 'corps', 'ethos', 'aids', 'mars', 'paris', 'texas', 'kansas', 'athens', 'wales',
  'does', 'has', 'was', 'his', 'its', 'is', 'us', 'plus', 'minus', 'less', 'unless', 'various',
]);
