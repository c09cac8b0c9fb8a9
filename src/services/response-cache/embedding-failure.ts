import { EmbeddingError } from '../../errors/embedding-error';
import { LlmError } from '../../errors/llm-error';

/**
 * One word for why an embedding failed, for the similar level's error metric and log:
 * `malformed`, `wrong_dimensions`, `wrong_count` (an answer that arrived but is unusable),
 * `unreachable`, `timeout`, `rate_limited`, `auth`, `rejected` (a 4xx), `server_error`, `error`.
 */
export function embeddingFailureReason(error: unknown): string {
  if (error instanceof EmbeddingError) return error.defect;
  if (!(error instanceof LlmError)) return 'error';
  switch (error.kind) {
    case 'timeout':
    case 'aborted':
      return 'timeout';
    case 'connection':
      return 'unreachable';
    case 'rate_limited':
    case 'quota':
      return 'rate_limited';
    case 'auth':
      return 'auth';
    case 'bad_request':
      return 'rejected';
    case 'server':
      return 'server_error';
    default: {
      const unreachable: never = error.kind;
      return unreachable;
    }
  }
}
