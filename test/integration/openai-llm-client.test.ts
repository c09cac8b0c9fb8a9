import { OpenAiLlmClient, type OpenAiClientOptions } from '../../src/adapters/openai/openai-llm-client';
import { upstreamTransports } from '../helpers/transports';
import { FakeOpenAiServer, type FakeFault } from '../../src/dev/fake-openai-server';
import { estimateTokens, promptTokens } from '../../src/dev/fake-openai-replies';
import { LlmError, type LlmFailureKind } from '../../src/errors';
import type { ChatTurn, CompletionChunk, CompletionRequest } from '../../src/ports/llm-client';

const fake = new FakeOpenAiServer();

/** Every case runs over both transports OPENAI_TRANSPORT offers. */
const transports = upstreamTransports();
let transport: typeof fetch | undefined;

function clientWith(options: Partial<OpenAiClientOptions> = {}, server = fake): OpenAiLlmClient {
  return new OpenAiLlmClient({ apiKey: 'sk-test', baseUrl: server.url, timeoutMs: 5000, maxRetries: 0, fetch: transport, ...options });
}

const conversation: ChatTurn[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Where is Lisbon?' },
  { role: 'assistant', content: 'Portugal.' },
  { role: 'user', content: 'And Porto?' },
];

const request = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  model: 'gpt-4o-mini',
  messages: conversation,
  ...extra,
});

async function collect(chunks: AsyncIterable<CompletionChunk>): Promise<CompletionChunk[]> {
  const seen: CompletionChunk[] = [];
  for await (const chunk of chunks) seen.push(chunk);
  return seen;
}

async function llmError(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof LlmError) return error;
    throw new Error(`expected an LlmError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the model call to fail');
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

const completions = () => fake.requests.filter((recorded) => recorded.path === '/v1/chat/completions');

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
  transports.close();
});
beforeEach(() => fake.reset());

describe.each(transports.each)('over %s', (_name, fetchImpl) => {
  beforeAll(() => {
    transport = fetchImpl;
  });

  describe('OpenAiLlmClient.complete', () => {
    it('returns the reply text, the model and the usage the provider reported', async () => {
      const completion = await clientWith().complete(request());
      const replyText = 'Echo: And Porto?';
      const prompt = promptTokens(conversation);
      expect(completion).toEqual({
        content: replyText,
        model: 'gpt-4o-mini',
        finishReason: 'stop',
        usage: {
          promptTokens: prompt,
          completionTokens: estimateTokens(replyText),
          totalTokens: prompt + estimateTokens(replyText),
        },
      });
    });

    it('sends the model and every turn, system prompt first, in one request', async () => {
      await clientWith().complete(request({ model: 'gpt-4.1-mini' }));
      expect(completions()).toHaveLength(1);
      expect(completions()[0]).toMatchObject({
        method: 'POST',
        model: 'gpt-4.1-mini',
        stream: false,
        apiKey: 'sk-test',
        messages: conversation,
      });
    });

    it('sends maxTokens as the completion limit, so the reply is cut there', async () => {
      const completion = await clientWith().complete(request({ maxTokens: 2 }));
      expect(completion.finishReason).toBe('length');
      expect(completion.usage.completionTokens).toBe(2);
      expect('Echo: And Porto?'.startsWith(completion.content)).toBe(true);
      expect(completion.content.length).toBeLessThan('Echo: And Porto?'.length);
    });
  });

  describe('OpenAiLlmClient.stream', () => {
    it('yields deltas numbered from 0 that join to the whole reply, then done with usage', async () => {
      const whole = await clientWith().complete(request());
      const chunks = await collect(clientWith().stream(request()));
      const deltas = chunks.flatMap((chunk) => (chunk.type === 'delta' ? [chunk] : []));
      const last = chunks.at(-1);

      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((delta) => delta.sequence)).toEqual(deltas.map((_delta, index) => index));
      expect(deltas.map((delta) => delta.content).join('')).toBe(whole.content);
      expect(chunks.filter((chunk) => chunk.type === 'done')).toHaveLength(1);
      expect(last).toEqual({ type: 'done', completion: whole });
    });

    it('asks the provider for a stream', async () => {
      await collect(clientWith().stream(request()));
      expect(completions()).toEqual([expect.objectContaining({ stream: true, messages: conversation })]);
    });
  });

  describe('provider failures become LlmError kinds', () => {
    it.each<[string, FakeFault, LlmFailureKind, number]>([
      ['500', { type: 'status', status: 500 }, 'server', 500],
      ['503', { type: 'status', status: 503 }, 'server', 503],
      ['429 rate limit', { type: 'rate_limit', retryAfterSeconds: 7 }, 'rate_limited', 429],
      ['429 insufficient quota', { type: 'insufficient_quota' }, 'quota', 429],
      ['401', { type: 'status', status: 401 }, 'auth', 401],
      ['400', { type: 'status', status: 400 }, 'bad_request', 400],
    ])('%s from complete()', async (_name, fault, kind, status) => {
      fake.enqueueFaults([fault]);
      const error = await llmError(clientWith().complete(request()));
      expect(error).toMatchObject({ kind, status });
      expect(completions()).toHaveLength(1);
    });

    it.each<[string, FakeFault, LlmFailureKind]>([
      ['500', { type: 'status', status: 500 }, 'server'],
      ['429 rate limit', { type: 'rate_limit', retryAfterSeconds: 3 }, 'rate_limited'],
      ['401', { type: 'status', status: 401 }, 'auth'],
    ])('%s from stream()', async (_name, fault, kind) => {
      fake.enqueueFaults([fault]);
      const error = await llmError(collect(clientWith().stream(request())));
      expect(error.kind).toBe(kind);
    });

    it('a rate limit carries the provider\'s retry-after', async () => {
      fake.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 7 }]);
      const error = await llmError(clientWith().complete(request()));
      expect(error.retryAfterSeconds).toBe(7);
      expect(error.transient).toBe(true);
    });

    it('a refused request is not worth retrying', async () => {
      fake.enqueueFaults([{ type: 'status', status: 400 }]);
      expect((await llmError(clientWith().complete(request()))).transient).toBe(false);
    });

    it('a wrong API key is an auth failure', async () => {
      fake.setValidKeys(['sk-the-right-one']);
      expect((await llmError(clientWith().complete(request()))).kind).toBe('auth');
    });

    it('an unreachable provider is a connection failure', async () => {
      const gone = new FakeOpenAiServer();
      await gone.start();
      const unreachable = clientWith({}, gone);
      await gone.stop();
      expect((await llmError(unreachable.complete(request()))).kind).toBe('connection');
    });
  });

  describe('time limits and cancellation', () => {
    // Under jest the SDK may see its own timeout abort as a connection failure (a realm quirk),
    // so either kind is accepted; what matters is that the call gives up on time.
    it('gives up on a hung provider within about the timeout', async () => {
      fake.enqueueFaults([{ type: 'hang' }]);
      const { value: error, ms } = await timed(() => llmError(clientWith({ timeoutMs: 300 }).complete(request())));
      expect(['timeout', 'connection']).toContain(error.kind);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1500);
    });

    it('an abort signal cancels a call in flight', async () => {
      fake.enqueueFaults([{ type: 'hang' }]);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const { value: error, ms } = await timed(() =>
        llmError(clientWith().complete(request({ signal: controller.signal }))),
      );
      expect(error.kind).toBe('aborted');
      expect(error.transient).toBe(false);
      expect(ms).toBeLessThan(1500);
    });

    it('an already aborted signal sends nothing upstream', async () => {
      const error = await llmError(clientWith().complete(request({ signal: AbortSignal.abort() })));
      expect(error.kind).toBe('aborted');
      expect(completions()).toHaveLength(0);
    });

    it('aborting a stream mid-reply ends it with an aborted error, not a completed reply', async () => {
      const slow = new FakeOpenAiServer({ chunkDelayMs: 50 });
      await slow.start();
      try {
        const controller = new AbortController();
        const seen: CompletionChunk[] = [];
        const consume = async () => {
          for await (const chunk of clientWith({}, slow).stream(request({ signal: controller.signal }))) {
            seen.push(chunk);
            if (chunk.type === 'delta') controller.abort();
          }
        };
        const error = await llmError(consume());
        expect(error.kind).toBe('aborted');
        expect(seen.some((chunk) => chunk.type === 'done')).toBe(false);
      } finally {
        await slow.stop();
      }
    });
  });

  it('a stream read to its end leaves the upstream request finished, not aborted', async () => {
    await collect(clientWith().stream(request()));
    await collect(clientWith().stream(request()));
    expect(completions().map((recorded) => recorded.aborted)).toEqual([false, false]);
  });
});
