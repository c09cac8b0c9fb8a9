import { existsSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, startRedisServer } from '../src/dev/redis-process';
import { ChildHandle } from './child-process';
import { findChildRedis, type WatchedPids } from './cpu-usage';
import type { BenchOptions } from './options';

/** Everything the scenarios talk to, and how to take it all down again. */
export interface Stack {
  parleyUrl: string;
  modelUrl: string;
  modelApiKey: string;
  jwtSecret: string;
  /** What Parley stores into, for the report: "memory" or "mongodb". */
  store: 'memory' | 'mongodb';
  redis: 'started' | 'REDIS_URL';
  /** For CPU accounting; redis is null when REDIS_URL names one the bench did not start. */
  pids: WatchedPids;
  /** Stops what was started, newest first. Safe to call twice. */
  stop(): Promise<void>;
  /** Synchronous last resort for exit paths: SIGKILLs the node children. */
  kill(): void;
  /** A description of the first node child that has exited, with its last output; null while all run. */
  deadChild(): string | null;
}

const ROOT = join(__dirname, '..');
const MODEL_API_KEY = 'sk-bench';
const STARTUP_TIMEOUT_MS = 60_000;
const HUGE = 1_000_000_000;

/** Limits far above anything the bench can reach: it measures throughput, not the rate limiter. */
const UNLIMITED_TIER = {
  sendPerMinute: HUGE,
  maxConcurrentGenerations: HUGE,
  tokensPerDay: -1,
  tokensPerMonth: -1,
  usdPerDay: -1,
  usdPerMonth: -1,
};

/** Starts redis-server (unless REDIS_URL), the fake model and Parley; on any failure stops what it started. */
export async function startStack(options: BenchOptions, parleyOverrides: Record<string, string> = {}): Promise<Stack> {
  const stops: Array<() => Promise<void>> = [];
  const children: ChildHandle[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const redisUrl = options.redisUrl ?? (await startRedis(stops));
    const model = new ChildHandle('fake model', join(ROOT, 'src/dev/fake-openai-main.ts'), {
      ...baseEnv(),
      FAKE_OPENAI_PORT: '0',
      FAKE_OPENAI_LATENCY_MS: String(options.modelLatencyMs),
    }, ROOT);
    children.push(model);
    stops.push(() => model.stop());
    const modelUrl = (await model.waitForOutput(/listening at (\S+)/, STARTUP_TIMEOUT_MS))[1] ?? '';
    const jwtSecret = randomBytes(48).toString('hex');
    const port = await freePort();
    // BENCH_PARLEY_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node flags for Parley only.
    const nodeArgs = process.env.BENCH_PARLEY_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
    const entry = join(ROOT, options.parley === 'dist' ? 'dist/main.js' : 'src/main.ts');
    if (!existsSync(entry)) throw new Error(`BENCH_PARLEY=dist needs a build: run npm run build first (${entry} is missing)`);
    const parley = new ChildHandle('parley', entry, { ...parleyEnv(options, { redisUrl, modelUrl, jwtSecret, port }), ...extraParleyEnv(), ...parleyOverrides }, ROOT, nodeArgs);
    children.push(parley);
    stops.push(() => parley.stop());
    const parleyUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(parley, parleyUrl);
    return {
      parleyUrl, modelUrl, jwtSecret,
      modelApiKey: MODEL_API_KEY,
      store: options.mongoUri ? 'mongodb' : 'memory',
      redis: options.redisUrl ? 'REDIS_URL' : 'started',
      pids: { parley: parley.pid, model: model.pid, redis: options.redisUrl ? null : findChildRedis() },
      stop,
      kill: () => children.forEach((child) => child.kill()),
      deadChild: () => {
        const dead = children.find((child) => !child.running);
        return dead ? `${dead.name} exited unexpectedly:\n${dead.recentOutput}` : null;
      },
    };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

async function startRedis(stops: Array<() => Promise<void>>): Promise<string> {
  const redis = await startRedisServer();
  stops.push(() => redis.stop());
  return redis.url;
}

/** A clean environment, so a developer's own OPENAI_*, LLM_FALLBACKS or JWT_* never reach the bench. */
function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, LANG, TMPDIR } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, LANG, TMPDIR }).filter(([, value]) => value !== undefined));
}

interface Wiring {
  redisUrl: string;
  modelUrl: string;
  jwtSecret: string;
  port: number;
}

/**
 * Production-like settings. The memory store refuses NODE_ENV=production (which demands
 * MONGODB_URI), so without MONGODB_URI Parley runs as NODE_ENV=development with LOG_LEVEL=error.
 */
function parleyEnv(options: BenchOptions, wiring: Wiring): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    NODE_ENV: options.mongoUri ? 'production' : 'development',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: String(wiring.port),
    ...(options.mongoUri ? { MONGODB_URI: options.mongoUri } : {}),
    REDIS_URL: wiring.redisUrl,
    // Its own keys, in case REDIS_URL points at a Redis shared with something else.
    REDIS_KEY_PREFIX: `parley-bench:${randomUUID()}:`,
    OPENAI_API_KEY: MODEL_API_KEY,
    OPENAI_BASE_URL: wiring.modelUrl,
    OPENAI_MAX_RETRIES: '0',
    JWT_SECRET: wiring.jwtSecret,
    TIER_LIMITS: JSON.stringify({ free: UNLIMITED_TIER, pro: UNLIMITED_TIER }),
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(HUGE),
    RATE_LIMIT_STREAM_OPS_PER_MINUTE: String(HUGE),
    // The bench creates a conversation per sample and reads heavily: limits out of its way.
    RATE_LIMIT_WRITES_PER_MINUTE: String(HUGE),
    RATE_LIMIT_READ_COST_PER_MINUTE: String(HUGE),
    // Production's default metrics port is fixed; a free one lets benches run side by side.
    METRICS_PORT: '0',
    // Every sample opens a conversation; a generated title is one more model call per
    // conversation, off the request path, and not part of what a send costs.
    TITLES_ENABLED: 'false',
    UPSTREAM_MAX_IN_FLIGHT: '100000',
    UPSTREAM_MAX_QUEUE: '100000',
    SHUTDOWN_GRACE_MS: '2000',
  };
}

/** BENCH_PARLEY_ENV, e.g. "RESPONSE_CACHE_ENABLED=false LOG_LEVEL=warn": settings on top of the bench's own, to measure what one costs. */
function extraParleyEnv(): Record<string, string> {
  const pairs = process.env.BENCH_PARLEY_ENV?.split(/\s+/).filter(Boolean) ?? [];
  return Object.fromEntries(pairs.filter((pair) => pair.indexOf('=') > 0).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

async function waitUntilReady(parley: ChildHandle, url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!parley.running) throw new Error(`parley exited during startup:\n${parley.recentOutput}`);
    const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    if (ready) return;
    await delay(100);
  }
  throw new Error(`parley not ready at ${url}/readyz after ${STARTUP_TIMEOUT_MS} ms:\n${parley.recentOutput}`);
}
