import { MemoryResponseCache } from '../../../src/adapters/memory/memory-response-cache';
import { OpenAiEmbedder } from '../../../src/adapters/openai/openai-embedder';
import { embedText } from '../../../src/dev/fake-openai-embeddings';
import { FakeOpenAiServer } from '../../../src/dev/fake-openai-server';
import { LlmError } from '../../../src/errors';
import { CacheLevel, EMPTY_CONTEXT_FINGERPRINT, ResponseCacheService, type LookupResult } from '../../../src/services/response-cache';
import { upstreamTransports } from '../../helpers/transports';
import { captureLog } from '../../helpers/captured-log';

const fake = new FakeOpenAiServer();
/** Every case runs over both transports OPENAI_TRANSPORT offers. */
const transports = upstreamTransports();
let transport: typeof fetch | undefined;
const embedder = (extra: { dimensions?: number; model?: string; encoding?: 'float' | 'base64' } = {}) =>
  new OpenAiEmbedder({ apiKey: 'sk-test', baseUrl: fake.url, timeoutMs: 2_000, fetch: transport, ...extra });

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

  describe('OpenAiEmbedder', () => {
    it('returns one vector per text, in order, of the requested length, with the model asked for', async () => {
      const texts = ['how do I reset my password', 'what is the capital of France'];
      const vectors = await embedder({ dimensions: 64, model: 'text-embedding-3-large' }).embed(texts);
      expect(vectors).toHaveLength(2);
      vectors.forEach((vector, index) => {
        expect(vector).toHaveLength(64);
        embedText(texts[index]!, 64).forEach((value, i) => expect(vector[i]).toBeCloseTo(value, 6));
      });
      expect(fake.requests.at(-1)?.model).toBe('text-embedding-3-large');
    });

    it('names its vector space by model and length, and sends nothing for no texts', async () => {
      expect(embedder().space).toBe('openai.text-embedding-3-small.native');
      expect(embedder({ dimensions: 256 }).space).toBe('openai.text-embedding-3-small.256');
      expect(await embedder().embed([])).toEqual([]);
      expect(fake.requestCount('/v1/embeddings')).toBe(0);
    });

    it('fails with an LlmError the breaker can classify', async () => {
      fake.enqueueFaults([{ type: 'status', status: 503 }]);
      await expect(embedder().embed(['hello'])).rejects.toBeInstanceOf(LlmError);
    });

    it('a slow embeddings endpoint skips the similar level within the embedding timeout; exact still answers', async () => {
      const lookups: Array<[CacheLevel, LookupResult]> = [];
      const cache = new ResponseCacheService({
        store: new MemoryResponseCache(),
        embedder: embedder({ dimensions: 256 }),
        log: captureLog().log,
        options: { similarEnabled: true, embedTimeoutMs: 100 },
        onLookup: (level, result) => lookups.push([level, result]),
      });
      const request = { userId: 'u', model: 'gpt-4o-mini', systemPromptVersion: 1, contextFingerprint: EMPTY_CONTEXT_FINGERPRINT, message: 'How do I reset my password?' };
      fake.setLatency(2_000);
      expect(await cache.store(cache.prepare(request), { status: 'COMPLETE', content: 'Use the link.', model: 'gpt-4o-mini', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } })).toBe(true);
      expect((await cache.lookup(cache.prepare(request)))?.level).toBe(CacheLevel.Exact);
      const started = Date.now();
      expect(await cache.lookup(cache.prepare({ ...request, message: 'How do I reset my password please?' }))).toBeNull();
      expect(Date.now() - started).toBeLessThan(600);
      expect(lookups.at(-1)).toEqual([CacheLevel.Similar, 'error']);
    });
  });

  describe('OpenAiEmbedder against servers that ignore what it asks for', () => {
    it.each(['float', 'base64'] as const)('asks for %s and reads the float arrays a float-only server sends', async (encoding) => {
      fake.setEmbeddingsMode('float-only');
      const [vector] = await embedder({ dimensions: 32, encoding }).embed(['what is the refund policy']);
      embedText('what is the refund policy', 32).forEach((value, i) => expect(vector![i]).toBeCloseTo(value, 6));
    });

    it('reads base64 from a server that honours it', async () => {
      const [vector] = await embedder({ dimensions: 32, encoding: 'base64' }).embed(['what is the refund policy']);
      embedText('what is the refund policy', 32).forEach((value, i) => expect(vector![i]).toBeCloseTo(value, 6));
    });

    it('refuses vectors of another length than configured, and malformed answers, as EmbeddingError', async () => {
      fake.setEmbeddingsMode('ignore-dimensions');
      await expect(embedder({ dimensions: 256 }).embed(['hello'])).rejects.toMatchObject({ name: 'EmbeddingError', defect: 'wrong_dimensions' });
      expect(await embedder().embed(['hello'])).toEqual([expect.any(Array)]);
      fake.setEmbeddingsMode('malformed');
      await expect(embedder({ dimensions: 256 }).embed(['hello'])).rejects.toMatchObject({ name: 'EmbeddingError', defect: 'malformed' });
    });
  });
});
