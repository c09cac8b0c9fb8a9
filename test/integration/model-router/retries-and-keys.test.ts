import type { KeyCooldownEvent, QuotaExhaustedEvent, RetryEvent } from '../../../src/services/model-router';
import { isExhausted } from '../../../src/services/model-router';
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
  timed,
  useFakes,
} from './router-harness';

const fakes = useFakes();

describe('retries on one upstream', () => {
  it('waits out a 429 Retry-After once, then answers from the same upstream', async () => {
    const retries: RetryEvent[] = [];
    const router = createRouter(fakes, { breaker: { timeoutMs: 3_000 }, retry: { maxAttempts: 3 }, events: { onRetry: (event) => retries.push(event) } });
    fakes.primary.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 1 }]);

    const { value: completion, ms } = await timed(() => router.complete(ask()));

    expect(completion.model).toBe(PRIMARY_MODEL);
    expect(ms).toBeGreaterThanOrEqual(900);
    const [first, second] = chatRequests(fakes.primary);
    expect(chatRequests(fakes.primary)).toHaveLength(2);
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(900);
    expect(retries).toEqual([{ upstream: PRIMARY, retry: 1, delayMs: 1_000, kind: 'rate_limited' }]);
    expect(chatRequests(fakes.fallback)).toHaveLength(0);
  });

  it('retries a 5xx after a short backoff', async () => {
    const router = createRouter(fakes, { retry: { maxAttempts: 3 } });
    fakes.primary.enqueueFaults([{ type: 'status', status: 503 }, { type: 'status', status: 502 }]);

    const completion = await router.complete(ask());

    expect(completion.model).toBe(PRIMARY_MODEL);
    expect(chatRequests(fakes.primary)).toHaveLength(3);
  });

  it('a Retry-After longer than the budget moves to the next key instead of sleeping', async () => {
    const router = createRouter(fakes, {
      targets: targetsFor(fakes, ['sk-one', 'sk-two']),
      breaker: { timeoutMs: 500 },
      retry: { maxAttempts: 3 },
    });
    fakes.primary.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 5 }]);

    const { value: completion, ms } = await timed(() => router.complete(ask()));

    expect(completion.model).toBe(PRIMARY_MODEL);
    expect(ms).toBeLessThan(400);
    expect(chatRequests(fakes.primary).map((recorded) => recorded.apiKey)).toEqual(['sk-one', 'sk-two']);
  });

  it('a Retry-After longer than the budget with no other key moves to the fallback', async () => {
    const router = createRouter(fakes, { breaker: { timeoutMs: 500 }, retry: { maxAttempts: 3 } });
    fakes.primary.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 5 }]);

    const { value: completion, ms } = await timed(() => router.complete(ask()));

    expect(completion.model).toBe(FALLBACK_MODEL);
    expect(ms).toBeLessThan(400);
    expect(chatRequests(fakes.primary)).toHaveLength(1);
  });
});

describe('API keys', () => {
  it('a refused key is rested and the next key answers; the refused key is not tried again while resting', async () => {
    const cooldowns: KeyCooldownEvent[] = [];
    fakes.primary.setValidKeys(['good']);
    const router = createRouter(fakes, {
      targets: targetsFor(fakes, ['bad', 'good']),
      events: { onKeyCooldown: (event) => cooldowns.push(event) },
    });

    const answers = [await router.complete(ask()), await router.complete(ask()), await router.complete(ask())];

    expect(answers.map((answer) => answer.model)).toEqual([PRIMARY_MODEL, PRIMARY_MODEL, PRIMARY_MODEL]);
    expect(chatRequests(fakes.primary).map((recorded) => recorded.apiKey)).toEqual(['bad', 'good', 'good', 'good']);
    expect(cooldowns).toEqual([{ upstream: PRIMARY, keyIndex: 0, kind: 'auth', cooldownMs: 5_000 }]);
    expect(chatRequests(fakes.fallback)).toHaveLength(0);
    expect(healthOf(router, PRIMARY)).toMatchObject({ state: 'closed', stats: { failures: 0 } });
  });

  it('keys are used round-robin', async () => {
    const router = createRouter(fakes, { targets: targetsFor(fakes, ['k1', 'k2', 'k3']) });
    for (let call = 0; call < 4; call += 1) await router.complete(ask());
    expect(chatRequests(fakes.primary).map((recorded) => recorded.apiKey)).toEqual(['k1', 'k2', 'k3', 'k1']);
  });

  it('insufficient quota is not retried on that key: the key rests, an error event fires, the next key answers', async () => {
    const quota: QuotaExhaustedEvent[] = [];
    const router = createRouter(fakes, {
      targets: targetsFor(fakes, ['sk-spent', 'sk-funded']),
      retry: { maxAttempts: 3 },
      events: { onQuotaExhausted: (event) => quota.push(event) },
    });
    fakes.primary.enqueueFaults([{ type: 'insufficient_quota' }]);

    const first = await router.complete(ask());
    const second = await router.complete(ask());

    expect([first.model, second.model]).toEqual([PRIMARY_MODEL, PRIMARY_MODEL]);
    expect(chatRequests(fakes.primary).map((recorded) => recorded.apiKey)).toEqual(['sk-spent', 'sk-funded', 'sk-funded']);
    expect(quota).toEqual([{ upstream: PRIMARY, keyIndex: 0 }]);
  });

  it('insufficient quota on the only key moves to the fallback, and the upstream is skipped while the key rests', async () => {
    const quota: QuotaExhaustedEvent[] = [];
    const router = createRouter(fakes, { retry: { maxAttempts: 3 }, events: { onQuotaExhausted: (event) => quota.push(event) } });
    fakes.primary.enqueueFaults([{ type: 'insufficient_quota' }]);

    const first = await router.complete(ask());
    const second = await router.complete(ask());

    expect([first.model, second.model]).toEqual([FALLBACK_MODEL, FALLBACK_MODEL]);
    expect(chatRequests(fakes.primary)).toHaveLength(1);
    expect(quota).toHaveLength(1);
  });
});

describe('input errors', () => {
  it('a 400 is thrown at once as bad_request: no retry, no fallback, breaker untouched', async () => {
    const router = createRouter(fakes, { retry: { maxAttempts: 3 }, breaker: { volumeThreshold: 1 } });
    fakes.primary.enqueueFaults([{ type: 'status', status: 400 }]);

    const error = await llmError(router.complete(ask()));

    expect(error.kind).toBe('bad_request');
    expect(isExhausted(error)).toBe(false);
    expect(chatRequests(fakes.primary)).toHaveLength(1);
    expect(chatRequests(fakes.fallback)).toHaveLength(0);
    expect(healthOf(router, PRIMARY)).toMatchObject({ state: 'closed', stats: { failures: 0 } });
    expect((await router.complete(ask())).model).toBe(PRIMARY_MODEL);
  });
});
