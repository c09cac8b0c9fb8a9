import OpenAI from 'openai';
import type { Embedder } from '../../ports/embedder';
import { toLlmError } from './openai-errors';

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint. @defaultValue the SDK's (api.openai.com) */
  baseUrl?: string;
  /** @defaultValue 'text-embedding-3-small' */
  model?: string;
  /**
   * Shortens the vectors to this length (text-embedding-3 models). Shorter vectors make the
   * similarity index smaller and faster.
   * @defaultValue the model's own length
   */
  dimensions?: number;
  /** Per request, including the SDK's own retries. */
  timeoutMs: number;
  /** @defaultValue 0 */
  maxRetries?: number;
}

const DEFAULT_MODEL = 'text-embedding-3-small';

/** Embedder over an OpenAI-compatible embeddings endpoint, via the official SDK. */
export class OpenAiEmbedder implements Embedder {
  readonly space: string;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly dimensions: number | undefined;

  constructor(options: OpenAiEmbedderOptions) {
    this.model = options.model ?? DEFAULT_MODEL;
    this.dimensions = options.dimensions;
    this.space = `openai.${this.model}.${this.dimensions ?? 'native'}`;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries ?? 0,
    });
  }

  /** Failures are thrown as LlmError, like the chat client's, so a breaker can tell kinds apart. */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    try {
      const response = await this.client.embeddings.create(
        { model: this.model, input: texts, ...(this.dimensions === undefined ? {} : { dimensions: this.dimensions }) },
        { signal },
      );
      const vectors = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
      if (vectors.length !== texts.length) throw new Error(`expected ${texts.length} embeddings, got ${vectors.length}`);
      return vectors;
    } catch (error: unknown) {
      throw toLlmError(error);
    }
  }
}
