import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { FakeOpenAiServer } from '../../src/dev/fake-openai-server';

const server = new FakeOpenAiServer();
let client: OpenAI;

/**
 * Jest's sandbox does not recognise Node's DOMException as an Error, which makes the SDK report
 * its own timeouts as plain connection errors; re-raising aborts as sandbox errors restores that.
 */
async function realmSafeFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error: unknown) {
    if (typeof error !== 'object' || error === null || !('name' in error) || error.name !== 'AbortError') throw error;
    const abort = new Error('The operation was aborted');
    abort.name = 'AbortError';
    throw abort;
  }
}

function clientWith(apiKey: string, timeout = 5000): OpenAI {
  return new OpenAI({ apiKey, baseURL: server.url, maxRetries: 0, timeout, fetch: realmSafeFetch });
}

function chatParams(content: string, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }], ...extra };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the call to reject');
}

async function apiError(promise: Promise<unknown>): Promise<APIError> {
  const error = await caught(promise);
  if (!(error instanceof APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

async function elapsedMs(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function controlUrl(route: string): string {
  return new URL(`/_control/${route}`, server.url).toString();
}

async function postControl(route: string, body: unknown): Promise<Response> {
  return fetch(controlUrl(route), { method: 'POST', body: JSON.stringify(body) });
}

function norm(vector: number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
  return dot / (norm(a) * norm(b));
}

async function embed(input: string[], extra: { dimensions?: number; encoding_format?: 'float' } = {}) {
  const response = await client.embeddings.create({ model: 'text-embedding-3-small', input, ...extra });
  return response.data.map((item) => item.embedding);
}

beforeAll(async () => {
  await server.start();
  client = clientWith('test-key');
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => {
  server.reset();
});

describe('chat completions', () => {
  it('echoes the last user message with consistent usage', async () => {
    const completion = await client.chat.completions.create(chatParams('hello world'));
    const choice = completion.choices[0];
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o-mini');
    expect(choice?.message.content).toBe('Echo: hello world');
    expect(choice?.finish_reason).toBe('stop');
    // 'hello world' is 11 chars -> 3 tokens + 4 overhead + 3 priming; 'Echo: hello world' is 17 chars -> 5.
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it('counts every message towards prompt tokens', async () => {
    const short = await client.chat.completions.create(chatParams('hi'));
    const longer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a terse assistant that answers in one line.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(longer.choices[0]?.message.content).toBe(short.choices[0]?.message.content);
    expect(longer.usage?.prompt_tokens).toBeGreaterThan(short.usage?.prompt_tokens ?? Infinity);
    const usage = longer.usage;
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it('answers the same input with the same text and usage', async () => {
    const first = await client.chat.completions.create(chatParams('determinism please'));
    const second = await client.chat.completions.create(chatParams('determinism please'));
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(second.usage).toEqual(first.usage);
  });

  it('truncates to max_tokens and reports finish_reason length', async () => {
    const completion = await client.chat.completions.create(
      chatParams('a fairly long sentence that cannot fit', { max_tokens: 3 }),
    );
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.choices[0]?.message.content).toBe('Echo: a fair');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('streams word chunks that reassemble to the non-streamed reply and end with usage', async () => {
    const content = 'stream me these several words';
    const plain = await client.chat.completions.create(chatParams(content));
    const stream = await client.chat.completions.create({
      ...chatParams(content),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(plain.usage);
  });

  it('rejects a request without messages as invalid_request_error', async () => {
    const error = await apiError(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }));
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
  });
});

describe('embeddings', () => {
  it('returns unit-length vectors of the requested dimension', async () => {
    const [defaultSize] = await embed(['unit length please']);
    const [custom] = await embed(['unit length please'], { dimensions: 64, encoding_format: 'float' });
    expect(defaultSize).toHaveLength(256);
    expect(custom).toHaveLength(64);
    expect(norm(defaultSize ?? [])).toBeCloseTo(1, 5);
    expect(norm(custom ?? [])).toBeCloseTo(1, 5);
  });

  it('places shared-word paraphrases closer than unrelated text', async () => {
    const [base, same, paraphrase, unrelated] = await embed([
      'the cat sat on the warm mat',
      'the cat sat on the warm mat',
      'the cat sat on a warm mat today',
      'quarterly revenue exceeded analyst forecasts',
    ]);
    expect(cosine(base ?? [], same ?? [])).toBeCloseTo(1, 5);
    const related = cosine(base ?? [], paraphrase ?? []);
    expect(related).toBeGreaterThan(0.7);
    expect(related).toBeGreaterThan(cosine(base ?? [], unrelated ?? []) + 0.4);
  });
});

describe('faults', () => {
  it('turns a status fault into an APIError with that status', async () => {
    server.enqueueFaults([{ type: 'status', status: 500 }]);
    const error = await apiError(client.chat.completions.create(chatParams('boom')));
    expect(error.status).toBe(500);
    const after = await client.chat.completions.create(chatParams('fine again'));
    expect(after.choices[0]?.message.content).toBe('Echo: fine again');
  });

  it('answers a rate_limit fault with 429 and a retry-after header', async () => {
    server.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 7 }]);
    const error = await apiError(client.chat.completions.create(chatParams('too fast')));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.headers?.get('retry-after')).toBe('7');
  });

  it('answers insufficient_quota with 429, its code and no retry-after', async () => {
    server.enqueueFaults([{ type: 'insufficient_quota' }]);
    const error = await apiError(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }));
    expect(error.status).toBe(429);
    expect(error.code).toBe('insufficient_quota');
    expect(error.type).toBe('insufficient_quota');
    expect(error.headers?.get('retry-after')).toBeNull();
  });

  it('hangs until the client times out', async () => {
    server.enqueueFaults([{ type: 'hang' }]);
    let error: unknown;
    const elapsed = await elapsedMs(async () => {
      error = await caught(clientWith('test-key', 300).chat.completions.create(chatParams('anyone there?')));
    });
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(server.requests[0]?.status).toBeNull();
  });

  it('stops promptly while a request is still hanging', async () => {
    const dedicated = new FakeOpenAiServer();
    const hungClient = new OpenAI({ apiKey: 'k', baseURL: await dedicated.start(), maxRetries: 0, timeout: 60_000 });
    const pending = caught(hungClient.chat.completions.create(chatParams('[[fake:hang]] wait forever')));
    while (dedicated.requests[0]?.fault !== 'hang') await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await elapsedMs(() => dedicated.stop())).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(APIError);
  });

  it('adds configured latency and latency faults to the response time', async () => {
    server.setLatency(150);
    expect(await elapsedMs(() => client.chat.completions.create(chatParams('slow')))).toBeGreaterThanOrEqual(145);
    server.enqueueFaults([{ type: 'latency', ms: 200 }]);
    const slower = await elapsedMs(() => client.chat.completions.create(chatParams('slower')));
    expect(slower).toBeGreaterThanOrEqual(345);
  });

  it('applies a fault from the x-fake-fault header to that request only', async () => {
    const headers = { 'x-fake-fault': JSON.stringify({ type: 'status', status: 503 }) };
    const error = await apiError(client.chat.completions.create(chatParams('header fault'), { headers }));
    expect(error.status).toBe(503);
    await expect(client.chat.completions.create(chatParams('no header'))).resolves.toBeDefined();
  });

  it('rejects a malformed x-fake-fault header with 400', async () => {
    const headers = { 'x-fake-fault': '{"type":"status","status":418}' };
    const error = await apiError(client.chat.completions.create(chatParams('bad header'), { headers }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('x-fake-fault');
  });

  it('applies content directives from the last user message only', async () => {
    const quota = await apiError(client.chat.completions.create(chatParams('please [[fake:quota]]')));
    expect(quota.code).toBe('insufficient_quota');
    const limited = await apiError(client.chat.completions.create(chatParams('[[fake:429]]')));
    expect(limited.headers?.get('retry-after')).toBe('1');
    const earlier = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: '[[fake:500]]' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'all good now' },
      ],
    });
    expect(earlier.choices[0]?.message.content).toBe('Echo: all good now');
  });

  it('delays on a latency directive and leaves it out of the reply', async () => {
    let content: string | null | undefined;
    const elapsed = await elapsedMs(async () => {
      const completion = await client.chat.completions.create(chatParams('[[fake:latency=250]] hello'));
      content = completion.choices[0]?.message.content;
    });
    expect(elapsed).toBeGreaterThanOrEqual(245);
    expect(content).toBe('Echo: hello');
  });
});

describe('authentication', () => {
  it('rejects keys outside validKeys with invalid_api_key', async () => {
    server.setValidKeys(['good-key']);
    const error = await apiError(client.chat.completions.create(chatParams('let me in')));
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_api_key');
    await expect(clientWith('good-key').chat.completions.create(chatParams('let me in'))).resolves.toBeDefined();
  });

  it('requires a bearer key', async () => {
    const response = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chatParams('no key')),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
  });

  it('records the bearer key of every request', async () => {
    await client.chat.completions.create(chatParams('who am I'));
    expect(server.requests[0]).toMatchObject({ apiKey: 'test-key', path: '/v1/chat/completions', status: 200 });
  });
});

describe('models and routing', () => {
  it('lists gpt-4o-mini and every model requested so far', async () => {
    await client.chat.completions.create({ ...chatParams('hi'), model: 'my-custom-model' });
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(expect.arrayContaining(['gpt-4o-mini', 'my-custom-model']));
  });

  it('answers unknown routes with a 404 OpenAI-shaped error', async () => {
    const response = await fetch(`${server.url}/does-not-exist`);
    expect(response.status).toBe(404);
    const body: unknown = await response.json();
    const message = 'Invalid URL (GET /v1/does-not-exist)';
    expect(body).toEqual({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  });
});

describe('control API', () => {
  it('queues faults, exposes recorded requests and resets', async () => {
    const queued = await postControl('faults', { faults: [{ type: 'status', status: 502 }] });
    expect(queued.status).toBe(200);
    expect((await apiError(client.chat.completions.create(chatParams('via control')))).status).toBe(502);

    const listed = await (await fetch(controlUrl('requests'))).json();
    expect(listed).toMatchObject({
      requests: [{ path: '/v1/chat/completions', model: 'gpt-4o-mini', status: 502, fault: 'status' }],
    });

    expect((await postControl('reset', {})).status).toBe(200);
    expect(server.requestCount()).toBe(0);
    await expect(client.chat.completions.create(chatParams('after reset'))).resolves.toBeDefined();
  });

  it('sets latency and keys over HTTP', async () => {
    expect((await postControl('keys', { keys: ['only-this'] })).status).toBe(200);
    expect((await apiError(client.chat.completions.create(chatParams('locked')))).status).toBe(401);
    await postControl('keys', { keys: null });
    expect((await postControl('latency', { ms: 120 })).status).toBe(200);
    expect(await elapsedMs(() => client.chat.completions.create(chatParams('slow')))).toBeGreaterThanOrEqual(115);
  });

  it('rejects invalid control bodies with a clear 400', async () => {
    const badFault = await postControl('faults', { faults: [{ type: 'status', status: 418 }] });
    expect(badFault.status).toBe(400);
    expect(await badFault.json()).toMatchObject({ error: { message: expect.stringContaining('faults[0]') } });
    expect((await postControl('latency', { ms: -5 })).status).toBe(400);
    expect((await postControl('keys', { keys: 'not-a-list' })).status).toBe(400);
    expect(server.pendingFaults).toBe(0);
  });
});

describe('embeddings modes', () => {
  const raw = async (body: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello there', ...body }),
    });
    return ((await response.json()) as { data: Array<{ embedding: unknown }> }).data[0]!.embedding;
  };

  it('honours encoding_format by default, as OpenAI does', async () => {
    expect(typeof (await raw({ encoding_format: 'base64' }))).toBe('string');
    expect(await raw({ encoding_format: 'float', dimensions: 16 })).toHaveLength(16);
  });

  it('float-only ignores encoding_format; ignore-dimensions ignores dimensions; malformed sends neither floats nor base64', async () => {
    expect((await postControl('embeddings', { mode: 'float-only' })).status).toBe(200);
    expect(await raw({ encoding_format: 'base64', dimensions: 16 })).toHaveLength(16);
    await postControl('embeddings', { mode: 'ignore-dimensions' });
    expect(await raw({ encoding_format: 'float', dimensions: 16 })).toHaveLength(768);
    await postControl('embeddings', { mode: 'malformed' });
    expect(await raw({ encoding_format: 'float' })).toBe('not-an-embedding');
    expect((await postControl('embeddings', { mode: 'sometimes' })).status).toBe(400);
    await postControl('reset', {});
    expect(typeof (await raw({ encoding_format: 'base64' }))).toBe('string');
  });

  it('the SDK left to its base64 default decodes a float-only answer into garbage (why Parley sets the encoding)', async () => {
    server.setEmbeddingsMode('float-only');
    const [vector] = (await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello there', dimensions: 16 })).data;
    expect(vector!.embedding).not.toHaveLength(16);
  });
});
