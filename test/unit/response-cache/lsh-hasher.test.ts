import { LshHasher } from '../../../src/services/response-cache/lsh-hasher';
import { seededGaussian } from '../../../src/services/response-cache/seeded-random';
import { toUnitVector } from '../../../src/services/response-cache/unit-vector';

const layout = { bands: 8, bitsPerBand: 10, seed: 'test-seed' };
const random = seededGaussian('vectors');
const randomUnit = (dimensions: number) => toUnitVector(Array.from({ length: dimensions }, random))!;

/** A unit vector at exactly the given cosine to `base`. */
function atCosine(base: Float32Array, cosine: number): Float32Array {
  const noise = randomUnit(base.length);
  const along = noise.reduce((sum, value, index) => sum + value * base[index]!, 0);
  const orthogonal = toUnitVector(Array.from(noise, (value, index) => value - along * base[index]!))!;
  const sine = Math.sqrt(1 - cosine * cosine);
  return toUnitVector(Array.from(base, (value, index) => cosine * value + sine * orthogonal[index]!))!;
}

const shareABucket = (a: number[], b: number[]) => a.some((bucket, band) => bucket === b[band]);

describe('LshHasher', () => {
  it('gives every instance the same buckets for the same seed, and other buckets for another seed', () => {
    const vector = randomUnit(64);
    expect(new LshHasher(layout).buckets(vector)).toEqual(new LshHasher(layout).buckets(vector));
    expect(new LshHasher({ ...layout, seed: 'other' }).buckets(vector)).not.toEqual(new LshHasher(layout).buckets(vector));
  });

  it('encodes one bucket per band, band b within [b * 2^bits, (b + 1) * 2^bits)', () => {
    const buckets = new LshHasher(layout).buckets(randomUnit(32));
    expect(buckets).toHaveLength(8);
    buckets.forEach((bucket, band) => {
      expect(bucket).toBeGreaterThanOrEqual(band * 1024);
      expect(bucket).toBeLessThan((band + 1) * 1024);
    });
  });

  it('files near duplicates (cosine 0.95) together almost always, and unrelated vectors rarely', () => {
    const hasher = new LshHasher(layout);
    let near = 0;
    let unrelated = 0;
    for (let trial = 0; trial < 300; trial += 1) {
      const base = randomUnit(256);
      if (shareABucket(hasher.buckets(base), hasher.buckets(atCosine(base, 0.95)))) near += 1;
      if (shareABucket(hasher.buckets(base), hasher.buckets(randomUnit(256)))) unrelated += 1;
    }
    expect(near / 300).toBeGreaterThan(0.9);
    expect(unrelated / 300).toBeLessThan(0.05);
  });

  it('names a different index when the vector space, the dimensions or the layout change', () => {
    const hasher = new LshHasher(layout);
    const name = hasher.indexName('openai.text-embedding-3-small.256', 256);
    expect(name).toMatch(/^[0-9a-f]{16}$/);
    expect(hasher.indexName('openai.text-embedding-3-large.256', 256)).not.toBe(name);
    expect(hasher.indexName('openai.text-embedding-3-small.256', 512)).not.toBe(name);
    expect(new LshHasher({ ...layout, bands: 9 }).indexName('openai.text-embedding-3-small.256', 256)).not.toBe(name);
  });
});
