import { backoffDelayMs, type RetrySettings } from '../../../src/services/model-router/backoff';

const settings: RetrySettings = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
const fixed = (value: number) => () => value;

describe('backoffDelayMs', () => {
  it('is full jitter: 0 with the lowest random draw, just under the ceiling with the highest', () => {
    expect(backoffDelayMs(0, settings, fixed(0))).toBe(0);
    expect(backoffDelayMs(0, settings, fixed(0.999_999))).toBe(99);
    expect(backoffDelayMs(0, settings, fixed(0.5))).toBe(50);
  });

  it('doubles the ceiling with each retry', () => {
    const highest = fixed(0.999_999);
    expect([0, 1, 2, 3].map((retry) => backoffDelayMs(retry, settings, highest))).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds maxDelayMs, however many retries', () => {
    const highest = fixed(0.999_999);
    expect(backoffDelayMs(4, settings, highest)).toBe(999);
    expect(backoffDelayMs(60, settings, highest)).toBe(999);
    expect(backoffDelayMs(5_000, settings, highest)).toBe(999);
  });

  it('stays inside [0, ceiling) for any random draw', () => {
    for (let draw = 0; draw < 1; draw += 0.05) {
      const delay = backoffDelayMs(2, settings, fixed(draw));
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });

  it('honours Retry-After as given, without jitter, even above maxDelayMs', () => {
    expect(backoffDelayMs(0, settings, fixed(0), 1)).toBe(1_000);
    expect(backoffDelayMs(3, settings, fixed(0.9), 0.25)).toBe(250);
    expect(backoffDelayMs(0, settings, fixed(0.9), 7)).toBe(7_000);
    expect(backoffDelayMs(0, settings, fixed(0.9), 0)).toBe(0);
  });
});
