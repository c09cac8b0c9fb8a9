import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * A `fetch` for the openai SDK over node:http(s) with keep-alive agents. The SDK keeps its own
 * semantics (request building, retries, timeouts through the signal, error classes, SSE parsing);
 * only the transport changes. Dispatching through the global fetch took ~4 ms of a streamed
 * reply's first token at concurrency 1 and ~1.7 ms more to hand over the first chunk; this path
 * writes the request as soon as it is called.
 *
 * What it supports is what the SDK's JSON calls use: a string or byte body, any method, a signal.
 * Anything else (streamed or form bodies) goes to the global fetch. Redirects are not followed (an
 * OpenAI-compatible API does not redirect a POST); a 3xx reaches the SDK as an error status.
 */
export function createHttpFetch(options: { maxSockets?: number } = {}): typeof fetch {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo', maxSockets: options.maxSockets ?? Infinity }),
    'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo', maxSockets: options.maxSockets ?? Infinity }),
  };
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = init?.body;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? Buffer.from(body) : body instanceof ArrayBuffer ? Buffer.from(body) : body == null ? null : undefined;
    if (input instanceof Request || bytes === undefined) return fetch(input, init);
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    if (bytes) headers['content-length'] = String(bytes.length);
    const send = { url, method: init?.method ?? 'GET', headers, body: bytes, signal: init?.signal ?? undefined, agent: agents[url.protocol] };
    try {
      return await dispatch(send);
    } catch (error: unknown) {
      // A keep-alive socket the server closed meanwhile: the request never reached it, so sending
      // it once more on a new socket is safe (the pattern Node's http documentation recommends).
      if (error instanceof StaleSocketError) return dispatch(send);
      throw error;
    }
  }) as typeof fetch;
}

interface Outgoing {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  signal: AbortSignal | undefined;
  agent: HttpAgent;
}

class StaleSocketError extends Error {}

function dispatch(send: Outgoing): Promise<Response> {
  const { signal } = send;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<Response>((resolve, reject) => {
    const requester = send.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req: ClientRequest = requester(send.url, { method: send.method, headers: send.headers, agent: send.agent });
    let settled = false;
    const onAbort = () => req.destroy(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanUp = () => signal?.removeEventListener('abort', onAbort);
    req.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanUp();
      const stale = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !signal?.aborted;
      reject(stale ? new StaleSocketError(error.message) : signal?.aborted ? abortReason(signal) : new TypeError('fetch failed', { cause: error }));
    });
    req.once('response', (res: IncomingMessage) => {
      settled = true;
      res.once('close', cleanUp);
      resolve(toResponse(res, signal));
    });
    req.end(send.body ?? undefined);
  });
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage, signal: AbortSignal | undefined): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const status = res.statusCode ?? 502;
  if (NULL_BODY_STATUSES.has(status)) {
    res.resume();
    return new Response(null, { status, statusText: res.statusMessage, headers });
  }
  const decoded = decode(res, headers);
  // An abort while the body streams ends the body with the abort reason, as fetch does.
  if (signal) {
    const onAbort = () => decoded.destroy(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    decoded.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  return new Response(Readable.toWeb(decoded) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage, headers });
}

function decode(res: IncomingMessage, headers: Headers): Readable {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
  if (!decoder) return res;
  headers.delete('content-encoding');
  headers.delete('content-length');
  res.once('error', (error) => decoder.destroy(error));
  decoder.once('close', () => {
    if (!res.complete) res.destroy();
  });
  return res.pipe(decoder);
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
