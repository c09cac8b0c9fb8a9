import type { IncomingMessage, ServerResponse } from 'node:http';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface OpenAiErrorFields {
  message: string;
  type: string;
  code: string | null;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail<T>(message: string): Parsed<T> {
  return { ok: false, message };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalidRequest(message: string, code: string | null = null): OpenAiErrorFields {
  return { message, type: 'invalid_request_error', code };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

export function sendError(
  res: ServerResponse,
  status: number,
  error: OpenAiErrorFields,
  headers: Record<string, string> = {},
): void {
  const body = { error: { message: error.message, type: error.type, param: null, code: error.code } };
  sendJson(res, status, body, headers);
}

export async function readText(req: IncomingMessage): Promise<Parsed<string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return fail(`Request body exceeds ${MAX_BODY_BYTES} bytes.`);
    chunks.push(buffer);
  }
  return ok(Buffer.concat(chunks).toString('utf8'));
}

export async function readJson(req: IncomingMessage): Promise<Parsed<unknown>> {
  const text = await readText(req);
  if (!text.ok) return text;
  if (text.value.trim() === '') return fail('Request body must be a JSON object, got an empty body.');
  try {
    return ok(JSON.parse(text.value));
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(`Request body is not valid JSON: ${detail}`);
  }
}

/** The bearer token from the Authorization header, or null when absent or not a bearer. */
export function bearerKey(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/** True once nothing more can usefully be written: the client left or the reply is complete. */
export function isGone(res: ServerResponse): boolean {
  return res.writableEnded || res.destroyed || res.socket === null || res.socket.destroyed;
}
