import type { TokenUsage } from './chat-store';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  model: string;
  messages: ChatTurn[];
  maxTokens?: number;
  temperature?: number;
  /** Aborting cancels the upstream HTTP request. */
  signal?: AbortSignal;
}

export interface Completion {
  content: string;
  model: string;
  usage: TokenUsage;
  finishReason: string;
}

export type CompletionChunk =
  | { type: 'delta'; sequence: number; content: string }
  | { type: 'done'; completion: Completion };

/** A model provider. Failures are thrown as LlmError so callers can tell kinds apart. */
export interface LlmClient {
  complete(request: CompletionRequest): Promise<Completion>;
  /** Token deltas in order, numbered from 0, then one 'done' with the whole completion. */
  stream(request: CompletionRequest): AsyncIterable<CompletionChunk>;
}
