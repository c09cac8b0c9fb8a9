import { StringDecoder } from 'node:string_decoder';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { bodyOf, headersOf, type HttpTransport } from './http-fetch';

export interface DirectStreamOptions {
  transport: HttpTransport;
  apiKey: string;
  /** The provider's API root; the SDK's default when unset. */
  baseUrl?: string;
  /** Until the answer's head arrives, as the SDK's timeout. */
  timeoutMs: number;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** An error answer is read this far at most. */
const MAX_ERROR_BODY = 1 << 20;

/**
 * A streamed chat completion read directly over the keep-alive transport: the request the SDK
 * would send, and the SDK's own error classes for every failure (a status is turned into an error
 * by `APIError.generate`, as the SDK does), so the caller maps errors exactly as for the SDK. It
 * skips the SDK's per-request machinery (about 2.4 ms of a first token at concurrency 1); the
 * SDK's retries are not repeated here, so it is used only when `maxRetries` is 0 (Parley retries
 * on its own layer).
 */
export async function* streamChatDirect(options: DirectStreamOptions, params: ChatCompletionCreateParamsStreaming, signal?: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
  const base = options.baseUrl ?? DEFAULT_BASE_URL;
  const url = new URL('chat/completions', base.endsWith('/') ? base : `${base}/`);
  const body = Buffer.from(JSON.stringify(params));
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    'content-type': 'application/json',
    accept: 'text/event-stream',
    'content-length': String(body.length),
  };
  if (signal?.aborted) throw new OpenAI.APIUserAbortError();
  // One signal for the request: the caller's abort, or the head's timeout.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let res;
    try {
      res = await options.transport.request(url, { method: 'POST', headers, body, signal: controller.signal });
    } catch (error: unknown) {
      if (timedOut) throw new OpenAI.APIConnectionTimeoutError();
      if (controller.signal.aborted) throw new OpenAI.APIUserAbortError();
      throw new OpenAI.APIConnectionError({ cause: error instanceof Error ? (error.cause instanceof Error ? error.cause : error) : undefined });
    } finally {
      clearTimeout(timer);
    }
    const responseHeaders = headersOf(res);
    const status = res.statusCode ?? 0;
    const stream = bodyOf(res, responseHeaders, controller.signal);
    try {
      if (status < 200 || status >= 300) {
        const text = await readText(stream);
        const json = safeJson(text);
        throw OpenAI.APIError.generate(status, json as object | undefined, json ? undefined : text, responseHeaders);
      }
      yield* events(stream, responseHeaders);
    } catch (error: unknown) {
      if (error instanceof OpenAI.APIError) throw error;
      if (controller.signal.aborted) throw new OpenAI.APIUserAbortError();
      throw new OpenAI.APIConnectionError({ message: 'the model stream broke off', cause: error instanceof Error ? error : undefined });
    } finally {
      // Ends the request if the caller stopped reading early: the provider sees the connection close.
      if (!res.complete) stream.destroy();
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Server-sent events as the SDK reads them: `data:` lines up to a blank line; `[DONE]` ends. */
async function* events(stream: AsyncIterable<Buffer>, headers: Headers): AsyncGenerator<ChatCompletionChunk> {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  let data: string[] = [];
  let event: string | null = null;
  for await (const part of stream) {
    buffered += decoder.write(part);
    let newline: number;
    while ((newline = nextLineEnd(buffered)) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(buffered[newline] === '\r' && buffered[newline + 1] === '\n' ? newline + 2 : newline + 1);
      if (line !== '') {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        continue;
      }
      if (data.length === 0) {
        event = null;
        continue;
      }
      const joined = data.join('\n');
      const name = event;
      data = [];
      event = null;
      if (joined.startsWith('[DONE]')) return;
      if (name !== null && name.startsWith('thread.')) continue;
      const parsed = safeJson(joined) as (ChatCompletionChunk & { error?: unknown; message?: string }) | undefined;
      if (parsed === undefined) throw new OpenAI.APIError(undefined, undefined, `could not parse a stream event as JSON: ${joined.slice(0, 200)}`, headers);
      if (name === 'error') throw new OpenAI.APIError(undefined, parsed.error as object | undefined, parsed.message, undefined);
      if (parsed.error) throw new OpenAI.APIError(undefined, parsed.error as object, undefined, headers);
      yield parsed;
    }
  }
}

function nextLineEnd(text: string): number {
  const n = text.indexOf('\n');
  const r = text.indexOf('\r');
  if (r < 0) return n;
  if (n < 0) return r === text.length - 1 ? -1 : r;
  return Math.min(n, r);
}

async function readText(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    if (size >= MAX_ERROR_BODY) continue;
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).toString('utf8').slice(0, MAX_ERROR_BODY);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
