import { CREATE } from '../helpers/operations';
import { sample } from '../helpers/prometheus-text';
import { codes, startTestApp, type TestApp } from '../helpers/test-app';

const SEND_CACHED = `mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    assistantMessage { id content status usage { totalTokens } cache { hit similarity } }
    usage { totalTokens }
  }
}`;

interface Sent {
  sendMessage: {
    assistantMessage: { content: string; status: string; usage: { totalTokens: number } | null; cache: { hit: string; similarity: number } | null };
    usage: { totalTokens: number };
  };
}

// `wait`: the model is called after the similar lookup, so a hit never races the model's first token.
const ON = { RESPONSE_CACHE_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_LOOKUP: 'wait' };

// `honour` answers in the encoding asked for, as OpenAI does; `float-only` ignores it, as LM Studio,
// older Ollama builds and several embedding servers do.
describe.each(['honour', 'float-only'] as const)('response cache through the API (embeddings server: %s)', (embeddingsMode) => {
  let t: TestApp;
  const completions = () => t.fake.requestCount('/v1/chat/completions');

  beforeAll(async () => {
    t = await startTestApp({ env: ON, fakeOptions: { embeddingsMode } });
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  async function firstTurn(token: string, content: string, extra: Record<string, unknown> = {}, systemPrompt?: string) {
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { systemPrompt } });
    return t.gql<Sent>(token, SEND_CACHED, { input: { conversationId: created.data!.createConversation.id, content, ...extra } });
  }

  it('an exact repeat in a new conversation is served from the cache: no upstream call, no tokens charged', async () => {
    const token = await t.token('cache-a');
    const first = await firstTurn(token, 'How do I reset my password?');
    expect(first.data!.sendMessage.assistantMessage.cache).toBeNull();
    const usage = () => t.gql<{ usage: { day: { usedTokens: number } } }>(token, '{ usage { day { usedTokens } } }');
    const before = (await usage()).data!.usage.day.usedTokens;
    const again = await firstTurn(token, '  how do I reset my password?  ');
    expect(again.data!.sendMessage.assistantMessage).toMatchObject({
      status: 'COMPLETE', content: first.data!.sendMessage.assistantMessage.content, usage: null, cache: { hit: 'EXACT', similarity: 1 },
    });
    expect(again.data!.sendMessage.usage.totalTokens).toBe(0);
    expect(completions()).toBe(1);
    expect((await usage()).data!.usage.day.usedTokens).toBe(before);
  });

  it('a reworded repeat is a SIMILAR hit with its similarity, and the similar level reports no error', async () => {
    const token = await t.token('cache-b');
    await firstTurn(token, 'what is the refund policy for annual plans');
    const similar = await firstTurn(token, 'what is the refund policy for the annual plans');
    expect(similar.data!.sendMessage.assistantMessage.cache).toMatchObject({ hit: 'SIMILAR' });
    expect(similar.data!.sendMessage.assistantMessage.cache!.similarity).toBeGreaterThanOrEqual(0.95);
    expect(completions()).toBe(1);
    const metrics = await t.metrics();
    expect(sample(metrics, 'parley_cache_requests_total', { level: 'similar', result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'parley_cache_requests_total', { level: 'similar', result: 'error' })).toBeUndefined();
    expect(sample(metrics, 'parley_cache_errors_total', { level: 'similar' })).toBeUndefined();
    expect(await (await fetch(`${t.url}/readyz`)).json()).toMatchObject({ ready: true, checks: { embeddings: 'ok' } });
  });

  it('a negation is a miss although its embedding is close enough (the guard decides)', async () => {
    const token = await t.token('cache-b2');
    const question = 'what is the refund policy for the annual plans of the premium tier in the european union';
    await firstTurn(token, question);
    const negated = await firstTurn(token, question.replace('what is', 'what is not'));
    expect(negated.data!.sendMessage.assistantMessage.cache).toBeNull();
    expect(completions()).toBe(2);
    expect(sample(await t.metrics(), 'parley_cache_requests_total', { level: 'similar', result: 'guarded' })).toBeGreaterThanOrEqual(1);
  });

  it('EXACT_ONLY serves an exact repeat but never a similar question, and asks for no embedding', async () => {
    const token = await t.token('cache-g');
    await firstTurn(token, 'what is the refund policy for annual plans');
    const embeddings = t.fake.requestCount('/v1/embeddings');
    const reworded = await firstTurn(token, 'what is the refund policy for the annual plans', { cachePolicy: 'EXACT_ONLY' });
    expect(reworded.data!.sendMessage.assistantMessage.cache).toBeNull();
    const repeat = await firstTurn(token, 'What is the refund policy for annual plans?', { cachePolicy: 'EXACT_ONLY' });
    expect(repeat.data!.sendMessage.assistantMessage.cache).toMatchObject({ hit: 'EXACT' });
    expect(t.fake.requestCount('/v1/embeddings')).toBe(embeddings);
  });

  it("never serves one user's reply to another, nor across system prompts, and BYPASS skips it", async () => {
    await firstTurn(await t.token('cache-c'), 'Tell me a fact about owls');
    expect((await firstTurn(await t.token('cache-d'), 'Tell me a fact about owls')).data!.sendMessage.assistantMessage.cache).toBeNull();
    const token = await t.token('cache-c');
    expect((await firstTurn(token, 'Tell me a fact about owls', {}, 'Be funny.')).data!.sendMessage.assistantMessage.cache).toBeNull();
    expect((await firstTurn(token, 'Tell me a fact about owls', { cachePolicy: 'BYPASS' })).data!.sendMessage.assistantMessage.cache).toBeNull();
    expect(completions()).toBe(4);
  });

  it('never caches a DEGRADED reply', async () => {
    const token = await t.token('cache-e');
    t.fake.enqueueFaults(Array.from({ length: 6 }, () => ({ type: 'status' as const, status: 500 as const })));
    const degraded = await firstTurn(token, 'Is anyone there?');
    expect(degraded.data!.sendMessage.assistantMessage.status).toBe('DEGRADED');
    const retry = await firstTurn(token, 'Is anyone there?');
    expect(retry.data!.sendMessage.assistantMessage).toMatchObject({ status: 'COMPLETE', cache: null });
  });

  it('20 concurrent identical first turns make exactly one upstream call', async () => {
    const token = await t.token('cache-f');
    t.fake.setLatency(200);
    const results = await Promise.all(Array.from({ length: 20 }, () => firstTurn(token, 'What are your opening hours?')));
    expect(results.map((result) => codes(result))).toEqual(Array.from({ length: 20 }, () => []));
    expect(completions()).toBe(1);
    expect(new Set(results.map((result) => result.data!.sendMessage.assistantMessage.content)).size).toBe(1);
  });
});

describe('caches with Redis stopped', () => {
  it('every cache misses within the command timeout and sendMessage is still answered', async () => {
    const { startRedisServer } = await import('../../src/dev/redis-process');
    const redis = await startRedisServer();
    const t = await startTestApp({ env: { RESPONSE_CACHE_ENABLED: 'true', REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '200' } });
    try {
      const token = await t.token('cache-outage');
      const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
      const conversationId = created.data!.createConversation.id;
      const send = (content: string) => t.gql<Sent>(token, SEND_CACHED, { input: { conversationId, content } });
      expect((await send('before the outage')).errors).toBeUndefined();
      await redis.stop();
      const startedAt = Date.now();
      const during = await send('during the outage');
      expect(Date.now() - startedAt).toBeLessThan(1_500);
      expect(during.data!.sendMessage.assistantMessage).toMatchObject({ status: 'COMPLETE', content: 'Echo: during the outage', cache: null });
      const history = await t.store.listMessages('cache-outage', conversationId, { direction: 'asc', limit: 10 });
      expect(history.map((message) => message.content)).toEqual(['before the outage', 'Echo: before the outage', 'during the outage', 'Echo: during the outage']);
    } finally {
      await t.stop();
      await redis.stop();
    }
  });
});
