import { createHash } from 'node:crypto';

/**
 * Normally distributed numbers from a seed: the same seed gives the same sequence on every
 * instance and every run (sfc32 seeded from SHA-256, then Box-Muller).
 */
export function seededGaussian(seed: string): () => number {
  const uniform = sfc32(createHash('sha256').update(seed).digest());
  return () => {
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Uniform in [0, 1). */
function sfc32(state: Buffer): () => number {
  let a = state.readUInt32LE(0);
  let b = state.readUInt32LE(4);
  let c = state.readUInt32LE(8);
  let d = state.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
}
