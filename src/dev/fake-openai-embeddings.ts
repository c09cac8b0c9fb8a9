import { stripDirectives } from './fake-openai-faults';
import { estimateTokens } from './fake-openai-replies';
import type { EmbeddingRequest } from './fake-openai-requests';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

function wordTokens(text: string): string[] {
  return stripDirectives(text).toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Bag-of-words feature hashing: each word adds ±1 to one bucket, so texts sharing most words
 * point the same way while unrelated texts are close to orthogonal. Always unit length.
 */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = wordTokens(text);
  for (const word of words.length > 0 ? words : ['']) {
    const hash = fnv1a(word);
    const bucket = hash % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + (hash & 0x80000000 ? -1 : 1);
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  // Opposite-signed collisions can cancel to zero; fall back to a fixed unit vector then.
  return norm === 0 ? vector.map((_, index) => (index === 0 ? 1 : 0)) : vector.map((value) => value / norm);
}

/** Raw float32 bytes in platform order, matching how the SDK decodes base64 embeddings. */
export function toBase64Float32(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/**
 * How the fake answers embeddings requests, each like a kind of real server:
 * - `honour`: as OpenAI does, in the `encoding_format` asked for (float unless base64 is asked);
 * - `float-only`: ignores `encoding_format` and always sends float arrays (LM Studio, older Ollama, …);
 * - `ignore-dimensions`: ignores `dimensions` and sends the model's own length (768);
 * - `malformed`: answers 200 with an `embedding` that is neither a float list nor base64.
 */
export type EmbeddingsMode = 'honour' | 'float-only' | 'ignore-dimensions' | 'malformed';

export const EMBEDDINGS_MODES: readonly EmbeddingsMode[] = ['honour', 'float-only', 'ignore-dimensions', 'malformed'];

const NATIVE_DIMENSIONS = 768;

export function embeddingsBody(request: EmbeddingRequest, mode: EmbeddingsMode = 'honour'): Record<string, unknown> {
  const data = request.inputs.map((input, index) => {
    if (mode === 'malformed') return { object: 'embedding', index, embedding: 'not-an-embedding' };
    const vector = embedText(input, mode === 'ignore-dimensions' ? NATIVE_DIMENSIONS : request.dimensions);
    const embedding = request.encoding === 'base64' && mode !== 'float-only' ? toBase64Float32(vector) : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = request.inputs.reduce((sum, input) => sum + estimateTokens(input), 0);
  return { object: 'list', data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
