import { createHash } from 'node:crypto';
import { seededGaussian } from './seeded-random';

export interface LshLayout {
  /** Buckets per vector; more bands find more near neighbours and cost more lookups. */
  bands: number;
  /** Random hyperplanes per band; more bits make buckets smaller and stricter. */
  bitsPerBand: number;
  /** Every instance must use the same seed, or they file the same vector under different buckets. */
  seed: string;
}

/**
 * Random-hyperplane locality-sensitive hashing: each band is the sign pattern of a vector against
 * `bitsPerBand` seeded random hyperplanes, so vectors at a small angle usually share a band's
 * bucket. Planes are drawn per dimension count, deterministically from the seed.
 */
export class LshHasher {
  private readonly planes = new Map<number, Float32Array>();
  private readonly names = new Map<string, string>();

  constructor(private readonly layout: LshLayout) {}

  /** Names the index of one vector space under this layout; changes whenever either does. */
  indexName(space: string, dimensions: number): string {
    const { bands, bitsPerBand, seed } = this.layout;
    const identity = JSON.stringify([space, dimensions, bands, bitsPerBand, seed]);
    let name = this.names.get(identity);
    if (name === undefined) {
      name = createHash('sha256').update(identity).digest('hex').slice(0, 16);
      this.names.set(identity, name);
    }
    return name;
  }

  /** One bucket per band, encoded as band * 2^bitsPerBand + code. */
  buckets(vector: Float32Array): number[] {
    const { bands, bitsPerBand } = this.layout;
    const sides = this.sides(vector);
    const buckets: number[] = [];
    for (let band = 0; band < bands; band += 1) {
      let code = 0;
      for (let bit = 0; bit < bitsPerBand; bit += 1) code = code * 2 + (sides[band * bitsPerBand + bit] ?? 0);
      buckets.push(band * 2 ** bitsPerBand + code);
    }
    return buckets;
  }

  /** 1 where the vector lies on the positive side of a plane, else 0; the hot loop of hashing. */
  private sides(vector: Float32Array): Uint8Array {
    const planes = this.planesFor(vector.length);
    const dimensions = vector.length;
    const sides = new Uint8Array(planes.length / dimensions);
    for (let plane = 0, offset = 0; plane < sides.length; plane += 1, offset += dimensions) {
      let dot = 0;
      for (let i = 0; i < dimensions; i += 1) dot += (vector[i] as number) * (planes[offset + i] as number);
      sides[plane] = dot >= 0 ? 1 : 0;
    }
    return sides;
  }

  private planesFor(dimensions: number): Float32Array {
    let planes = this.planes.get(dimensions);
    if (!planes) {
      const { bands, bitsPerBand, seed } = this.layout;
      const gaussian = seededGaussian(`${seed}:${dimensions}`);
      planes = Float32Array.from({ length: bands * bitsPerBand * dimensions }, gaussian);
      this.planes.set(dimensions, planes);
    }
    return planes;
  }
}
