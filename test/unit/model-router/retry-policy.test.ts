import { LlmError, type LlmFailureKind } from '../../../src/errors';
import { nextStep, type RetryPolicySettings } from '../../../src/services/model-router/retry-policy';

const settings: RetryPolicySettings = {
  retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
  keyCooldownMs: 60_000,
  random: () => 0.5,
};
const fresh = { retriesDone: 0, remainingMs: 10_000 };

describe('nextStep', () => {
  it.each<LlmFailureKind>(['bad_request', 'aborted', 'timeout'])('%s ends the attempt on this upstream', (kind) => {
    expect(nextStep(new LlmError(kind, kind), fresh, settings)).toEqual({ type: 'fail' });
  });

  it.each<LlmFailureKind>(['auth', 'quota'])('%s rests the key and rotates without sleeping', (kind) => {
    expect(nextStep(new LlmError(kind, kind, 401), fresh, settings)).toEqual({ type: 'rotate', cooldownMs: 60_000 });
  });

  it.each<LlmFailureKind>(['server', 'connection', 'rate_limited'])('%s is retried after a jittered backoff', (kind) => {
    expect(nextStep(new LlmError(kind, kind), fresh, settings)).toEqual({ type: 'retry', delayMs: 50 });
    expect(nextStep(new LlmError(kind, kind), { ...fresh, retriesDone: 1 }, settings)).toEqual({ type: 'retry', delayMs: 100 });
  });

  it('stops retrying once maxAttempts calls have been made', () => {
    const spent = { ...fresh, retriesDone: 2 };
    expect(nextStep(new LlmError('server', '500'), spent, settings)).toEqual({ type: 'fail' });
  });

  it('does not sleep past the remaining budget', () => {
    expect(nextStep(new LlmError('server', '500'), { retriesDone: 0, remainingMs: 40 }, settings)).toEqual({ type: 'fail' });
  });

  it('a Retry-After within the budget is slept', () => {
    const error = new LlmError('rate_limited', '429', 429, 2);
    expect(nextStep(error, fresh, settings)).toEqual({ type: 'retry', delayMs: 2_000 });
  });

  it('a Retry-After beyond the budget rests the key for at least that long instead', () => {
    const long = new LlmError('rate_limited', '429', 429, 90);
    expect(nextStep(long, { retriesDone: 0, remainingMs: 5_000 }, settings)).toEqual({ type: 'rotate', cooldownMs: 90_000 });
    const short = new LlmError('rate_limited', '429', 429, 6);
    expect(nextStep(short, { retriesDone: 0, remainingMs: 5_000 }, settings)).toEqual({ type: 'rotate', cooldownMs: 60_000 });
  });
});
