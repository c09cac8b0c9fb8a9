import type { LshLayout } from './lsh-hasher';

export interface ResponseCacheOptions {
  /** How long an entry is served. @defaultValue 86_400_000 (24 h) */
  ttlMs?: number;
  /**
   * Whether the similar-query level runs at all (it needs an embedder too). Off, only exact
   * repeats are served and no embeddings are requested.
   * @defaultValue false
   */
  similarEnabled?: boolean;
  /**
   * How a send uses the similar level. `parallel`: the model call starts at once and the lookup
   * runs alongside; a hit that arrives before the model's first token stops the call and answers
   * (no added latency; a hit after the first token saves nothing, and a provider may bill the
   * aborted call's prompt). `wait`: the model is called only after the lookup (every hit saves
   * the whole call, every first turn waits for an embedding).
   * @defaultValue 'parallel'
   */
  similarLookup?: 'parallel' | 'wait';
  /** Lowest cosine similarity of two questions for a SIMILAR hit. @defaultValue 0.95 */
  similarityThreshold?: number;
  /**
   * Similar-query lookups only for first turns (the empty context fingerprint); later turns get
   * exact hits only. Either way a similar hit needs an identical context fingerprint.
   * @defaultValue true
   */
  similarFirstTurnsOnly?: boolean;
  /** Requests above this temperature are neither cached nor answered from the cache. @defaultValue 1 */
  maxTemperature?: number;
  /** The temperature a request that sets none runs at (the provider's default). @defaultValue 1 */
  defaultTemperature?: number;
  /** Entries per scope; beyond it, those expiring first are evicted. @defaultValue 10_000 */
  maxEntriesPerScope?: number;
  /** Candidates compared exactly per lookup, those sharing the most buckets first. @defaultValue 64 */
  maxCandidates?: number;
  /** Newest entries of one bucket that become candidates (older ones are not kept). @defaultValue 50 */
  maxPerBucket?: number;
  /** Similar entries offered to the lexical guard, most similar first. @defaultValue 5 */
  maxGuardChecks?: number;
  /**
   * Locality-sensitive hash layout. The default files a question at cosine 0.95 to a stored one in
   * a shared bucket about 98% of the time, and at 0.97 over 99%.
   * @defaultValue { bands: 16, bitsPerBand: 14, seed: 'parley-response-cache-v1' }
   */
  lsh?: Partial<LshLayout>;
  /** An embedding slower than this skips the similar level. @defaultValue 1_000 */
  embedTimeoutMs?: number;
  /**
   * After an embedding fails, the similar level is skipped (counted as `embed_resting`) for this
   * long, so a dead endpoint costs one failed call per interval. 0 tries every lookup.
   * @defaultValue 1_000
   */
  embedCooldownMs?: number;
  /**
   * Longest wait for any one store call before it counts as a miss (the Redis connection's own
   * command timeout normally answers first).
   * @defaultValue 1_000
   */
  storeTimeoutMs?: number;
  /**
   * After a store call fails or times out, store calls are skipped (as misses) for this long, so a
   * stalled Redis costs one timeout per interval rather than one per call. 0 never skips.
   * @defaultValue 1_000
   */
  storeCooldownMs?: number;
  /** How long a single-flight lock lasts if its owner dies; set near the model call timeout. @defaultValue 30_000 */
  flightLockMs?: number;
  /** Longest a request waits for an identical one's reply before calling the model itself. @defaultValue 30_000 */
  flightWaitMs?: number;
  /** First pause between checks while waiting; later pauses grow up to 250 ms. @defaultValue 20 */
  flightPollMs?: number;
  /** How long a failed owner's "abandoned" mark sends new arrivals straight to the model. @defaultValue 1_000 */
  flightAbandonedMs?: number;
  /** At most one warning per failing operation per this interval. @defaultValue 10_000 */
  logIntervalMs?: number;
}

export type ResolvedResponseCacheOptions = Required<Omit<ResponseCacheOptions, 'lsh'>> & { lsh: LshLayout };

export const MAX_FLIGHT_POLL_MS = 250;

const DEFAULTS: ResolvedResponseCacheOptions = {
  ttlMs: 86_400_000,
  similarEnabled: false,
  similarLookup: 'parallel',
  similarityThreshold: 0.95,
  similarFirstTurnsOnly: true,
  maxTemperature: 1,
  defaultTemperature: 1,
  maxEntriesPerScope: 10_000,
  maxCandidates: 64,
  maxPerBucket: 50,
  maxGuardChecks: 5,
  lsh: { bands: 16, bitsPerBand: 14, seed: 'parley-response-cache-v1' },
  embedTimeoutMs: 1_000,
  embedCooldownMs: 1_000,
  storeTimeoutMs: 1_000,
  storeCooldownMs: 1_000,
  flightLockMs: 30_000,
  flightWaitMs: 30_000,
  flightPollMs: 20,
  flightAbandonedMs: 1_000,
  logIntervalMs: 10_000,
};

type Rule = [name: string, value: number, ok: (value: number) => boolean, expected: string];

/** Fills in defaults; throws one RangeError listing every unusable setting. */
export function resolveResponseCacheOptions(options: ResponseCacheOptions = {}): ResolvedResponseCacheOptions {
  const resolved: ResolvedResponseCacheOptions = { ...DEFAULTS, ...options, lsh: { ...DEFAULTS.lsh, ...options.lsh } };
  const positive = (value: number) => value > 0;
  const integer = (min: number, max: number) => (value: number) => Number.isInteger(value) && value >= min && value <= max;
  const rules: Rule[] = [
    ['ttlMs', resolved.ttlMs, positive, 'greater than zero'],
    ['similarityThreshold', resolved.similarityThreshold, (value) => value > 0 && value <= 1, 'in (0, 1]'],
    ['maxTemperature', resolved.maxTemperature, (value) => value >= 0, 'zero or more'],
    ['defaultTemperature', resolved.defaultTemperature, (value) => value >= 0, 'zero or more'],
    ['maxEntriesPerScope', resolved.maxEntriesPerScope, integer(1, 10_000_000), 'an integer from 1'],
    ['maxCandidates', resolved.maxCandidates, integer(1, 2_000), 'an integer from 1 to 2000'],
    ['maxPerBucket', resolved.maxPerBucket, integer(1, 100_000), 'an integer from 1'],
    ['maxGuardChecks', resolved.maxGuardChecks, integer(1, 100), 'an integer from 1 to 100'],
    ['lsh.bands', resolved.lsh.bands, integer(1, 64), 'an integer from 1 to 64'],
    ['lsh.bitsPerBand', resolved.lsh.bitsPerBand, integer(1, 24), 'an integer from 1 to 24'],
    ['embedTimeoutMs', resolved.embedTimeoutMs, positive, 'greater than zero'],
    ['embedCooldownMs', resolved.embedCooldownMs, (value) => value >= 0, 'zero or more'],
    ['storeTimeoutMs', resolved.storeTimeoutMs, positive, 'greater than zero'],
    ['storeCooldownMs', resolved.storeCooldownMs, (value) => value >= 0, 'zero or more'],
    ['flightLockMs', resolved.flightLockMs, positive, 'greater than zero'],
    ['flightWaitMs', resolved.flightWaitMs, (value) => value >= 0, 'zero or more'],
    ['flightPollMs', resolved.flightPollMs, positive, 'greater than zero'],
    ['flightAbandonedMs', resolved.flightAbandonedMs, positive, 'greater than zero'],
    ['logIntervalMs', resolved.logIntervalMs, (value) => value >= 0, 'zero or more'],
  ];
  const problems = rules
    .filter(([, value, ok]) => !Number.isFinite(value) || !ok(value))
    .map(([name, value, , expected]) => `${name} must be ${expected}, got ${value}`);
  if (resolved.lsh.seed === '') problems.push('lsh.seed must not be empty');
  if (problems.length > 0) throw new RangeError(`invalid response cache options: ${problems.join('; ')}`);
  return resolved;
}
