import { fail, isRecord, ok, type OpenAiErrorFields, type Parsed } from './fake-openai-http';

export type FakeStatus = 500 | 502 | 503 | 400 | 401;

export type FakeFault =
  | { type: 'latency'; ms: number }
  | { type: 'status'; status: FakeStatus }
  | { type: 'rate_limit'; retryAfterSeconds: number }
  | { type: 'insufficient_quota' }
  | { type: 'hang' }
  /** A streamed reply whose connection drops after this many chunks (a provider failing mid-reply). */
  | { type: 'cut'; afterChunks: number };

/** Faults that end the request with an error response. */
export type ErrorFault = Extract<FakeFault, { type: 'status' | 'rate_limit' | 'insufficient_quota' }>;

export interface FaultResponse {
  status: number;
  error: OpenAiErrorFields;
  headers: Record<string, string>;
}

const FAKE_STATUSES: readonly FakeStatus[] = [500, 502, 503, 400, 401];
const MAX_DELAY_MS = 10 * 60 * 1000;
const DIRECTIVE_PATTERN = /\[\[fake:([^\]]*)\]\]/g;

function isFakeStatus(value: unknown): value is FakeStatus {
  return FAKE_STATUSES.some((status) => status === value);
}

export function isValidDelay(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_DELAY_MS;
}

export function parseFault(value: unknown): Parsed<FakeFault> {
  if (!isRecord(value)) return fail('a fault must be a JSON object with a "type"');
  switch (value.type) {
    case 'latency':
      return isValidDelay(value.ms)
        ? ok({ type: 'latency', ms: value.ms })
        : fail(`latency fault needs "ms" between 0 and ${MAX_DELAY_MS}`);
    case 'status':
      return isFakeStatus(value.status)
        ? ok({ type: 'status', status: value.status })
        : fail(`status fault needs "status" one of ${FAKE_STATUSES.join(', ')}`);
    case 'rate_limit':
      return isValidDelay(value.retryAfterSeconds)
        ? ok({ type: 'rate_limit', retryAfterSeconds: value.retryAfterSeconds })
        : fail('rate_limit fault needs a non-negative number "retryAfterSeconds"');
    case 'insufficient_quota':
    case 'hang':
      return ok({ type: value.type });
    case 'cut':
      return typeof value.afterChunks === 'number' && Number.isInteger(value.afterChunks) && value.afterChunks >= 0
        ? ok({ type: 'cut', afterChunks: value.afterChunks })
        : fail('cut fault needs a whole number "afterChunks"');
    default:
      return fail('fault "type" must be one of latency, status, rate_limit, insufficient_quota, hang, cut');
  }
}

/** Parses one fault from JSON text; `source` names where the text came from in error messages. */
export function parseFaultJson(text: string, source: string): Parsed<FakeFault> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(`${source} must be the JSON of one fault: ${detail}`);
  }
  const fault = parseFault(value);
  return fault.ok ? fault : fail(`${source}: ${fault.message}`);
}

export function parseFaultList(value: unknown): Parsed<FakeFault[]> {
  if (!Array.isArray(value)) return fail('"faults" must be an array of faults');
  const faults: FakeFault[] = [];
  for (const [index, item] of value.entries()) {
    const parsed = parseFault(item);
    if (!parsed.ok) return fail(`faults[${index}]: ${parsed.message}`);
    faults.push(parsed.value);
  }
  return ok(faults);
}

function directiveFault(name: string): FakeFault | null {
  const latency = /^latency=(\d+)$/.exec(name);
  if (latency?.[1] !== undefined) {
    const ms = Number(latency[1]);
    return isValidDelay(ms) ? { type: 'latency', ms } : null;
  }
  if (name === 'hang') return { type: 'hang' };
  const cut = /^cut=(\d+)$/.exec(name);
  if (cut?.[1] !== undefined) return { type: 'cut', afterChunks: Number(cut[1]) };
  if (name === 'quota') return { type: 'insufficient_quota' };
  if (name === '429') return { type: 'rate_limit', retryAfterSeconds: 1 };
  const status = Number(name);
  return isFakeStatus(status) ? { type: 'status', status } : null;
}

/** The fault named by the first recognised `[[fake:...]]` directive in the text, if any. */
export function faultFromDirective(text: string): FakeFault | null {
  for (const match of text.matchAll(DIRECTIVE_PATTERN)) {
    const fault = directiveFault((match[1] ?? '').trim());
    if (fault) return fault;
  }
  return null;
}

export function stripDirectives(text: string): string {
  return text.replace(DIRECTIVE_PATTERN, '');
}

function statusError(status: FakeStatus): OpenAiErrorFields {
  switch (status) {
    case 400:
      return { message: 'Fake fault: the request was rejected.', type: 'invalid_request_error', code: null };
    case 401:
      return { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' };
    case 502:
      return { message: 'Bad gateway.', type: 'server_error', code: null };
    case 503:
      return { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null };
    case 500:
      return { message: 'The server had an error while processing your request.', type: 'server_error', code: null };
  }
}

export function faultResponse(fault: ErrorFault): FaultResponse {
  switch (fault.type) {
    case 'status':
      return { status: fault.status, error: statusError(fault.status), headers: {} };
    case 'rate_limit':
      return {
        status: 429,
        error: {
          message: 'Rate limit reached for requests. Please try again later.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        headers: { 'retry-after': String(fault.retryAfterSeconds) },
      };
    case 'insufficient_quota':
      return {
        status: 429,
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
        headers: {},
      };
  }
}
