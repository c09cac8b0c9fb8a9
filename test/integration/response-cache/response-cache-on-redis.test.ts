import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { OpenAiEmbedder } from '../../../src/adapters/openai/openai-embedder';
import { OpenAiLlmClient } from '../../../src/adapters/openai/openai-llm-client';
import { connectRedis } from '../../../src/adapters/redis/redis-connection';
import { RedisResponseCache } from '../../../src/adapters/redis/redis-response-cache';
import { embedText } from '../../../src/dev/fake-openai-embeddings';
import { FakeOpenAiServer } from '../../../src/dev/fake-openai-server';
import {
  CacheLevel,
  CachePolicy,
  contextFingerprint,
  EMPTY_CONTEXT_FINGERPRINT,
  ResponseCacheService,
  type CacheableReply,
  type LookupResult,
  type ResponseCacheOptions,
  type ResponseCacheRequest,
} from '../../../src/services/response-cache';
import { captureLog } from '../../helpers/captured-log';
import { testRedisUrl } from '../../setup/test-services';

const fake = new FakeOpenAiServer();
const QUESTION = 'What is the boiling point of pure water at sea level measured in degrees on the usual scale';
const usage = { promptTokens: 31, completionTokens: 9, totalTokens: 40 };
const complete = (content: string): CacheableReply => ({ status: 'COMPLETE', content, model: 'gpt-4o-mini', usage });
const cosine = (a: string, b: string) => embedText(a, 256).reduce((sum, value, index) => sum + value * embedText(b, 256)[index]!, 0);

let redis: Redis;
let prefix: string;

beforeAll(async () => {
  await fake.start();
  redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});
beforeEach(() => {
  fake.reset();
  prefix = `parley-test:response-cache:${randomUUID()}:`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
});

function setup(options: ResponseCacheOptions = {}) {
  const lookups: Array<[CacheLevel, LookupResult]> = [];
  const embedder = new OpenAiEmbedder({ apiKey: 'sk-test', baseUrl: fake.url, dimensions: 256, timeoutMs: 2_000 });
  const cache = new ResponseCacheService({
    store: new RedisResponseCache(redis, { prefix }),
    embedder,
    log: captureLog().log,
    options: { similarEnabled: true, flightPollMs: 10, ...options },
    onLookup: (level, result) => lookups.push([level, result]),
  });
  const request = (extra: Partial<ResponseCacheRequest> = {}): ResponseCacheRequest => ({
    userId: 'alice',
    model: 'gpt-4o-mini',
    params: { maxTokens: 256 },
    systemPromptVersion: 'assistant@3',
    contextFingerprint: EMPTY_CONTEXT_FINGERPRINT,
    message: QUESTION,
    ...extra,
  });
  return {
    cache,
    lookups,
    request,
    lookup: (extra: Partial<ResponseCacheRequest> = {}) => cache.lookup(cache.prepare(request(extra))),
    store: (reply: CacheableReply, extra: Partial<ResponseCacheRequest> = {}) => cache.store(cache.prepare(request(extra)), reply),
  };
}

describe('response cache on Redis with provider embeddings', () => {
  it('answers an exact repeat without asking for an embedding', async () => {
    const { lookup, store } = setup();
    await store(complete('100 °C.'));
    const embeddingsBefore = fake.requestCount('/v1/embeddings');
    expect(await lookup({ message: `${QUESTION}?` })).toMatchObject({ level: CacheLevel.Exact, similarity: 1, content: '100 °C.', usage });
    expect(fake.requestCount('/v1/embeddings')).toBe(embeddingsBefore);
  });

  it('answers a paraphrase in the same scope as SIMILAR with its similarity', async () => {
    const { lookup, store } = setup();
    await store(complete('100 °C.'));
    const paraphrase = 'So, what is the boiling point of pure water at sea level measured in degrees on the usual scale?';
    const hit = await lookup({ message: paraphrase });
    expect(hit?.level).toBe(CacheLevel.Similar);
    expect(hit?.similarity).toBeCloseTo(cosine(QUESTION, paraphrase), 5);
    expect(hit?.similarity).toBeGreaterThanOrEqual(0.95);
  });

  it('"what is X" vs "what is not X": a miss, though the embeddings are similar enough', async () => {
    const { lookup, store, lookups } = setup();
    await store(complete('100 °C.'));
    const negated = QUESTION.replace('What is', 'What is not');
    expect(cosine(QUESTION, negated)).toBeGreaterThanOrEqual(0.95);
    expect(await lookup({ message: negated })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'guarded']);
  });

  it('numbers differ: a miss, though the embeddings are similar enough', async () => {
    const { lookup, store, lookups } = setup();
    const at = (atmospheres: number) => `${QUESTION} at a pressure of exactly ${atmospheres} standard atmosphere`;
    await store(complete('100 °C.'), { message: at(1) });
    expect(cosine(at(1), at(3))).toBeGreaterThanOrEqual(0.95);
    expect(await lookup({ message: at(3) })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'guarded']);
  });

  it('the same question in two different conversation contexts: a miss', async () => {
    const { lookup, store } = setup({ similarFirstTurnsOnly: false });
    const kitchen = contextFingerprint([{ role: 'user', content: 'I am cooking pasta.' }, { role: 'assistant', content: 'Nice.' }]);
    const mountain = contextFingerprint([{ role: 'user', content: 'I am on a mountain.' }, { role: 'assistant', content: 'Nice.' }]);
    await store(complete('100 °C.'), { contextFingerprint: kitchen });
    expect(await lookup({ contextFingerprint: mountain })).toBeNull();
    expect((await lookup({ contextFingerprint: kitchen }))?.level).toBe(CacheLevel.Exact);
  });

  it("user A's reply is never served to user B, unless the system prompt is shared", async () => {
    const { lookup, store } = setup();
    await store(complete("alice's answer"));
    expect(await lookup({ userId: 'bob' })).toBeNull();
    expect(await lookup({ userId: 'bob', message: `${QUESTION} please` })).toBeNull();
    await store(complete('shared answer'), { shared: true, userId: 'alice' });
    expect((await lookup({ userId: 'bob', shared: true }))?.content).toBe('shared answer');
  });

  it('a changed system prompt version leaves old entries unused', async () => {
    const { lookup, store } = setup();
    await store(complete('100 °C.'));
    expect(await lookup({ systemPromptVersion: 'assistant@4' })).toBeNull();
    expect(await lookup({ systemPromptVersion: 'assistant@4', message: `${QUESTION} please` })).toBeNull();
  });

  it('BYPASS neither reads nor writes; REFRESH replaces what was cached', async () => {
    const { lookup, store } = setup();
    await store(complete('old'));
    expect(await lookup({ policy: CachePolicy.Bypass })).toBeNull();
    expect(await store(complete('bypassed'), { policy: CachePolicy.Bypass })).toBe(false);
    expect(await lookup({ policy: CachePolicy.Refresh })).toBeNull();
    await store(complete('new'), { policy: CachePolicy.Refresh });
    expect((await lookup())?.content).toBe('new');
  });

  it('does not store DEGRADED replies or replies above the temperature bound', async () => {
    const { lookup, store } = setup({ maxTemperature: 0.5 });
    expect(await store({ ...complete('degraded'), status: 'DEGRADED' }, { params: { temperature: 0 } })).toBe(false);
    expect(await store(complete('hot'), { params: { temperature: 0.9 } })).toBe(false);
    expect(await lookup({ params: { temperature: 0 } })).toBeNull();
    expect(await lookup({ params: { temperature: 0.9 } })).toBeNull();
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('expires entries after their time to live', async () => {
    const { lookup, store } = setup({ ttlMs: 80 });
    await store(complete('100 °C.'));
    expect(await lookup()).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await lookup()).toBeNull();
    expect(await lookup({ message: `${QUESTION} please` })).toBeNull();
  });

  it('keeps at most maxEntriesPerScope entries, evicting the oldest', async () => {
    const { lookup, store } = setup({ maxEntriesPerScope: 3 });
    const cities = ['Oslo', 'Rome', 'Lima', 'Kyiv', 'Doha'];
    for (const city of cities) {
      await store(complete(city), { message: `What is the weather like in ${city} today` });
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const served = await Promise.all(cities.map(async (city) => (await lookup({ message: `What is the weather like in ${city} today` }))?.content ?? null));
    expect(served).toEqual([null, null, 'Lima', 'Kyiv', 'Doha']);
  });

  it('keeps the exact level when the embeddings endpoint fails', async () => {
    const { lookup, store, lookups } = setup();
    fake.enqueueFaults([{ type: 'status', status: 503 }]);
    expect(await store(complete('100 °C.'))).toBe(true);
    expect((await lookup())?.level).toBe(CacheLevel.Exact);
    fake.enqueueFaults([{ type: 'status', status: 503 }]);
    expect(await lookup({ message: `${QUESTION} please` })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'error']);
  });

  it('20 concurrent identical first turns make exactly one upstream call', async () => {
    const { cache, request } = setup();
    const llm = new OpenAiLlmClient({ apiKey: 'sk-test', baseUrl: fake.url, timeoutMs: 5_000, maxRetries: 0 });
    fake.setLatency(100);
    const answer = async () => {
      const query = cache.prepare(request({ message: 'How do I reset my password?' }));
      const hit = await cache.lookup(query);
      if (hit) return hit.content;
      const outcome = await cache.singleFlight(query, async () => {
        const completion = await llm.complete({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How do I reset my password?' }] });
        return { value: completion.content, reply: { status: 'COMPLETE' as const, ...completion } };
      });
      return outcome.source === 'produced' ? outcome.value : outcome.hit.content;
    };
    const replies = await Promise.all(Array.from({ length: 20 }, answer));
    expect(fake.requestCount('/v1/chat/completions')).toBe(1);
    expect(new Set(replies).size).toBe(1);
  });
});
