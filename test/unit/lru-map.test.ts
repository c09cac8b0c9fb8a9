import { LruMap } from '../../src/services/lru-map';

describe('LruMap', () => {
  it('forgets the least recently used entry first, a read counting as a use', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([1, undefined, 3]);
    map.set('a', 10);
    expect(map.get('a')).toBe(10);
  });

  it('keeps nothing at capacity 0', () => {
    const map = new LruMap<string, number>(0);
    map.set('a', 1);
    expect(map.get('a')).toBeUndefined();
  });
});
