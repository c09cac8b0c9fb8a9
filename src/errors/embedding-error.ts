/**
 * Why an embeddings endpoint answered but its answer cannot be used. `malformed`: not a list of
 * numeric vectors (including base64 that decodes to nonsense); `wrong_dimensions`: vectors of a
 * length other than the configured one; `wrong_count`: not one vector per input.
 */
export type EmbeddingDefect = 'malformed' | 'wrong_dimensions' | 'wrong_count';

/** An embeddings answer that arrived (HTTP 200) but is unusable. Its message never holds vectors or text. */
export class EmbeddingError extends Error {
  constructor(
    readonly defect: EmbeddingDefect,
    message: string,
  ) {
    super(message);
    this.name = 'EmbeddingError';
  }
}
