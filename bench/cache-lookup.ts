/**
 * Response cache lookup latency at 10k and 100k entries in one scope, against a redis-server of
 * its own, with the service's default settings (only the per-scope cap raised to fit 100k).
 * Entries are synthetic unit vectors in clusters of related questions, so buckets fill the way
 * real traffic fills them. Three kinds of lookup, each timed through ResponseCacheService.lookup:
 * exact repeats; paraphrases (a vector at cosine 0.97 to a stored one, which the similar level
 * should find); and misses (vectors from the same clusters, related but below the threshold).
 * Embedding time is left out: the table embedder answers at once. Target: p99 under 5 ms.
 *
 *   npx tsx bench/cache-lookup.ts
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { RedisResponseCache } from '../src/adapters/redis/redis-response-cache';
import { startRedisServer } from '../src/dev/redis-process';
import { createLogger } from '../src/observability/logger';
import type { Embedder } from '../src/ports/embedder';
import {
  CacheLevel,
  EMPTY_CONTEXT_FINGERPRINT,
  ResponseCacheService,
  type ResponseCacheRequest,
} from '../src/services/response-cache';
import { seededGaussian } from '../src/services/response-cache/seeded-random';
import { toUnitVector } from '../src/services/response-cache/unit-vector';

const DIMENSIONS = 256;
const SIZES = [10_000, 100_000];
const CLUSTER_SIZE = 100;
/** Cosine of a clustered vector to its centre; members of one cluster are at ~0.72 to each other. */
const CLUSTER_COSINE = 0.85;
const PARAPHRASE_COSINE = 0.97;
const LOOKUPS_PER_KIND = 800;
const WARM_UP_LOOKUPS = 300;
const WRITE_BATCH = 2_000;
const TARGET_P99_MS = 5;

interface Row {
  entries: number;
  kind: string;
  p50: number;
  p99: number;
  max: number;
  /** Mean time Redis spent executing one lookup's commands. */
  redisMs: number;
  /** Share of lookups answered at the expected level (recall, for paraphrases). */
  expected: number;
}

interface LookupKind {
  kind: string;
  level: CacheLevel | null;
  /** The message of the i-th lookup; registers its vector with the embedder. */
  message(i: number): string;
}

const gaussian = seededGaussian('bench-cache-lookup');
const randomUnit = (): Float32Array => unit(Array.from({ length: DIMENSIONS }, gaussian));

function unit(values: ArrayLike<number>): Float32Array {
  const vector = toUnitVector(Array.from(values));
  if (!vector) throw new Error('a zero vector');
  return vector;
}

/** A unit vector at `cosine` to `base`, in a random direction. */
function around(base: Float32Array, cosine: number): Float32Array {
  const noise = randomUnit();
  const along = noise.reduce((sum, value, index) => sum + value * (base[index] ?? 0), 0);
  const orthogonal = unit(noise.map((value, index) => value - along * (base[index] ?? 0)));
  const sine = Math.sqrt(1 - cosine * cosine);
  return unit(base.map((value, index) => cosine * value + sine * (orthogonal[index] ?? 0)));
}

/** Letters only: digits would enter the lexical signature and set paraphrases apart. */
const name = (index: number): string => [...index.toString(26)].map((digit) => String.fromCharCode(97 + parseInt(digit, 26))).join('');
const questionOf = (index: number): string => `question ${name(index)}`;
/** Spreads the looked-up entries over the whole scope, oldest to newest. */
const pick = (i: number, size: number): number => (i * 7_919) % size;

/** Answers with the vector registered for a text, as a provider would embed it. */
class TableEmbedder implements Embedder {
  readonly space = 'bench.synthetic';
  readonly vectors = new Map<string, Float32Array>();

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => Array.from(this.vectors.get(text) ?? randomUnit()));
  }

  register(text: string, vector: Float32Array): string {
    this.vectors.set(text, vector);
    return text;
  }
}

class Bench {
  private readonly embedder = new TableEmbedder();
  private readonly centres: Float32Array[] = [];
  /** Only the entries some lookup targets keep their vectors here, to keep this process's heap small. */
  private readonly targets = new Map<number, Float32Array>();
  private readonly targetIndexes = new Set<number>();
  private readonly writing: ResponseCacheService;
  private readonly reading: ResponseCacheService;
  private filled = 0;

  constructor(writer: Redis, private readonly reader: Redis) {
    const log = createLogger({ level: 'warn', pretty: true });
    const options = { maxEntriesPerScope: Math.max(...SIZES) };
    this.writing = new ResponseCacheService({ store: new RedisResponseCache(writer), embedder: this.embedder, log, options });
    this.reading = new ResponseCacheService({ store: new RedisResponseCache(reader), embedder: this.embedder, log, options });
    for (const size of SIZES) {
      for (let i = 0; i < LOOKUPS_PER_KIND + WARM_UP_LOOKUPS; i += 1) this.targetIndexes.add(pick(i, size));
    }
  }

  get settings(): string {
    const { lsh, maxCandidates, maxPerBucket, similarityThreshold } = this.reading.options;
    return `${DIMENSIONS} dimensions, ${lsh.bands} bands x ${lsh.bitsPerBand} bits, ${maxPerBucket} per bucket, ${maxCandidates} candidates, threshold ${similarityThreshold}`;
  }

  async fill(size: number): Promise<void> {
    while (this.centres.length < size / CLUSTER_SIZE) this.centres.push(randomUnit());
    const started = performance.now();
    for (; this.filled < size; this.filled = Math.min(size, this.filled + WRITE_BATCH)) {
      const writes: Array<Promise<boolean>> = [];
      for (let index = this.filled; index < Math.min(size, this.filled + WRITE_BATCH); index += 1) writes.push(this.write(index));
      if ((await Promise.all(writes)).includes(false)) throw new Error('a write failed');
      this.embedder.vectors.clear();
    }
    const memory = /used_memory:(\d+)/.exec(await this.reader.info('memory'))?.[1];
    const seconds = (performance.now() - started) / 1000;
    console.log(`filled to ${size} entries in ${seconds.toFixed(1)} s; redis used_memory ${(Number(memory) / 1_048_576).toFixed(0)} MiB`);
  }

  async measure(size: number): Promise<Row[]> {
    collectGarbage();
    const kinds = this.kinds(size);
    for (let i = 0; i < WARM_UP_LOOKUPS; i += 1) await this.reading.lookup(this.query(kinds[i % kinds.length]!.message(LOOKUPS_PER_KIND + i)));
    const rows: Row[] = [];
    for (const kind of kinds) rows.push(await this.measureKind(size, kind));
    this.embedder.vectors.clear();
    return rows;
  }

  private async write(index: number): Promise<boolean> {
    const vector = around(this.centres[index % this.centres.length]!, CLUSTER_COSINE);
    if (this.targetIndexes.has(index)) this.targets.set(index, vector);
    const query = this.writing.prepare(request(this.embedder.register(questionOf(index), vector)));
    return this.writing.store(query, { status: 'COMPLETE', content: REPLY, model: 'gpt-4o-mini', usage: USAGE });
  }

  private kinds(size: number): LookupKind[] {
    const target = (i: number) => this.targets.get(pick(i, size))!;
    return [
      { kind: 'exact hit', level: CacheLevel.Exact, message: (i) => questionOf(pick(i, size)) },
      {
        kind: 'similar hit',
        level: CacheLevel.Similar,
        message: (i) => this.embedder.register(`paraphrase ${name(i)} of ${name(pick(i, size))}`, around(target(i), PARAPHRASE_COSINE)),
      },
      {
        kind: 'miss',
        level: null,
        message: (i) => this.embedder.register(`related ${name(i)}`, around(this.centres[i % this.centres.length]!, CLUSTER_COSINE)),
      },
    ];
  }

  private async measureKind(size: number, { kind, level, message }: LookupKind): Promise<Row> {
    await this.reader.call('CONFIG', 'RESETSTAT');
    const timings: number[] = [];
    let expected = 0;
    // Synthesised up front, so the timed loop allocates only what the lookup does.
    const queries = Array.from({ length: LOOKUPS_PER_KIND }, (_, i) => this.query(message(i)));
    for (const query of queries) {
      const started = performance.now();
      const hit = await this.reading.lookup(query);
      timings.push(performance.now() - started);
      if ((hit?.level ?? null) === level) expected += 1;
    }
    timings.sort((a, b) => a - b);
    const redisMs = await redisMsPerLookup(this.reader);
    return { entries: size, kind, p50: percentile(timings, 50), p99: percentile(timings, 99), max: timings.at(-1) ?? NaN, redisMs, expected: expected / LOOKUPS_PER_KIND };
  }

  private query(message: string) {
    return this.reading.prepare(request(message));
  }
}

const REPLY = 'A cached reply of a realistic length. '.repeat(12);
const USAGE = { promptTokens: 20, completionTokens: 80, totalTokens: 100 };

function request(message: string): ResponseCacheRequest {
  return { userId: 'bench', model: 'gpt-4o-mini', systemPromptVersion: 'bench@1', contextFingerprint: EMPTY_CONTEXT_FINGERPRINT, message };
}

/** A full collection between filling and measuring, so the fill's garbage is not charged to lookups. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') gc();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function redisMsPerLookup(redis: Redis): Promise<number> {
  let usec = 0;
  for (const [, command, spent] of (await redis.info('commandstats')).matchAll(/cmdstat_(\w+):calls=\d+,usec=(\d+)/g)) {
    if (command !== 'config') usec += Number(spent);
  }
  return usec / LOOKUPS_PER_KIND / 1000;
}

function printTable(settings: string, rows: Row[]): void {
  console.log(`\nresponse cache lookup latency: one scope, ${settings}; ${LOOKUPS_PER_KIND} lookups per row\n`);
  console.log('entries   lookup        p50 ms   p99 ms   max ms   redis ms/lookup   as expected');
  for (const row of rows) {
    const cells = [row.p50, row.p99, row.max].map((ms) => ms.toFixed(2).padStart(8)).join(' ');
    console.log(`${String(row.entries).padEnd(9)} ${row.kind.padEnd(12)}${cells} ${row.redisMs.toFixed(3).padStart(17)}   ${(row.expected * 100).toFixed(1)}%`);
  }
  const worst = Math.max(...rows.map((row) => row.p99));
  console.log(`\nworst p99 ${worst.toFixed(2)} ms: ${worst < TARGET_P99_MS ? 'within' : 'OVER'} the ${TARGET_P99_MS} ms target`);
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const writer = new Redis(server.url, { enableAutoPipelining: true });
  const reader = new Redis(server.url);
  try {
    const bench = new Bench(writer, reader);
    const rows: Row[] = [];
    for (const size of SIZES) {
      await bench.fill(size);
      rows.push(...(await bench.measure(size)));
    }
    printTable(bench.settings, rows);
  } finally {
    writer.disconnect();
    reader.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
