import { isExhausted, UpstreamBusyError, type QueueRejectedEvent } from '../../../src/services/model-router';
import { ask, chatRequests, createRouter, delay, healthOf, llmError, PRIMARY, PRIMARY_MODEL, timed, useFakes } from './router-harness';

const fakes = useFakes();

async function settle<T>(promises: Array<Promise<T>>): Promise<{ answers: T[]; errors: unknown[] }> {
  const results = await Promise.allSettled(promises);
  return {
    answers: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    errors: results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : [])),
  };
}

describe('concurrency cap', () => {
  it('beyond maxInFlight plus maxQueue a call is refused at once with UpstreamBusyError', async () => {
    const rejected: QueueRejectedEvent[] = [];
    const router = createRouter(fakes, {
      maxInFlight: 2,
      maxQueue: 1,
      queueTimeoutMs: 2_000,
      events: { onQueueRejected: (event) => rejected.push(event) },
    });
    fakes.primary.setLatency(300);

    const calls = Array.from({ length: 4 }, () => timed(() => router.complete(ask())));
    const refused = await llmError(calls[3]!);
    const { answers } = await settle(calls.slice(0, 3));

    expect(refused).toBeInstanceOf(UpstreamBusyError);
    expect(refused.kind).toBe('server');
    expect(answers).toHaveLength(3);
    expect(answers.map((answer) => answer.value.model)).toEqual([PRIMARY_MODEL, PRIMARY_MODEL, PRIMARY_MODEL]);
    expect(answers[2]!.ms).toBeGreaterThanOrEqual(550);
    expect(chatRequests(fakes.primary)).toHaveLength(3);
    expect(rejected).toEqual([{ reason: 'queue_full', inFlight: 2, queued: 1 }]);
  });

  it('the refused call fails fast, without waiting for a slot', async () => {
    const router = createRouter(fakes, { maxInFlight: 1, maxQueue: 0 });
    fakes.primary.setLatency(300);
    const running = router.complete(ask());
    const { value: refused, ms } = await timed(() => llmError(router.complete(ask())));
    expect(refused).toBeInstanceOf(UpstreamBusyError);
    expect(ms).toBeLessThan(50);
    await running;
  });

  it('a queued call gives up after queueTimeoutMs', async () => {
    const router = createRouter(fakes, { maxInFlight: 1, maxQueue: 1, queueTimeoutMs: 50 });
    fakes.primary.setLatency(300);

    const running = router.complete(ask());
    const { value: error, ms } = await timed(() => llmError(router.complete(ask())));

    expect(error).toBeInstanceOf(UpstreamBusyError);
    expect(ms).toBeGreaterThanOrEqual(45);
    expect(ms).toBeLessThan(250);
    expect((await running).model).toBe(PRIMARY_MODEL);
    expect(chatRequests(fakes.primary)).toHaveLength(1);
  });

  it('a queued caller that aborts leaves the queue and frees its place', async () => {
    const router = createRouter(fakes, { maxInFlight: 1, maxQueue: 1, queueTimeoutMs: 2_000 });
    fakes.primary.setLatency(200);
    const controller = new AbortController();

    const running = router.complete(ask());
    const leaving = llmError(router.complete(ask({ signal: controller.signal })));
    await delay(20);
    controller.abort();
    expect((await leaving).kind).toBe('aborted');

    const queued = router.complete(ask());
    expect((await running).model).toBe(PRIMARY_MODEL);
    expect((await queued).model).toBe(PRIMARY_MODEL);
    expect(chatRequests(fakes.primary)).toHaveLength(2);
  });
});

describe('caller cancellation', () => {
  it('aborting the caller signal cancels a call in flight promptly: no fallback, no breaker failure', async () => {
    const router = createRouter(fakes, { breaker: { timeoutMs: 5_000, volumeThreshold: 1 } });
    fakes.primary.enqueueFaults([{ type: 'hang' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const { value: error, ms } = await timed(() => llmError(router.complete(ask({ signal: controller.signal }))));

    expect(error.kind).toBe('aborted');
    expect(isExhausted(error)).toBe(false);
    expect(ms).toBeLessThan(400);
    expect(chatRequests(fakes.fallback)).toHaveLength(0);
    expect(healthOf(router, PRIMARY)).toMatchObject({ state: 'closed', stats: { failures: 0 } });
  });

  it('an already aborted signal calls nothing', async () => {
    const router = createRouter(fakes);
    const error = await llmError(router.complete(ask({ signal: AbortSignal.abort() })));
    expect(error.kind).toBe('aborted');
    expect(chatRequests(fakes.primary)).toHaveLength(0);
  });

  it('aborting during a backoff sleep ends the call without another request', async () => {
    const router = createRouter(fakes, { breaker: { timeoutMs: 5_000 }, retry: { maxAttempts: 3 } });
    fakes.primary.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 2 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const { value: error, ms } = await timed(() => llmError(router.complete(ask({ signal: controller.signal }))));

    expect(error.kind).toBe('aborted');
    expect(ms).toBeLessThan(400);
    expect(chatRequests(fakes.primary)).toHaveLength(1);
    expect(chatRequests(fakes.fallback)).toHaveLength(0);
  });
});

describe('close()', () => {
  it('refuses later calls', async () => {
    const router = createRouter(fakes);
    await router.complete(ask());
    await router.close();
    expect((await llmError(router.complete(ask()))).kind).toBe('server');
    expect(chatRequests(fakes.primary)).toHaveLength(1);
  });
});
