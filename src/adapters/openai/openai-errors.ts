import OpenAI from 'openai';
import { LlmError } from '../../errors/llm-error';

/** Maps whatever the SDK threw to an LlmError; messages never include keys or prompts. */
export function toLlmError(error: unknown): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof OpenAI.APIUserAbortError) return new LlmError('aborted', 'model request was aborted');
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new LlmError('timeout', 'model request timed out');
  if (error instanceof OpenAI.APIConnectionError) return new LlmError('connection', 'cannot reach the model provider');
  if (error instanceof OpenAI.APIError) return fromStatus(error);
  return new LlmError('server', error instanceof Error ? error.message : 'unknown model client failure');
}

function fromStatus(error: InstanceType<typeof OpenAI.APIError>): LlmError {
  const status = error.status ?? 0;
  const label = `model provider answered ${status}`;
  if (status === 429) {
    if (error.code === 'insufficient_quota') return new LlmError('quota', `${label} (insufficient quota)`, status);
    return new LlmError('rate_limited', `${label} (rate limited)`, status, retryAfterSeconds(error.headers));
  }
  if (status === 401 || status === 403) return new LlmError('auth', `${label} (credentials refused)`, status);
  if (status >= 400 && status < 500 && status !== 408 && status !== 409) {
    return new LlmError('bad_request', `${label} (request refused)`, status);
  }
  return new LlmError('server', label, status);
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
