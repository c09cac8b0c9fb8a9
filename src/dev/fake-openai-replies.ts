import { stripDirectives } from './fake-openai-faults';
import { lastUserContent, type ChatMessage, type ChatRequest } from './fake-openai-requests';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatReply {
  text: string;
  finishReason: 'stop' | 'length';
  usage: ChatUsage;
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

const MAX_ECHO_CHARS = 2000;
const CHARS_PER_TOKEN = 4;
const MESSAGE_OVERHEAD_TOKENS = 4;
const REPLY_PRIMING_TOKENS = 3;

/** Deterministic stand-in for a tokenizer: roughly four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function promptTokens(messages: ChatMessage[]): number {
  const perMessage = messages.map((message) => estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS);
  return perMessage.reduce((sum, tokens) => sum + tokens, REPLY_PRIMING_TOKENS);
}

/** `Echo: <last user message>`, padded with numbered words up to `minWords` words. */
export function buildChatReply(request: ChatRequest, minWords = 0): ChatReply {
  const echoed = stripDirectives(lastUserContent(request.messages)).trim().slice(0, MAX_ECHO_CHARS);
  const full = padded(`Echo: ${echoed}`, minWords);
  const limit = request.maxTokens === null ? Infinity : request.maxTokens * CHARS_PER_TOKEN;
  const text = full.length > limit ? full.slice(0, limit) : full;
  const prompt = promptTokens(request.messages);
  const completion = estimateTokens(text);
  return {
    text,
    finishReason: text.length < full.length ? 'length' : 'stop',
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function padded(text: string, minWords: number): string {
  const words = splitWords(text).length;
  if (words >= minWords) return text;
  const extra = Array.from({ length: minWords - words }, (_, index) => `word${index + 1}`);
  return `${text} ${extra.join(' ')}`;
}

export function chatCompletionBody(meta: CompletionMeta, reply: ChatReply): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text, refusal: null },
        finish_reason: reply.finishReason,
        logprobs: null,
      },
    ],
    usage: reply.usage,
  };
}

/** Splits text into word pieces that concatenate back to exactly the original text. */
export function splitWords(text: string): string[] {
  return text.split(/(?<=\s)(?=\S)/).filter((piece) => piece !== '');
}

function chunk(meta: CompletionMeta, includeUsage: boolean, choices: unknown[]): Record<string, unknown> {
  const base = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices };
  return includeUsage ? { ...base, usage: null } : base;
}

function choiceDelta(delta: Record<string, unknown>, finishReason: string | null): Record<string, unknown> {
  return { index: 0, delta, finish_reason: finishReason, logprobs: null };
}

export function chatCompletionChunks(
  meta: CompletionMeta,
  reply: ChatReply,
  includeUsage: boolean,
): Record<string, unknown>[] {
  const chunks = [chunk(meta, includeUsage, [choiceDelta({ role: 'assistant', content: '', refusal: null }, null)])];
  for (const word of splitWords(reply.text)) {
    chunks.push(chunk(meta, includeUsage, [choiceDelta({ content: word }, null)]));
  }
  chunks.push(chunk(meta, includeUsage, [choiceDelta({}, reply.finishReason)]));
  if (includeUsage) chunks.push({ ...chunk(meta, false, []), usage: reply.usage });
  return chunks;
}
