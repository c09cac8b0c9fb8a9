import OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { Completion, CompletionChunk, CompletionRequest, LlmClient } from '../../ports/llm-client';
import type { TokenUsage } from '../../ports/chat-store';
import { LlmError } from '../../errors/llm-error';
import { toLlmError } from './openai-errors';

export interface OpenAiClientOptions {
  apiKey: string;
  baseUrl?: string;
  /** Per request, including the SDK's own retries. Never the SDK's 10-minute default. */
  timeoutMs: number;
  maxRetries: number;
  /** What carries the requests; the SDK's default (global fetch) when absent. */
  fetch?: typeof fetch;
}

type UsageLike = { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null | undefined;

const toUsage = (usage: UsageLike): TokenUsage => ({
  promptTokens: usage?.prompt_tokens ?? 0,
  completionTokens: usage?.completion_tokens ?? 0,
  totalTokens: usage?.total_tokens ?? 0,
});

/** LlmClient over any OpenAI-compatible chat completions endpoint, via the official SDK. */
export class OpenAiLlmClient implements LlmClient {
  private readonly client: OpenAI;

  constructor(options: OpenAiClientOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    try {
      const response = await this.client.chat.completions.create(
        { ...this.params(request), stream: false },
        { signal: request.signal },
      );
      const choice = response.choices[0];
      return {
        content: choice?.message.content ?? '',
        model: response.model,
        usage: toUsage(response.usage),
        finishReason: choice?.finish_reason ?? 'stop',
      };
    } catch (error: unknown) {
      throw toLlmError(error);
    }
  }

  async *stream(request: CompletionRequest): AsyncIterable<CompletionChunk> {
    let content = '';
    let sequence = 0;
    let finishReason = 'stop';
    let usage: TokenUsage = toUsage(undefined);
    let model = request.model;
    try {
      const chunks = await this.client.chat.completions.create(
        { ...this.params(request), stream: true, stream_options: { include_usage: true } },
        { signal: request.signal },
      );
      for await (const chunk of chunks) {
        model = chunk.model || model;
        if (chunk.usage) usage = toUsage(chunk.usage);
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        const delta = choice?.delta.content;
        if (!delta) continue;
        content += delta;
        yield { type: 'delta', sequence: sequence++, content: delta };
      }
    } catch (error: unknown) {
      throw toLlmError(error);
    }
    // The SDK ends an aborted stream quietly; a cut-off reply must not pass as a finished one.
    if (request.signal?.aborted) throw new LlmError('aborted', 'model request was aborted');
    yield { type: 'done', completion: { content, model, usage, finishReason } };
  }

  private params(request: CompletionRequest): ChatCompletionCreateParamsBase {
    return {
      model: request.model,
      messages: request.messages,
      ...(request.maxTokens === undefined ? {} : { max_completion_tokens: request.maxTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
  }
}
