import { readEmbeddingVectors } from '../../src/adapters/openai/embedding-vectors';
import { toBase64Float32 } from '../../src/dev/fake-openai-embeddings';
import { EmbeddingError } from '../../src/errors';

const defect = (run: () => unknown) => {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof EmbeddingError) return error.defect;
    throw error;
  }
  throw new Error('expected an EmbeddingError');
};

describe('readEmbeddingVectors', () => {
  it('reads float arrays and base64 float32 alike, in index order', () => {
    const data = [
      { index: 1, embedding: toBase64Float32([0.5, -0.25, 1]) },
      { index: 0, embedding: [1, 2, 3] },
    ];
    expect(readEmbeddingVectors(data, 2, 3)).toEqual([[1, 2, 3], [0.5, -0.25, 1]]);
  });

  it('without a configured length, all vectors must share the first one\'s', () => {
    expect(readEmbeddingVectors([{ embedding: [1, 2] }, { embedding: [3, 4] }], 2, null)).toEqual([[1, 2], [3, 4]]);
    expect(defect(() => readEmbeddingVectors([{ embedding: [1, 2] }, { embedding: [3] }], 2, null))).toBe('wrong_dimensions');
  });

  it.each([
    ['no data list', { embedding: [1] }, 1, null, 'malformed'],
    ['a missing embedding', [{ index: 0 }], 1, null, 'malformed'],
    ['a list with strings', [{ embedding: ['1', '2'] }], 1, null, 'malformed'],
    ['a non-finite value', [{ embedding: [1, Number.NaN] }], 1, null, 'malformed'],
    ['text that is not base64', [{ embedding: 'not-an-embedding' }], 1, null, 'malformed'],
    ['base64 of a length not a multiple of 4 bytes', [{ embedding: Buffer.from([1, 2, 3]).toString('base64') }], 1, null, 'malformed'],
    ['an object', [{ embedding: { values: [1, 2] } }], 1, null, 'malformed'],
    ['fewer vectors than inputs', [{ embedding: [1, 2] }], 2, null, 'wrong_count'],
    ['vectors of another length than configured', [{ embedding: [1, 2, 3] }], 1, 2, 'wrong_dimensions'],
  ] as const)('refuses %s', (_name, data, count, length, expected) => {
    expect(defect(() => readEmbeddingVectors(data, count, length))).toBe(expected);
  });
});
