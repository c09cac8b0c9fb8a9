import { MemoryResponseCache } from '../../../src/adapters/memory/memory-response-cache';
import { embedText } from '../../../src/dev/fake-openai-embeddings';
import type { Embedder } from '../../../src/ports/embedder';
import type { ResponseCacheStore } from '../../../src/ports/response-cache';
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

/** The fake provider's bag-of-words embeddings, in process: texts sharing words point alike. */
class WordEmbedder implements Embedder {
  readonly space = 'test.words.256';
  calls = 0;
  failing = false;
  delayMs = 0;

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    this.calls += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    signal?.throwIfAborted();
    if (this.failing) throw new Error('embeddings unavailable');
    return texts.map((text) => embedText(text, 256));
  }
}

const QUESTION = 'What is the boiling point of water at sea level in degrees on the usual scale';
const usage = { promptTokens: 40, completionTokens: 12, totalTokens: 52 };
const complete = (content: string): CacheableReply => ({ status: 'COMPLETE', content, model: 'gpt-4o-mini-2024', usage });

function setup(options: ResponseCacheOptions = {}, store: ResponseCacheStore = new MemoryResponseCache()) {
  const embedder = new WordEmbedder();
  const lookups: Array<[CacheLevel, LookupResult]> = [];
  const captured = captureLog('warn');
  const cache = new ResponseCacheService({
    store,
    embedder,
    log: captured.log,
    options: { similarEnabled: true, embedCooldownMs: 0, ...options },
    onLookup: (level, result) => lookups.push([level, result]),
  });
  const request = (extra: Partial<ResponseCacheRequest> = {}): ResponseCacheRequest => ({
    userId: 'alice',
    model: 'gpt-4o-mini',
    params: { maxTokens: 512 },
    systemPromptVersion: 'default@1',
    contextFingerprint: EMPTY_CONTEXT_FINGERPRINT,
    message: QUESTION,
    ...extra,
  });
  const lookup = (extra: Partial<ResponseCacheRequest> = {}) => cache.lookup(cache.prepare(request(extra)));
  const store$ = (reply: CacheableReply, extra: Partial<ResponseCacheRequest> = {}) => cache.store(cache.prepare(request(extra)), reply);
  return { cache, embedder, lookups, captured, request, lookup, store: store$ };
}

describe('ResponseCacheService lookups', () => {
  it('answers an exact repeat (up to case, spacing and trailing punctuation) with the original reply and usage', async () => {
    const { lookup, store } = setup();
    expect(await store(complete('100 °C.'))).toBe(true);
    const hit = await lookup({ message: `  ${QUESTION.toUpperCase()}  ?` });
    expect(hit).toMatchObject({ level: CacheLevel.Exact, similarity: 1, content: '100 °C.', model: 'gpt-4o-mini-2024', usage });
    expect(hit?.createdAt).toBeInstanceOf(Date);
  });

  it('answers a paraphrase sharing most words in the same scope as SIMILAR, with its similarity', async () => {
    const { lookup, store, lookups } = setup();
    await store(complete('100 °C.'));
    const paraphrase = 'Please, what is the boiling point of water at sea level in degrees on the usual scale?';
    const hit = await lookup({ message: paraphrase });
    expect(hit?.level).toBe(CacheLevel.Similar);
    expect(hit?.content).toBe('100 °C.');
    expect(hit?.similarity).toBeGreaterThanOrEqual(0.95);
    expect(lookups).toEqual([[CacheLevel.Exact, 'miss'], [CacheLevel.Similar, 'hit']]);
  });

  it('never answers "what is X" with "what is not X", however similar', async () => {
    const { lookup, store, lookups } = setup();
    await store(complete('100 °C.'));
    const negated = QUESTION.replace('What is', 'What is not');
    expect(await lookup({ message: negated })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'guarded']);
  });

  it('misses when a number differs, however similar', async () => {
    const { lookup, store, lookups } = setup();
    await store(complete('100 °C.'), { message: `${QUESTION} at a pressure of exactly 1 standard atmosphere` });
    expect(await lookup({ message: `${QUESTION} at a pressure of exactly 2 standard atmosphere` })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'guarded']);
  });

  it('misses when the context differs, and by default gives later turns exact hits only', async () => {
    const { lookup, store, lookups } = setup();
    const later = contextFingerprint([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }]);
    await store(complete('100 °C.'));
    expect(await lookup({ contextFingerprint: later })).toBeNull();
    await store(complete('Still 100 °C.'), { contextFingerprint: later });
    expect((await lookup({ contextFingerprint: later }))?.content).toBe('Still 100 °C.');
    expect(await lookup({ contextFingerprint: later, message: `${QUESTION} please` })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'skipped']);
  });

  it('gives later turns similar hits within an identical context when so configured', async () => {
    const { lookup, store } = setup({ similarFirstTurnsOnly: false });
    const later = contextFingerprint([{ role: 'user', content: 'hi' }]);
    await store(complete('100 °C.'), { contextFingerprint: later });
    expect((await lookup({ contextFingerprint: later, message: `${QUESTION} please` }))?.level).toBe(CacheLevel.Similar);
    expect(await lookup({ contextFingerprint: EMPTY_CONTEXT_FINGERPRINT, message: `${QUESTION} please` })).toBeNull();
  });

  it("never serves one user's reply to another, unless the system prompt is shared", async () => {
    const { lookup, store } = setup();
    await store(complete('for alice'));
    expect(await lookup({ userId: 'bob' })).toBeNull();
    await store(complete('for everyone'), { shared: true });
    expect((await lookup({ userId: 'bob', shared: true }))?.content).toBe('for everyone');
    expect((await lookup({ userId: 'bob', shared: true, message: `${QUESTION} please` }))?.level).toBe(CacheLevel.Similar);
  });

  it('stops using entries once the system prompt version, the model or a parameter changes', async () => {
    const { lookup, store } = setup();
    await store(complete('100 °C.'));
    expect(await lookup({ systemPromptVersion: 'default@2' })).toBeNull();
    expect(await lookup({ model: 'gpt-4o' })).toBeNull();
    expect(await lookup({ params: { maxTokens: 256 } })).toBeNull();
    expect(await lookup({ params: { maxTokens: 512, temperature: 0.2 } })).toBeNull();
    expect(await lookup()).not.toBeNull();
  });

  it('expires entries after their time to live', async () => {
    const { lookup, store } = setup({ ttlMs: 50 });
    await store(complete('100 °C.'));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await lookup()).toBeNull();
  });

  it('evicts the oldest entries of a scope beyond its cap', async () => {
    const { lookup, store } = setup({ maxEntriesPerScope: 2 });
    for (const city of ['Oslo', 'Rome', 'Lima']) {
      await store(complete(city), { message: `weather in ${city}` });
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(await lookup({ message: 'weather in Oslo' })).toBeNull();
    expect((await lookup({ message: 'weather in Lima' }))?.content).toBe('Lima');
  });
});

describe('ResponseCacheService policies and what is stored', () => {
  it('BYPASS neither reads nor writes; REFRESH writes without reading', async () => {
    const { lookup, store, lookups } = setup();
    await store(complete('old'));
    expect(await lookup({ policy: CachePolicy.Bypass })).toBeNull();
    expect(lookups).toEqual([[CacheLevel.Exact, 'skipped'], [CacheLevel.Similar, 'skipped']]);
    expect(await store(complete('ignored'), { policy: CachePolicy.Bypass })).toBe(false);
    expect(await lookup({ policy: CachePolicy.Refresh })).toBeNull();
    expect(await store(complete('fresh'), { policy: CachePolicy.Refresh })).toBe(true);
    expect((await lookup())?.content).toBe('fresh');
  });

  it('never stores DEGRADED, FAILED, PENDING or empty replies', async () => {
    const { lookup, store } = setup();
    for (const status of ['DEGRADED', 'FAILED', 'PENDING'] as const) expect(await store({ ...complete('x'), status })).toBe(false);
    expect(await store(complete(''))).toBe(false);
    expect(await lookup()).toBeNull();
  });

  it('neither stores nor serves replies above the temperature bound; unset temperature counts as the default', async () => {
    const { lookup, store, lookups } = setup({ maxTemperature: 0.7, defaultTemperature: 1 });
    expect(await store(complete('creative'), { params: { temperature: 0.9 } })).toBe(false);
    expect(await store(complete('unset'), { params: {} })).toBe(false);
    expect(await store(complete('focused'), { params: { temperature: 0.7 } })).toBe(true);
    expect((await lookup({ params: { temperature: 0.7 } }))?.content).toBe('focused');
    lookups.length = 0;
    expect(await lookup({ params: { temperature: 0.9 } })).toBeNull();
    expect(lookups).toEqual([[CacheLevel.Exact, 'skipped'], [CacheLevel.Similar, 'skipped']]);
  });

  it('embeds a question once for its lookup and its write', async () => {
    const { cache, embedder, request } = setup();
    const query = cache.prepare(request());
    await cache.lookup(query);
    await cache.store(query, complete('100 °C.'));
    expect(embedder.calls).toBe(1);
  });

  it('refuses unusable options with one error listing each', () => {
    expect(() => setup({ similarityThreshold: 1.5, ttlMs: 0, lsh: { bitsPerBand: 40 } })).toThrow(
      /similarityThreshold must be in \(0, 1\].*ttlMs|ttlMs.*similarityThreshold/,
    );
    expect(() => setup({ lsh: { bitsPerBand: 40 } })).toThrow(/lsh.bitsPerBand must be an integer from 1 to 24/);
  });
});

describe('ResponseCacheService when its dependencies fail', () => {
  it('keeps the exact level working when embeddings fail, and reports the similar level as an error', async () => {
    const { lookup, store, embedder, lookups } = setup();
    embedder.failing = true;
    expect(await store(complete('100 °C.'))).toBe(true);
    expect((await lookup())?.level).toBe(CacheLevel.Exact);
    expect(await lookup({ message: `${QUESTION} please` })).toBeNull();
    expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'error']);
  });

  it('skips the similar level once an embedding takes longer than its timeout', async () => {
    const { lookup, store, embedder } = setup({ embedTimeoutMs: 50 });
    await store(complete('100 °C.'));
    embedder.delayMs = 1_000;
    const started = Date.now();
    expect(await lookup({ message: `${QUESTION} please` })).toBeNull();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('works with no embedder at all, exact level only', async () => {
    const cache = new ResponseCacheService({ store: new MemoryResponseCache(), log: captureLog().log });
    const request: ResponseCacheRequest = { userId: 'u', model: 'm', systemPromptVersion: 1, contextFingerprint: EMPTY_CONTEXT_FINGERPRINT, message: QUESTION };
    await cache.store(cache.prepare(request), complete('100 °C.'));
    expect((await cache.lookup(cache.prepare(request)))?.level).toBe(CacheLevel.Exact);
    expect(await cache.lookup(cache.prepare({ ...request, message: `${QUESTION} please` }))).toBeNull();
  });

  it('turns a failing or hanging store into misses and skipped writes, logging once per interval', async () => {
    const broken: ResponseCacheStore = {
      get: () => Promise.reject(new Error('connection is closed')),
      findSimilar: () => new Promise(() => undefined),
      put: () => Promise.reject(new Error('connection is closed')),
      claimFlight: () => Promise.reject(new Error('connection is closed')),
      endFlight: () => Promise.reject(new Error('connection is closed')),
      ping: () => Promise.reject(new Error('connection is closed')),
    };
    const { lookup, store, lookups, captured } = setup({ storeTimeoutMs: 50 }, broken);
    const started = Date.now();
    expect(await lookup()).toBeNull();
    expect(await lookup()).toBeNull();
    expect(await store(complete('100 °C.'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
    expect(lookups).toContainEqual([CacheLevel.Exact, 'error']);
    expect(lookups).toContainEqual([CacheLevel.Similar, 'error']);
    const warnings = captured.lines().filter((line) => line.operation === 'get');
    expect(warnings).toHaveLength(1);
  });
});
