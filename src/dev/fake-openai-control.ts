import type { IncomingMessage, ServerResponse } from 'node:http';
import { EMBEDDINGS_MODES, type EmbeddingsMode } from './fake-openai-embeddings';
import { isValidDelay, parseFaultList, type FakeFault } from './fake-openai-faults';
import { fail, invalidRequest, isRecord, ok, readJson, sendError, sendJson, type Parsed } from './fake-openai-http';
import type { RecordedRequest } from './fake-openai-requests';

export const CONTROL_PREFIX = '/_control/';

/** The steering surface of the fake, shared by tests (directly) and other processes (over HTTP). */
export interface FakeOpenAiControls {
  readonly requests: RecordedRequest[];
  readonly pendingFaults: number;
  enqueueFaults(faults: FakeFault[]): void;
  setLatency(ms: number): void;
  setValidKeys(keys: string[] | null): void;
  setEmbeddingsMode(mode: EmbeddingsMode): void;
  setStream(settings: { chunkDelayMs?: number; replyWords?: number; sendUsage?: boolean }): void;
  reset(): void;
}

type ControlAction = (body: Record<string, unknown>, controls: FakeOpenAiControls) => Parsed<unknown>;

function parseKeys(value: unknown): Parsed<string[] | null> {
  if (value === null) return ok(null);
  const valid = Array.isArray(value) && value.every((key) => typeof key === 'string' && key !== '');
  return valid ? ok(value) : fail('"keys" must be null or an array of non-empty strings');
}

const postActions: Record<string, ControlAction> = {
  faults: (body, controls) => {
    const faults = parseFaultList(body.faults);
    if (!faults.ok) return faults;
    controls.enqueueFaults(faults.value);
    return ok({ pendingFaults: controls.pendingFaults });
  },
  latency: (body, controls) => {
    if (!isValidDelay(body.ms)) return fail('"ms" must be a number of milliseconds between 0 and 600000');
    controls.setLatency(body.ms);
    return ok({ latencyMs: body.ms });
  },
  stream: (body, controls) => {
    const { chunkDelayMs, replyWords, sendUsage } = body;
    if (sendUsage !== undefined && typeof sendUsage !== 'boolean') return fail('"sendUsage" must be true or false');
    if (chunkDelayMs !== undefined && !isValidDelay(chunkDelayMs)) return fail('"chunkDelayMs" must be a number of milliseconds between 0 and 600000');
    const wordsOk = replyWords === undefined || (typeof replyWords === 'number' && Number.isInteger(replyWords) && replyWords >= 0 && replyWords <= 100_000);
    if (!wordsOk) return fail('"replyWords" must be an integer between 0 and 100000');
    const settings = {
      ...(chunkDelayMs === undefined ? {} : { chunkDelayMs }),
      ...(replyWords === undefined ? {} : { replyWords: replyWords as number }),
      ...(sendUsage === undefined ? {} : { sendUsage }),
    };
    controls.setStream(settings);
    return ok(settings);
  },
  embeddings: (body, controls) => {
    const mode = EMBEDDINGS_MODES.find((known) => known === body.mode);
    if (!mode) return fail(`"mode" must be one of ${EMBEDDINGS_MODES.join(', ')}`);
    controls.setEmbeddingsMode(mode);
    return ok({ mode });
  },
  keys: (body, controls) => {
    const keys = parseKeys(body.keys);
    if (!keys.ok) return keys;
    controls.setValidKeys(keys.value);
    return ok({ keys: keys.value });
  },
};

async function runPost(
  req: IncomingMessage,
  res: ServerResponse,
  action: ControlAction,
  controls: FakeOpenAiControls,
): Promise<void> {
  const body = await readJson(req);
  if (!body.ok) return sendError(res, 400, invalidRequest(body.message));
  if (!isRecord(body.value)) return sendError(res, 400, invalidRequest('Request body must be a JSON object'));
  const result = action(body.value, controls);
  if (!result.ok) return sendError(res, 400, invalidRequest(result.message));
  sendJson(res, 200, result.value);
}

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  controls: FakeOpenAiControls,
): Promise<void> {
  const name = path.slice(CONTROL_PREFIX.length);
  const method = req.method ?? 'GET';
  if (name === 'requests' && method === 'GET') {
    return sendJson(res, 200, { requests: controls.requests, pendingFaults: controls.pendingFaults });
  }
  if (name === 'reset' && method === 'POST') {
    req.resume();
    controls.reset();
    return sendJson(res, 200, { reset: true });
  }
  const action = Object.hasOwn(postActions, name) ? postActions[name] : undefined;
  if (action && method === 'POST') return runPost(req, res, action, controls);
  const known = name === 'requests' || name === 'reset' || action !== undefined;
  const error = known ? `Method ${method} not allowed on ${path}` : `Unknown control route ${method} ${path}`;
  sendError(res, known ? 405 : 404, invalidRequest(error));
}
