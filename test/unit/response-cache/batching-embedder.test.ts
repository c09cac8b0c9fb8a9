import { LlmError } from '../../../src/errors/llm-error';
import type { Embedder } from '../../../src/ports/embedder';
import { BatchingEmbedder, type BatchingEmbedderOptions } from '../../../src/services/response-cache/batching-embedder';

/** An embeddings endpoint that records each request and answers when told to. */
class RecordingEmbedder implements Embedder {
  readonly space = 'test.space';
  readonly requests: Array<{ texts: string[]; signal?: AbortSignal }> = [];
  private readonly answers: Array<{ resolve: (vectors: number[][]) => void; reject: (error: unknown) => void }> = [];

  embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    this.requests.push({ texts, signal });
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject }));
  }

  /** Answers request `index` with a vector per text that names it. */
  answer(index: number): void {
    this.answers[index]!.resolve(this.requests[index]!.texts.map((text) => vectorOf(text)));
  }

  fail(index: number, error: unknown): void {
    this.answers[index]!.reject(error);
  }
}

const vectorOf = (text: string) => [text.length, text.charCodeAt(0), 1];
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const settings = (overrides: Partial<BatchingEmbedderOptions> = {}): BatchingEmbedderOptions => ({ windowMs: 5, maxBatch: 16, memoSize: 100, ...overrides });

describe('BatchingEmbedder', () => {
  it('sends texts asked for within the window as one request, and gives each caller its own vectors in order', async () => {
    const upstream = new RecordingEmbedder();
    const embedder = new BatchingEmbedder(upstream, settings());
    const calls = [embedder.embed(['alpha']), embedder.embed(['beta', 'gamma']), embedder.embed(['delta'])];
    await tick(10);
    expect(upstream.requests.map((request) => request.texts)).toEqual([['alpha', 'beta', 'gamma', 'delta']]);
    upstream.answer(0);
    expect(await Promise.all(calls)).toEqual([[vectorOf('alpha')], [vectorOf('beta'), vectorOf('gamma')], [vectorOf('delta')]]);
    expect(embedder.space).toBe('test.space');
  });

  it('asks for a text once however many wait for it, and answers a recent one from memory', async () => {
    const upstream = new RecordingEmbedder();
    const embedder = new BatchingEmbedder(upstream, settings());
    const first = embedder.embed(['same question']);
    const second = embedder.embed(['same question']);
    await tick(10);
    const third = embedder.embed(['same question']);
    expect(upstream.requests.map((request) => request.texts)).toEqual([['same question']]);
    upstream.answer(0);
    expect(await Promise.all([first, second, third])).toEqual([[vectorOf('same question')], [vectorOf('same question')], [vectorOf('same question')]]);
    const remembered = await embedder.embed(['same question']);
    expect(remembered).toEqual([vectorOf('same question')]);
    remembered[0]![0] = -1;
    expect(await embedder.embed(['same question'])).toEqual([vectorOf('same question')]);
    expect(upstream.requests).toHaveLength(1);
  });

  it('a full batch goes out at once; the rest waits for the next', async () => {
    const upstream = new RecordingEmbedder();
    const embedder = new BatchingEmbedder(upstream, settings({ maxBatch: 2, windowMs: 1_000 }));
    void embedder.embed(['one']);
    void embedder.embed(['two']);
    void embedder.embed(['three']);
    await tick();
    expect(upstream.requests.map((request) => request.texts)).toEqual([['one', 'two']]);
  });

  it('a failed request fails each of its callers and is not remembered', async () => {
    const upstream = new RecordingEmbedder();
    const embedder = new BatchingEmbedder(upstream, settings());
    const calls = [embedder.embed(['x1']), embedder.embed(['x2'])];
    await tick(10);
    upstream.fail(0, new LlmError('server', 'embeddings endpoint down'));
    for (const call of calls) await expect(call).rejects.toMatchObject({ kind: 'server' });
    const again = embedder.embed(['x1']);
    await tick(10);
    expect(upstream.requests.map((request) => request.texts)).toEqual([['x1', 'x2'], ['x1']]);
    upstream.answer(1);
    expect(await again).toEqual([vectorOf('x1')]);
  });

  it('a caller that aborts stops waiting at once; the request is aborted only when all of its callers have', async () => {
    const upstream = new RecordingEmbedder();
    const embedder = new BatchingEmbedder(upstream, settings());
    const leaving = new AbortController();
    const staying = new AbortController();
    const left = embedder.embed(['leaves'], leaving.signal);
    const stays = embedder.embed(['stays'], staying.signal);
    await tick(10);
    leaving.abort();
    await expect(left).rejects.toMatchObject({ kind: 'aborted' });
    expect(upstream.requests[0]!.signal!.aborted).toBe(false);
    upstream.answer(0);
    expect(await stays).toEqual([vectorOf('stays')]);

    const alone = new AbortController();
    const lone = embedder.embed(['nobody waits'], alone.signal);
    await tick(10);
    alone.abort();
    await expect(lone).rejects.toMatchObject({ kind: 'aborted' });
    expect(upstream.requests[1]!.signal!.aborted).toBe(true);
  });

  it('texts whose callers all left before the window closed are never sent', async () => {
    const upstream = new RecordingEmbedder();
    const embedder = new BatchingEmbedder(upstream, settings({ windowMs: 20 }));
    const controller = new AbortController();
    const call = embedder.embed(['never sent'], controller.signal);
    controller.abort();
    await expect(call).rejects.toMatchObject({ kind: 'aborted' });
    await tick(40);
    expect(upstream.requests).toHaveLength(0);
    await expect(embedder.embed(['too late'], AbortSignal.abort())).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('an answer with the wrong number of vectors fails the callers rather than mixing them up', async () => {
    const short: Embedder = { space: 's', embed: async () => [[1, 2, 3]] };
    const embedder = new BatchingEmbedder(short, settings());
    const calls = [embedder.embed(['a']), embedder.embed(['b'])];
    for (const call of calls) await expect(call).rejects.toMatchObject({ kind: 'server' });
  });
});
