import type { CompletionRequest, LlmClient } from '../../../src/ports/llm-client';
import {
  isExhausted,
  UpstreamsExhaustedError,
  type BreakerState,
  type ClientSettings,
  type FallbackEvent,
} from '../../../src/services/model-router';
import {
  ask,
  chatRequests,
  createRouter,
  delay,
  FALLBACK,
  FALLBACK_MODEL,
  healthOf,
  llmError,
  openAiFactory,
  PRIMARY,
  PRIMARY_MODEL,
  timed,
  useFakes,
} from './router-harness';

const fakes = useFakes();

const serverErrors = (count: number) => Array.from({ length: count }, () => ({ type: 'status' as const, status: 500 as const }));

describe('model selection', () => {
  it('the requested model picks its target as primary; the others are fallbacks in order', async () => {
    const router = createRouter(fakes);
    const completion = await router.complete(ask({ model: FALLBACK_MODEL }));

    expect(completion.model).toBe(FALLBACK_MODEL);
    expect(chatRequests(fakes.fallback)).toHaveLength(1);
    expect(chatRequests(fakes.primary)).toHaveLength(0);

    fakes.fallback.enqueueFaults(serverErrors(2));
    expect((await router.complete(ask({ model: FALLBACK_MODEL }))).model).toBe(PRIMARY_MODEL);
  });

  it('an unknown model is asked of the first target, then falls back to the other targets', async () => {
    const router = createRouter(fakes);
    expect((await router.complete(ask({ model: 'custom-model' }))).model).toBe('custom-model');
    expect(chatRequests(fakes.primary).map((recorded) => recorded.model)).toEqual(['custom-model']);

    fakes.primary.enqueueFaults(serverErrors(2));
    expect((await router.complete(ask({ model: 'custom-model' }))).model).toBe(FALLBACK_MODEL);
  });
});

describe('circuit breaker', () => {
  it('opens on a burst of 500s, sends calls to the fallback untouched, then one probe closes it', async () => {
    const states: Array<[string, BreakerState]> = [];
    const fallbacks: FallbackEvent[] = [];
    const router = createRouter(fakes, {
      events: { onBreakerState: (upstream, state) => states.push([upstream, state]), onFallback: (event) => fallbacks.push(event) },
    });
    fakes.primary.enqueueFaults(serverErrors(4));

    const burst = [await router.complete(ask()), await router.complete(ask())];
    expect(burst.map((answer) => answer.model)).toEqual([FALLBACK_MODEL, FALLBACK_MODEL]);
    expect(chatRequests(fakes.primary)).toHaveLength(4);
    expect(healthOf(router, PRIMARY).state).toBe('open');

    const whileOpen = [await router.complete(ask()), await router.complete(ask())];
    expect(whileOpen.map((answer) => answer.model)).toEqual([FALLBACK_MODEL, FALLBACK_MODEL]);
    expect(chatRequests(fakes.primary)).toHaveLength(4);
    expect(fallbacks.at(-1)).toEqual({ from: PRIMARY, to: FALLBACK, reason: 'open' });

    await delay(350);
    expect((await router.complete(ask())).model).toBe(PRIMARY_MODEL);
    expect(healthOf(router, PRIMARY).state).toBe('closed');
    expect((await router.complete(ask())).model).toBe(PRIMARY_MODEL);
    expect(chatRequests(fakes.primary)).toHaveLength(6);
    expect(states).toEqual([
      [PRIMARY, 'open'],
      [PRIMARY, 'half-open'],
      [PRIMARY, 'closed'],
    ]);
  });

  it('half-open lets exactly one of several concurrent calls reach the primary', async () => {
    const router = createRouter(fakes, { retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 1 } });
    fakes.primary.enqueueFaults(serverErrors(1));
    expect((await router.complete(ask())).model).toBe(FALLBACK_MODEL);
    expect(healthOf(router, PRIMARY).state).toBe('open');

    await delay(350);
    fakes.primary.setLatency(100);
    const answers = await Promise.all(Array.from({ length: 5 }, () => router.complete(ask())));

    expect(chatRequests(fakes.primary)).toHaveLength(2);
    expect(answers.filter((answer) => answer.model === PRIMARY_MODEL)).toHaveLength(1);
    expect(answers.filter((answer) => answer.model === FALLBACK_MODEL)).toHaveLength(4);
    expect(healthOf(router, PRIMARY).state).toBe('closed');
  });

  it('a failed probe opens the breaker again for another reset period', async () => {
    const router = createRouter(fakes, { retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 1 } });
    fakes.primary.enqueueFaults(serverErrors(2));
    await router.complete(ask());
    await delay(350);

    expect((await router.complete(ask())).model).toBe(FALLBACK_MODEL);
    expect(healthOf(router, PRIMARY).state).toBe('open');
    expect((await router.complete(ask())).model).toBe(FALLBACK_MODEL);
    expect(chatRequests(fakes.primary)).toHaveLength(2);
  });

  it('a hung primary is cancelled at the breaker timeout, counted as one failure, and the fallback answers', async () => {
    const signals: AbortSignal[] = [];
    const spying = (settings: ClientSettings): LlmClient => {
      const inner = openAiFactory(settings);
      return {
        complete: (request: CompletionRequest) => {
          if (settings.baseUrl === fakes.primary.url && request.signal) signals.push(request.signal);
          return inner.complete(request);
        },
        stream: (request: CompletionRequest) => inner.stream(request),
      };
    };
    const router = createRouter(fakes, { createClient: spying, breaker: { timeoutMs: 300 }, retry: { maxAttempts: 3 } });
    fakes.primary.enqueueFaults([{ type: 'hang' }]);

    const { value: completion, ms } = await timed(() => router.complete(ask()));

    expect(completion.model).toBe(FALLBACK_MODEL);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(800);
    expect(chatRequests(fakes.primary)).toHaveLength(1);
    expect(chatRequests(fakes.primary)[0]!.status).toBeNull();
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(healthOf(router, PRIMARY).stats).toMatchObject({ fires: 1, failures: 1, timeouts: 1 });
  });
});

describe('when every upstream fails', () => {
  it('throws UpstreamsExhaustedError after a bounded number of calls, then fails fast while breakers are open', async () => {
    const router = createRouter(fakes, { retry: { maxAttempts: 2 } });
    fakes.primary.enqueueFaults(serverErrors(50));
    fakes.fallback.enqueueFaults(serverErrors(50));

    const first = await llmError(router.complete(ask()));
    expect(first).toBeInstanceOf(UpstreamsExhaustedError);
    expect(first.kind).toBe('server');
    expect(first.message).toMatch(/all model upstreams failed/);
    expect(chatRequests(fakes.primary)).toHaveLength(2);
    expect(chatRequests(fakes.fallback)).toHaveLength(2);

    await llmError(router.complete(ask()));
    expect(router.health().map((entry) => entry.state)).toEqual(['open', 'open']);

    const { value: fast, ms } = await timed(() => llmError(router.complete(ask())));
    expect(fast).toBeInstanceOf(UpstreamsExhaustedError);
    expect(fast.kind).toBe('server');
    expect(isExhausted(fast) && fast.failures).toEqual([
      { upstream: PRIMARY, reason: 'open' },
      { upstream: FALLBACK, reason: 'open' },
    ]);
    expect(ms).toBeLessThan(50);
    expect(chatRequests(fakes.primary)).toHaveLength(4);
    expect(chatRequests(fakes.fallback)).toHaveLength(4);
  });
});
