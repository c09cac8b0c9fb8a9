import { FakeOpenAiServer, type EmbeddingsMode, type FakeFault } from '../../src/dev/fake-openai-server';
import { captureLog, type CapturedLog } from '../helpers/captured-log';
import { CREATE } from '../helpers/operations';
import { sample } from '../helpers/prometheus-text';
import { until } from '../helpers/stream-clients';
import { startTestApp, type TestApp } from '../helpers/test-app';

const SEND = `mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { assistantMessage { content status cache { hit similarity } } }
}`;

interface Sent {
  sendMessage: { assistantMessage: { content: string; status: string; cache: { hit: string; similarity: number } | null } };
}

const QUESTION = 'what is the refund policy for annual plans';
const REWORDED = 'what is the refund policy for the annual plans';
const TIMEOUT_MS = 300;

async function firstTurn(t: TestApp, token: string, content: string) {
  const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
  const startedAt = Date.now();
  const sent = await t.gql<Sent>(token, SEND, { input: { conversationId: created.data!.createConversation.id, content } });
  return { message: sent.data!.sendMessage.assistantMessage, errors: sent.errors, ms: Date.now() - startedAt };
}

describe('similar level against a server that ignores encoding_format, with base64 requested', () => {
  it('reads the float arrays it gets: a reworded repeat is a SIMILAR hit, no similar-level error', async () => {
    const t = await startTestApp({
      env: { RESPONSE_CACHE_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_LOOKUP: 'wait', EMBEDDINGS_ENCODING: 'base64' },
      fakeOptions: { embeddingsMode: 'float-only' },
    });
    try {
      const token = await t.token('float-only-base64');
      await firstTurn(t, token, QUESTION);
      expect((await firstTurn(t, token, REWORDED)).message.cache).toMatchObject({ hit: 'SIMILAR' });
      expect(sample(await t.metrics(), 'parley_cache_errors_total', { level: 'similar' })).toBeUndefined();
    } finally {
      await t.stop();
    }
  });
});

interface Broken {
  name: string;
  reason: string;
  setup: (fake: FakeOpenAiServer) => void;
}

const BROKEN: Broken[] = [
  { name: 'answers 200 with a body that is neither floats nor base64', reason: 'malformed', setup: (fake) => fake.setEmbeddingsMode('malformed' satisfies EmbeddingsMode) },
  { name: 'ignores `dimensions` and sends its own 768', reason: 'wrong_dimensions', setup: (fake) => fake.setEmbeddingsMode('ignore-dimensions') },
  {
    name: 'answers 500 to everything',
    reason: 'server_error',
    setup: (fake) => fake.enqueueFaults(Array.from({ length: 50 }, (): FakeFault => ({ type: 'status', status: 500 }))),
  },
  { name: 'refuses the key', reason: 'auth', setup: (fake) => fake.setValidKeys(['sk-some-other-key']) },
  { name: 'hangs', reason: 'timeout', setup: (fake) => fake.setLatency(10_000) },
];

describe.each(BROKEN)('a dead embeddings endpoint (EMBEDDINGS_BASE_URL) that $name', ({ reason, setup }) => {
  let embeddings: FakeOpenAiServer;
  let captured: CapturedLog;
  let t: TestApp;

  beforeAll(async () => {
    embeddings = new FakeOpenAiServer();
    await embeddings.start();
    setup(embeddings);
    captured = captureLog('info');
    t = await startTestApp({
      log: captured.log,
      env: {
        RESPONSE_CACHE_ENABLED: 'true',
        RESPONSE_CACHE_SIMILAR_ENABLED: 'true',
        EMBEDDINGS_BASE_URL: embeddings.url,
        EMBEDDINGS_TIMEOUT_MS: String(TIMEOUT_MS),
        EMBEDDINGS_COOLDOWN_MS: '0',
      },
    });
  });
  afterAll(async () => {
    await t.stop();
    await embeddings.stop();
  });

  it(`is reported at startup in the log and on /readyz as unusable (${reason}), without making Parley unready`, async () => {
    const startup = captured.lines().find((line) => line.message === 'embeddings endpoint unusable; the similar-query level will miss until it recovers');
    expect(startup).toMatchObject({ level: 'error', reason });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { store: 'ok', embeddings: expect.stringContaining(`unusable (${reason})`) } });
    expect(sample(await t.metrics(), 'parley_dependency_up', { dependency: 'embeddings' })).toBe(0);
  });

  it('sends are still answered by the model, within the embeddings timeout, and each failure is counted by its reason', async () => {
    const token = await t.token(`dead-embeddings-${reason}`);
    const before = sample(await t.metrics(), 'parley_cache_errors_total', { level: 'similar', reason: `embed_${reason}` }) ?? 0;
    const first = await firstTurn(t, token, QUESTION);
    const second = await firstTurn(t, token, REWORDED);
    for (const sent of [first, second]) {
      expect(sent.errors).toBeUndefined();
      expect(sent.message).toMatchObject({ status: 'COMPLETE', cache: null });
      expect(sent.ms).toBeLessThan(TIMEOUT_MS * 2 + 400);
    }
    expect(second.message.content).toBe(`Echo: ${REWORDED}`);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(2);
    // The lookup runs alongside the model call, so it may end after the reply.
    const failures = async () => sample(await t.metrics(), 'parley_cache_errors_total', { level: 'similar', reason: `embed_${reason}` }) ?? 0;
    await until(async () => (await failures()) >= before + 1, TIMEOUT_MS * 4);
    const metrics = await t.metrics();
    expect(sample(metrics, 'parley_cache_requests_total', { level: 'similar', result: 'error' })).toBeGreaterThanOrEqual(1);
    const warned = captured.lines().filter((line) => line.level === 'warn' && line.reason === reason);
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(warned[0]).toMatchObject({ message: 'embeddings endpoint failed; the similar-query level misses until it recovers', operation: 'embed' });
  });

  it('an exact repeat is still served from the cache', async () => {
    const token = await t.token(`dead-embeddings-exact-${reason}`);
    await firstTurn(t, token, QUESTION);
    expect((await firstTurn(t, token, `${QUESTION}?`)).message.cache).toMatchObject({ hit: 'EXACT' });
  });
});

describe('similar lookup alongside the model call (RESPONSE_CACHE_SIMILAR_LOOKUP=parallel, the default)', () => {
  let embeddings: FakeOpenAiServer;
  let t: TestApp;

  beforeAll(async () => {
    embeddings = new FakeOpenAiServer();
    await embeddings.start();
    t = await startTestApp({
      env: { RESPONSE_CACHE_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_ENABLED: 'true', EMBEDDINGS_BASE_URL: embeddings.url },
    });
  });
  afterAll(async () => {
    await t.stop();
    await embeddings.stop();
  });

  it('a hit that arrives before the first token stops the model call and answers from the cache', async () => {
    const token = await t.token('parallel-hit');
    await firstTurn(t, token, QUESTION);
    t.fake.setLatency(400);
    const second = await firstTurn(t, token, REWORDED);
    expect(second.message).toMatchObject({ status: 'COMPLETE', cache: { hit: 'SIMILAR' }, content: `Echo: ${QUESTION}` });
    expect(second.ms).toBeLessThan(400);
    const calls = t.fake.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(calls).toHaveLength(2);
    await until(() => t.fake.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.aborted, 2_000);
    expect(await t.metrics()).toMatch(/parley_model_calls_total\{model="gpt-4o-mini",outcome="superseded"\} 1/);
  });

  it('a model that answers first wins: the reply is generated, and nothing waited for the embedding', async () => {
    const token = await t.token('parallel-miss');
    await firstTurn(t, token, QUESTION);
    t.fake.setLatency(0);
    embeddings.setLatency(300);
    try {
      const second = await firstTurn(t, token, REWORDED);
      expect(second.message).toMatchObject({ status: 'COMPLETE', cache: null, content: `Echo: ${REWORDED}` });
      expect(second.ms).toBeLessThan(300);
    } finally {
      embeddings.setLatency(0);
    }
  });
});

describe('embeddings requests under concurrent first turns', () => {
  it('lookups made together share one embeddings request with several inputs; a text asked again is not embedded again', async () => {
    const t = await startTestApp({
      env: { RESPONSE_CACHE_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_LOOKUP: 'wait', EMBEDDINGS_BATCH_WINDOW_MS: '20' },
    });
    try {
      const tokens = await Promise.all(['batch-a', 'batch-b', 'batch-c', 'batch-d'].map((user) => t.token(user)));
      const questions = ['how do I export my data', 'which plans include priority support', 'can I change my billing date', 'where do I find my invoices'];
      const answers = await Promise.all(tokens.map((token, index) => firstTurn(t, token, questions[index]!)));
      answers.forEach((answer) => expect(answer.errors).toBeUndefined());
      // The start-up probe of the endpoint aside.
      const embeddings = () => t.fake.requests.filter((request) => request.path === '/v1/embeddings' && !request.inputs?.some((input) => input.includes('probe')));
      expect(embeddings().length).toBeLessThan(questions.length);
      expect(embeddings().flatMap((request) => request.inputs ?? []).sort()).toHaveLength(questions.length);
      expect(Math.max(...embeddings().map((request) => request.inputs?.length ?? 0))).toBeGreaterThan(1);
      // Another user asks the first question: the exact level is per user, the embedding is remembered.
      const before = embeddings().length;
      expect((await firstTurn(t, await t.token('batch-e'), questions[0]!)).errors).toBeUndefined();
      expect(embeddings()).toHaveLength(before);
    } finally {
      await t.stop();
    }
  });
});
