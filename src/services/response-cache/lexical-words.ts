/**
 * The word lists of the lexical signature (English). A word in none of them is meaning-bearing
 * and kept in place; other languages therefore keep every word, which only makes them stricter.
 */

/**
 * Words that change nothing a reply depends on: articles, pronouns, present-tense auxiliaries,
 * generic question words, politeness and request phrasing ("please tell me", "can you explain").
 * Tense-bearing auxiliaries (did, was, will, had) and question words that pick the kind of answer
 * (who, where, when, why, how) are not here: they stay in the signature.
 */
export const FILLER = new Set([
  'a', 'an', 'the', 'this', 'that', 'these', 'those',
  'i', 'me', 'my', 'mine', 'myself', 'you', 'your', 'yours', 'yourself', 'we', 'us', 'our', 'ours',
  'he', 'him', 'his', 'she', 'her', 'hers', 'it', 'its', 'they', 'them', 'their', 'theirs', 'one',
  'is', 'are', 'am', 'be', 'been', 'being', 'do', 'does', 'can', 'could', 'has', 'have', 'there',
  'what', 'which', 'and',
  'please', 'pls', 'kindly', 'tell', 'explain', 'describe', 'show', 'give', 'know', 'want', 'like',
  'wondering', 'curious', 'help', 'hi', 'hello', 'hey', 'thanks', 'thank', 'ok', 'okay', 'so', 'well',
  'just', 'really', 'actually', 'basically', 'exactly', 'briefly', 'simply',
]);

/** Filler verbs that make a following infinitive "to" filler as well ("want to know what …"). */
export const FILLER_INFINITIVES = new Set(['know', 'ask', 'tell', 'explain', 'understand', 'learn', 'find']);

/** Function-word synonyms mapped to one form, so the choice between them does not matter. */
export const SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['regarding', 'about'], ['concerning', 'about'], ['re', 'about'],
  ['into', 'to'], ['toward', 'to'], ['towards', 'to'], ['unto', 'to'],
  ['versus', 'vs'], ['among', 'between'], ['amongst', 'between'], ['amid', 'between'],
  ['till', 'until'], ['whilst', 'while'], ['whom', 'who'], ['upon', 'on'],
  ['were', 'was'],
  ['zero', '0'], ['two', '2'], ['three', '3'], ['four', '4'], ['five', '5'], ['six', '6'],
  ['seven', '7'], ['eight', '8'], ['nine', '9'], ['ten', '10'], ['eleven', '11'], ['twelve', '12'],
  ['1st', 'first'], ['2nd', 'second'], ['3rd', 'third'], ['4th', 'fourth'], ['5th', 'fifth'],
  ['percent', '%'],
]);

/** Every form of "not", once the apostrophe is gone (doesnt, cannot, wont, …). */
export const NOT_FORMS = new Set([
  'not', 'cannot', 'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont',
  'wouldnt', 'shouldnt', 'couldnt', 'hasnt', 'havent', 'hadnt', 'mustnt', 'neednt', 'aint',
]);

/** Words that open a clause of their own; they stay in the signature, at its start. */
export const SUBORDINATORS = new Set([
  'if', 'when', 'whenever', 'while', 'because', 'since', 'although', 'though', 'unless', 'until',
  'whereas', 'but',
]);

/** Prepositions: a clause made of one of these and what follows reads the same fronted or trailing. */
export const PREPOSITIONS = new Set([
  'of', 'in', 'on', 'at', 'to', 'from', 'for', 'with', 'without', 'by', 'about', 'than', 'over',
  'under', 'before', 'after', 'above', 'below', 'between', 'against', 'vs', 'via', 'per', 'through',
  'within', 'across', 'around', 'near', 'during', 'inside', 'outside', 'beyond', 'behind', 'as',
]);

/** Contraction endings dropped with their apostrophe: what's → what, they're → they. */
export const CONTRACTION_ENDINGS = new Set(['s', 're', 'm', 'll', 've', 'd']);

/** What is left of a word before "n't" when it is not the word itself: won't, can't, shan't. */
export const NOT_STEMS: ReadonlyMap<string, string> = new Map([['wo', 'will'], ['ca', 'can'], ['sha', 'shall'], ['ai', 'is'], ['canno', 'can']]);
