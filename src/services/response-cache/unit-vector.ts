/** The vector scaled to length 1, as float32; null when it has no direction or a non-finite part. */
export function toUnitVector(values: readonly number[]): Float32Array | null {
  let squares = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) return null;
    squares += value * value;
  }
  if (values.length === 0 || squares === 0) return null;
  const norm = Math.sqrt(squares);
  return Float32Array.from(values, (value) => value / norm);
}
