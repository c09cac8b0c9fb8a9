import { KeyRing } from '../../../src/services/model-router/key-ring';

function ringAt(keys: string[]): { ring: KeyRing; clock: { now: number } } {
  const clock = { now: 1_000 };
  return { ring: new KeyRing(keys, () => clock.now), clock };
}

describe('KeyRing', () => {
  it('hands keys out round-robin', () => {
    const { ring } = ringAt(['a', 'b', 'c']);
    const picked = Array.from({ length: 5 }, () => ring.next()?.key);
    expect(picked).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('skips a resting key until its cooldown is over', () => {
    const { ring, clock } = ringAt(['a', 'b']);
    ring.rest(0, 500);
    expect([ring.next()?.key, ring.next()?.key]).toEqual(['b', 'b']);
    clock.now += 500;
    expect([ring.next()?.key, ring.next()?.key]).toEqual(['a', 'b']);
  });

  it('has no key when every key rests', () => {
    const { ring } = ringAt(['a', 'b']);
    ring.rest(0, 100);
    ring.rest(1, 100);
    expect(ring.hasUsableKey()).toBe(false);
    expect(ring.next()).toBeUndefined();
  });

  it('leaves out excluded indexes', () => {
    const { ring } = ringAt(['a', 'b']);
    expect(ring.next(new Set([0]))).toEqual({ key: 'b', index: 1 });
    expect(ring.next(new Set([0, 1]))).toBeUndefined();
  });

  it('keeps the longer of two rests', () => {
    const { ring, clock } = ringAt(['a']);
    ring.rest(0, 1_000);
    ring.rest(0, 10);
    clock.now += 500;
    expect(ring.hasUsableKey()).toBe(false);
  });
});
