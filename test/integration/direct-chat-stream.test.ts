import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../../src/adapters/openai/http-fetch';
import { OpenAiLlmClient } from '../../src/adapters/openai/openai-llm-client';
import { LlmError } from '../../src/errors';
import type { CompletionChunk } from '../../src/ports/llm-client';

/**
 * The streamed-reply path Parley reads itself (OPENAI_TRANSPORT=node, no SDK retries), against
 * wire formats a provider may send that the fake model does not: split and CRLF lines, comments,
 * error events, multi-byte characters cut between writes.
 */
type Writer = (res: ServerResponse, body: string) => void | Promise<void>;

let server: Server;
let writer: Writer;
let lastBody = '';
let lastHeaders: Record<string, string | string[] | undefined> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      lastBody = Buffer.concat(parts).toString('utf8');
      lastHeaders = req.headers;
      void writer(res, lastBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => {
  const { port } = server.address() as AddressInfo;
  return new OpenAiLlmClient({ apiKey: 'sk-direct', baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 300, maxRetries: 0, transport: new HttpTransport() });
};

const chunk = (content: string) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm-1', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const finish = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm-1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
const usage = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm-1', choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });

async function collect(): Promise<CompletionChunk[]> {
  const seen: CompletionChunk[] = [];
  for await (const item of client().stream({ model: 'm-1', messages: [{ role: 'user', content: 'hi' }] })) seen.push(item);
  return seen;
}

async function failure(): Promise<LlmError> {
  try {
    await collect();
  } catch (error: unknown) {
    if (error instanceof LlmError) return error;
    throw error;
  }
  throw new Error('expected the stream to fail');
}

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('a streamed reply read directly', () => {
  it('sends what the SDK sends: the key, the model, the turns, stream with usage', async () => {
    writer = (res) => {
      sse(res);
      res.end(`data: ${chunk('ok')}\n\ndata: ${finish}\n\ndata: ${usage}\n\ndata: [DONE]\n\n`);
    };
    await collect();
    expect(lastHeaders.authorization).toBe('Bearer sk-direct');
    expect(JSON.parse(lastBody)).toEqual({ model: 'm-1', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  });

  it('joins deltas split across writes, CRLF line ends, comments and multi-byte characters cut in two', async () => {
    const text = `data: ${chunk('日本')}\r\n\r\n: keep-alive\r\n\r\ndata: ${chunk('語 ok')}\r\n\r\ndata: ${finish}\r\n\r\ndata: ${usage}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const bytes = Buffer.from(text);
    writer = async (res) => {
      sse(res);
      // Every 7 bytes on their own, so lines, events and UTF-8 sequences are all cut somewhere.
      for (let at = 0; at < bytes.length; at += 7) {
        res.write(bytes.subarray(at, at + 7));
        await pause();
      }
      res.end();
    };
    const seen = await collect();
    const deltas = seen.flatMap((item) => (item.type === 'delta' ? [item.content] : []));
    expect(deltas.join('')).toBe('日本語 ok');
    const done = seen.at(-1);
    expect(done).toMatchObject({ type: 'done', completion: { content: '日本語 ok', model: 'm-1', usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 }, finishReason: 'stop' } });
  });

  it('an error event in the stream is a model failure, not a finished reply', async () => {
    writer = (res) => {
      sse(res);
      res.end(`data: ${chunk('partial')}\n\ndata: {"error":{"message":"overloaded","type":"server_error"}}\n\n`);
    };
    const error = await failure();
    expect(error.kind).toBe('server');
  });

  it('a status answer is mapped as the SDK maps it: 429 with retry-after, 401, 400', async () => {
    writer = (res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit', code: 'rate_limit_exceeded' } }));
    };
    expect(await failure()).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterSeconds: 7 });
    writer = (res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' } }));
    };
    expect((await failure()).kind).toBe('quota');
    writer = (res) => {
      res.writeHead(401);
      res.end('not json at all');
    };
    expect((await failure()).kind).toBe('auth');
    writer = (res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bad"}}');
    };
    expect((await failure()).kind).toBe('bad_request');
  });

  it('a provider that never answers times out after the timeout, and one that cuts the stream is a failure', async () => {
    writer = () => undefined;
    const started = performance.now();
    expect((await failure()).kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_500);
    writer = (res) => {
      sse(res);
      res.write(`data: ${chunk('cut')}\n\n`);
      setTimeout(() => res.destroy(), 10);
    };
    expect((await failure()).kind).toBe('connection');
  });

  it('a stream that ends cleanly without [DONE] ends as the SDK ends it: with what arrived', async () => {
    writer = (res) => {
      sse(res);
      res.end(`data: ${chunk('half')}\n\n`);
    };
    const seen = await collect();
    expect(seen.at(-1)).toMatchObject({ type: 'done', completion: { content: 'half', finishReason: 'stop' } });
  });
});
