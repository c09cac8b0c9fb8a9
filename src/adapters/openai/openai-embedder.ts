import OpenAI from 'openai';
import type { Embedder } from '../../ports/embedder';
import { readEmbeddingVectors } from './embedding-vectors';
import { toLlmError } from './openai-errors';

export type EmbeddingEncoding = 'float' | 'base64';

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint. @defaultValue the SDK's (api.openai.com) */
  baseUrl?: string;
  /** @defaultValue 'text-embedding-3-small' */
  model?: string;
  /**
   * Shortens the vectors to this length (text-embedding-3 models), and every answer must have it.
   * Shorter vectors make the similarity index smaller and faster.
   * @defaultValue the model's own length (then every vector must match the first one's)
   */
  dimensions?: number;
  /**
   * The `encoding_format` asked for. Either answer is read correctly whatever is asked for, so this
   * only chooses what to request: `float` is understood by every compatible server, `base64` is
   * smaller on the wire where honoured.
   * @defaultValue 'float'
   */
  encoding?: EmbeddingEncoding;
  /** Per request, including the SDK's own retries. */
  timeoutMs: number;
  /** @defaultValue 0 */
  maxRetries?: number;
  /** What carries the requests; the SDK's default (global fetch) when absent. */
  fetch?: typeof fetch;
}

const DEFAULT_MODEL = 'text-embedding-3-small';

/**
 * Embedder over an OpenAI-compatible embeddings endpoint, via the official SDK. The encoding is
 * always set explicitly: left unset, the SDK asks for base64 and decodes the answer as base64 even
 * when a server ignored that and sent floats, yielding garbage vectors.
 */
export class OpenAiEmbedder implements Embedder {
  readonly space: string;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly dimensions: number | undefined;
  private readonly encoding: EmbeddingEncoding;

  constructor(options: OpenAiEmbedderOptions) {
    this.model = options.model ?? DEFAULT_MODEL;
    this.dimensions = options.dimensions;
    this.encoding = options.encoding ?? 'float';
    this.space = `openai.${this.model}.${this.dimensions ?? 'native'}`;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries ?? 0,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /**
   * Failures of the call are thrown as LlmError, like the chat client's; an answer that arrived
   * but cannot be used (wrong format, count or length) as EmbeddingError.
   */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    let data: unknown;
    try {
      const body = {
        model: this.model,
        input: texts,
        encoding_format: this.encoding,
        ...(this.dimensions === undefined ? {} : { dimensions: this.dimensions }),
      };
      data = (await this.client.embeddings.create(body, { signal })).data;
    } catch (error: unknown) {
      throw toLlmError(error);
    }
    return readEmbeddingVectors(data, texts.length, this.dimensions ?? null);
  }
}
