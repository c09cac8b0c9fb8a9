import { FakeOpenAiServer } from '../../../src/dev/fake-openai-server';
import type { CompletionChunk } from '../../../src/ports/llm-client';
import { isExhausted, type ResilientLlmClient } from '../../../src/services/model-router';
import {
  ask,
  chatRequests,
  createRouter,
  FALLBACK_MODEL,
  healthOf,
  llmError,
  PRIMARY,
  PRIMARY_MODEL,
  targetsFor,
  useFakes,
} from './router-harness';

const fakes = useFakes();

async function collect(chunks: AsyncIterable<CompletionChunk>): Promise<CompletionChunk[]> {
  const seen: CompletionChunk[] = [];
  for await (const chunk of chunks) seen.push(chunk);
  return seen;
}

function deltas(chunks: CompletionChunk[]): Array<Extract<CompletionChunk, { type: 'delta' }>> {
  return chunks.flatMap((chunk) => (chunk.type === 'delta' ? [chunk] : []));
}

/** Runs `test` with the primary target served by a fake that pauses between streamed chunks. */
async function withSlowPrimary(test: (router: ResilientLlmClient, slow: FakeOpenAiServer) => Promise<void>): Promise<void> {
  const slow = new FakeOpenAiServer({ chunkDelayMs: 50 });
  await slow.start();
  try {
    const targets = targetsFor(fakes);
    targets[0] = { ...targets[0]!, baseUrl: slow.url };
    await test(createRouter(fakes, { targets, retry: { maxAttempts: 3 } }), slow);
  } finally {
    await slow.stop();
  }
}

describe('stream()', () => {
  it('streams from the primary: deltas numbered from 0, then done with the model that answered', async () => {
    const router = createRouter(fakes);
    const chunks = await collect(router.stream(ask()));

    expect(deltas(chunks).length).toBeGreaterThan(1);
    expect(deltas(chunks).map((delta) => delta.sequence)).toEqual(deltas(chunks).map((_delta, index) => index));
    expect(chunks.at(-1)).toMatchObject({ type: 'done', completion: { model: PRIMARY_MODEL } });
  });

  it('a failure before the first chunk is retried, then fails over to the fallback stream', async () => {
    const router = createRouter(fakes, { retry: { maxAttempts: 2 } });
    fakes.primary.enqueueFaults([
      { type: 'status', status: 500 },
      { type: 'status', status: 503 },
    ]);

    const chunks = await collect(router.stream(ask()));

    expect(chatRequests(fakes.primary)).toHaveLength(2);
    expect(chatRequests(fakes.fallback)).toEqual([expect.objectContaining({ stream: true, model: FALLBACK_MODEL })]);
    expect(deltas(chunks)[0]?.sequence).toBe(0);
    expect(chunks.at(-1)).toMatchObject({ type: 'done', completion: { model: FALLBACK_MODEL } });
  });

  it('a stream that has not started within the breaker timeout is cancelled and fails over', async () => {
    const router = createRouter(fakes, { breaker: { timeoutMs: 300 } });
    fakes.primary.enqueueFaults([{ type: 'hang' }]);

    const chunks = await collect(router.stream(ask()));

    expect(chunks.at(-1)).toMatchObject({ type: 'done', completion: { model: FALLBACK_MODEL } });
    expect(healthOf(router, PRIMARY).stats).toMatchObject({ failures: 1, timeouts: 1 });
  });

  it('a bad request is thrown, not failed over', async () => {
    const router = createRouter(fakes);
    fakes.primary.enqueueFaults([{ type: 'status', status: 400 }]);
    expect((await llmError(collect(router.stream(ask())))).kind).toBe('bad_request');
    expect(chatRequests(fakes.fallback)).toHaveLength(0);
  });

  it('an error after the first delta reaches the consumer; nothing is retried or failed over', async () => {
    await withSlowPrimary(async (router, slow) => {
      const seen: CompletionChunk[] = [];
      const consume = async (): Promise<void> => {
        for await (const chunk of router.stream(ask())) {
          seen.push(chunk);
          if (seen.length === 1) await slow.stop();
        }
      };

      const error = await llmError(consume());

      expect(isExhausted(error)).toBe(false);
      expect(seen).toEqual([expect.objectContaining({ type: 'delta', sequence: 0 })]);
      expect(chatRequests(fakes.fallback)).toHaveLength(0);
    });
  });

  it('aborting the caller signal mid-stream ends it with an aborted error', async () => {
    await withSlowPrimary(async (router) => {
      const controller = new AbortController();
      const seen: CompletionChunk[] = [];
      const consume = async (): Promise<void> => {
        for await (const chunk of router.stream(ask({ signal: controller.signal }))) {
          seen.push(chunk);
          controller.abort();
        }
      };

      expect((await llmError(consume())).kind).toBe('aborted');
      expect(seen.some((chunk) => chunk.type === 'done')).toBe(false);
      expect(chatRequests(fakes.fallback)).toHaveLength(0);
    });
  });

  it('the caller can stop reading early; the next call still gets a slot', async () => {
    const router = createRouter(fakes, { maxInFlight: 1, maxQueue: 0 });
    for await (const chunk of router.stream(ask())) {
      if (chunk.type === 'delta') break;
    }
    expect((await router.complete(ask())).model).toBe(PRIMARY_MODEL);
  });
});
