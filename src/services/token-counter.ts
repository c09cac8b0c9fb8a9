import { countTokens as countCl100k } from 'gpt-tokenizer/cjs/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import type { ChatTurn } from '../ports/llm-client';
import { LruMap } from './lru-map';

export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * OpenAI's documented chat framing: every message costs 3 tokens beyond its role and content,
 * and the reply is primed with 3 more (`<|start|>assistant<|message|>`).
 */
export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;

type Count = (text: string, options: { disallowedSpecial: Set<string> }) => number;

const COUNTERS: Record<EncodingName, Count> = { o200k_base: countO200k, cl100k_base: countCl100k };

/** Model families on cl100k_base; everything newer, and anything unknown, is o200k_base. */
const CL100K_MODELS = /^(gpt-4(?![o.])|gpt-3\.5|text-embedding-(ada-002|3-))/;

/** User text is counted as plain text: a special-token spelling inside it is not a control token. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Counts kept for texts up to this long (a send counts its message three times, and prompts repeat). */
const MEMO_MAX_CHARS = 4_096;
const MEMO_MAX_ENTRIES = 2_000;

/**
 * Counts the prompt tokens a chat request will be billed for. The encoders load once, with this
 * module; each count is a pure function of the model family and the turns, so the counts of
 * short texts are remembered (bounded, the least recently used forgotten first): one send counts its message
 * for the size check, the context budget and the budget hold, and system prompts recur.
 */
export class TokenCounter {
  private readonly memo = new LruMap<string, number>(MEMO_MAX_ENTRIES);

  encodingFor(model: string): EncodingName {
    return CL100K_MODELS.test(model.toLowerCase()) ? 'cl100k_base' : 'o200k_base';
  }

  /** Tokens of one string, with no chat framing. */
  countText(model: string, text: string): number {
    return this.count(this.encodingFor(model), text);
  }

  /** Prompt tokens of a whole chat request: each turn's framing, role and content, plus the reply priming. */
  countChat(model: string, turns: readonly ChatTurn[]): number {
    const encoding = this.encodingFor(model);
    let total = REPLY_PRIMING_TOKENS;
    for (const turn of turns) {
      total += TOKENS_PER_MESSAGE + this.count(encoding, turn.role) + this.count(encoding, turn.content);
    }
    return total;
  }

  private count(encoding: EncodingName, text: string): number {
    if (text.length > MEMO_MAX_CHARS) return COUNTERS[encoding](text, PLAIN_TEXT);
    const key = `${encoding}:${text}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const counted = COUNTERS[encoding](text, PLAIN_TEXT);
    this.memo.set(key, counted);
    return counted;
  }
}
