/** Every BENCH_* setting, read once; `npm run bench` with none set runs the full default bench. */
export const SCENARIO_NAMES = [
  'model',
  'typename-anon',
  'typename',
  'conversations',
  'messages',
  'send-uncached',
  'send-cached',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchOptions {
  /** Measured seconds per scenario and connection count. @defaultValue 8 */
  durationSeconds: number;
  /** Unmeasured seconds before each scenario's first run. @defaultValue 1 */
  warmupSeconds: number;
  /** @defaultValue [100, 1000] */
  connections: number[];
  /** The fake model's delay before it answers. @defaultValue 50 */
  modelLatencyMs: number;
  /** Concurrency-1 samples per configuration for the time-to-first-token table; 0 skips it. @defaultValue 100 */
  ttftSamples: number;
  /** Which time-to-first-token configurations to run (off, parallel, wait). @defaultValue all three */
  ttftConfigs: TtftConfigName[];
  /** How Parley runs: `src` through tsx (no build step), or `dist`: `node dist/main.js` as in production (needs `npm run build`). @defaultValue 'src' */
  parley: 'src' | 'dist';
  /** Always run in SCENARIO_NAMES order, whatever order BENCH_SCENARIOS lists them in. */
  scenarios: ScenarioName[];
  /** An existing Redis to use instead of starting redis-server. */
  redisUrl?: string;
  /** A MongoDB to use instead of the memory store (Parley then runs with NODE_ENV=production). */
  mongoUri?: string;
}

type Env = Record<string, string | undefined>;

const isScenario = (name: string): name is ScenarioName => (SCENARIO_NAMES as readonly string[]).includes(name);
const blank = (value: string | undefined) => value === undefined || value.trim() === '';

function number(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (blank(raw)) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    problems.push(`${name}: must be a number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

function connectionList(env: Env, problems: string[]): number[] {
  const raw = env.BENCH_CONNECTIONS;
  if (blank(raw)) return [100, 1000];
  const values = (raw ?? '').split(',').map((item) => Number(item.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 10_000)) {
    problems.push(`BENCH_CONNECTIONS: must be a comma list of integers from 1 to 10000, got "${raw}"`);
    return [100, 1000];
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

export const TTFT_CONFIG_NAMES = ['off', 'parallel', 'wait'] as const;
export type TtftConfigName = (typeof TTFT_CONFIG_NAMES)[number];

function ttftConfigList(env: Env, problems: string[]): TtftConfigName[] {
  const raw = env.BENCH_TTFT_CONFIGS;
  if (blank(raw)) return [...TTFT_CONFIG_NAMES];
  const names = (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = names.filter((name) => !TTFT_CONFIG_NAMES.includes(name as TtftConfigName));
  if (unknown.length > 0) problems.push(`BENCH_TTFT_CONFIGS: unknown ${unknown.join(', ')} (known: ${TTFT_CONFIG_NAMES.join(', ')})`);
  return TTFT_CONFIG_NAMES.filter((name) => names.includes(name));
}

function scenarioList(env: Env, problems: string[]): ScenarioName[] {
  const raw = env.BENCH_SCENARIOS;
  if (blank(raw)) return [...SCENARIO_NAMES];
  const names = (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = names.filter((name) => !isScenario(name));
  if (unknown.length > 0) problems.push(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${SCENARIO_NAMES.join(', ')})`);
  return SCENARIO_NAMES.filter((name) => names.includes(name));
}

function parleyEntry(env: Env, problems: string[]): 'src' | 'dist' {
  const raw = env.BENCH_PARLEY?.trim() ?? '';
  if (raw === '' || raw === 'src') return 'src';
  if (raw === 'dist') return 'dist';
  problems.push(`BENCH_PARLEY: must be src or dist, got "${raw}"`);
  return 'src';
}

/** Throws one Error listing every bad variable. */
export function readOptions(env: Env): BenchOptions {
  const problems: string[] = [];
  const options: BenchOptions = {
    durationSeconds: number(env, 'BENCH_DURATION_SECONDS', 8, 1, 600, problems),
    warmupSeconds: number(env, 'BENCH_WARMUP_SECONDS', 1, 0, 60, problems),
    connections: connectionList(env, problems),
    modelLatencyMs: number(env, 'BENCH_MODEL_LATENCY_MS', 50, 0, 60_000, problems),
    ttftSamples: number(env, 'BENCH_TTFT_SAMPLES', 100, 0, 10_000, problems),
    ttftConfigs: ttftConfigList(env, problems),
    scenarios: scenarioList(env, problems),
    parley: parleyEntry(env, problems),
    redisUrl: blank(env.REDIS_URL) ? undefined : env.REDIS_URL,
    mongoUri: blank(env.MONGODB_URI) ? undefined : env.MONGODB_URI,
  };
  if (options.scenarios.length === 0 && problems.length === 0) problems.push('BENCH_SCENARIOS: names no scenario');
  if (problems.length > 0) throw new Error(`Invalid bench settings:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  return options;
}
