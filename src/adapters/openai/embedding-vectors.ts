import { EmbeddingError } from '../../errors/embedding-error';

/**
 * Reads the vectors of an embeddings answer, whichever encoding the server chose: OpenAI honours
 * `encoding_format: "base64"` (little-endian float32), while many compatible servers ignore the
 * parameter and always send float arrays. Throws EmbeddingError for anything else, for a count
 * other than `expectedCount`, and for vectors of the wrong length or with non-finite values.
 */
export function readEmbeddingVectors(data: unknown, expectedCount: number, expectedLength: number | null): number[][] {
  if (!Array.isArray(data)) throw new EmbeddingError('malformed', 'the answer has no "data" list');
  if (data.length !== expectedCount) {
    throw new EmbeddingError('wrong_count', `expected ${expectedCount} embeddings, got ${data.length}`);
  }
  const items = data.map((item: unknown, position) => toItem(item, position));
  items.sort((a, b) => a.index - b.index);
  const vectors = items.map((item) => decode(item.embedding, item.index));
  const length = expectedLength ?? vectors[0]?.length ?? 0;
  for (const [index, vector] of vectors.entries()) {
    if (vector.length !== length) {
      throw new EmbeddingError('wrong_dimensions', `expected vectors of ${length} dimensions, got ${vector.length} (embedding ${index})`);
    }
    if (!vector.every(Number.isFinite)) throw new EmbeddingError('malformed', `embedding ${index} holds a value that is not a finite number`);
  }
  return vectors;
}

interface Item {
  index: number;
  embedding: unknown;
}

function toItem(item: unknown, position: number): Item {
  if (typeof item !== 'object' || item === null || !('embedding' in item)) {
    throw new EmbeddingError('malformed', `data[${position}] has no "embedding"`);
  }
  const index = 'index' in item && typeof item.index === 'number' ? item.index : position;
  return { index, embedding: item.embedding };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

function decode(embedding: unknown, index: number): number[] {
  if (Array.isArray(embedding)) {
    if (!embedding.every((value) => typeof value === 'number')) throw new EmbeddingError('malformed', `embedding ${index} is a list with non-numbers`);
    return embedding as number[];
  }
  if (typeof embedding !== 'string') throw new EmbeddingError('malformed', `embedding ${index} is neither a list of numbers nor base64`);
  const bytes = Buffer.from(embedding, 'base64');
  if (!BASE64.test(embedding) || bytes.length % 4 !== 0) {
    throw new EmbeddingError('malformed', `embedding ${index} is not base64-encoded float32 values`);
  }
  const values: number[] = new Array<number>(bytes.length / 4);
  for (let offset = 0; offset < bytes.length; offset += 4) values[offset / 4] = bytes.readFloatLE(offset);
  return values;
}
