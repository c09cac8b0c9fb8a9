import type { ChatTurn } from '../../ports/llm-client';
import { REPLY_PRIMING_TOKENS, type TokenCounter } from '../token-counter';

/** What a window is made of, before it is fitted to a budget. */
export interface WindowParts {
  systemPrompt: string | null;
  summary: string | null;
  /** Oldest first. */
  turns: ChatTurn[];
}

export interface FittedWindow {
  /** The system prompt, the summary note, then the newest turns that fit, oldest first. */
  messages: ChatTurn[];
  /** Turns of the parts left out for want of room. */
  dropped: number;
  /** TokenCounter.countChat of `messages`. */
  tokens: number;
}

export const SUMMARY_NOTE_PREFIX = 'Summary of the earlier conversation:\n';

/**
 * Fits a window into a token budget. The system prompt always stays, even alone over budget;
 * then the summary note if it fits; then the newest turns, as many as fit without a gap.
 */
export class WindowFitter {
  constructor(private readonly tokens: TokenCounter) {}

  fit(model: string, parts: WindowParts, budget: number, maxTurns: number): FittedWindow {
    const head: ChatTurn[] = parts.systemPrompt ? [{ role: 'system', content: parts.systemPrompt }] : [];
    let used = REPLY_PRIMING_TOKENS + head.reduce((sum, turn) => sum + this.cost(model, turn), 0);
    if (parts.summary) {
      const note: ChatTurn = { role: 'system', content: SUMMARY_NOTE_PREFIX + parts.summary };
      const noteCost = this.cost(model, note);
      if (used + noteCost <= budget) {
        head.push(note);
        used += noteCost;
      }
    }
    const kept: ChatTurn[] = [];
    const candidates = parts.turns.slice(-maxTurns);
    for (let index = candidates.length - 1; index >= 0; index -= 1) {
      const turn = candidates[index]!;
      const turnCost = this.cost(model, turn);
      if (used + turnCost > budget) break;
      kept.push(turn);
      used += turnCost;
    }
    kept.reverse();
    return { messages: [...head, ...kept], dropped: parts.turns.length - kept.length, tokens: used };
  }

  /** One turn's share of countChat: the sum over turns plus the priming equals the whole count. */
  private cost(model: string, turn: ChatTurn): number {
    return this.tokens.countChat(model, [turn]) - REPLY_PRIMING_TOKENS;
  }
}
