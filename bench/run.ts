/**
 * `npm run bench`: Parley under load on loopback, next to the model it wraps.
 *
 * Starts redis-server (or uses REDIS_URL), the fake model (its own process) and Parley (its
 * own process, `src/main.ts`: the memory store, or MONGODB_URI — a throwaway database, the
 * bench writes tens of thousands of conversations), drives each scenario with autocannon at
 * each connection count, prints a table and writes bench/results/<time>.json + latest.json.
 *
 * BENCH_DURATION_SECONDS (8)  BENCH_WARMUP_SECONDS (1)  BENCH_CONNECTIONS ("100,1000")
 * BENCH_MODEL_LATENCY_MS (50)  BENCH_SCENARIOS (all: see SCENARIO_NAMES in options.ts)
 * BENCH_TTFT_SAMPLES (100; 0 skips the concurrency-1 time-to-first-token table)
 * BENCH_PARLEY (src: tsx; dist: node dist/main.js, as in production, after npm run build)
 */
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { CpuMeter, residentMb } from './cpu-usage';
import { BenchClient } from './graphql-client';
import { runLoad, stopActiveLoad } from './load';
import { describeMachine, descriptorWarning, type MachineInfo } from './machine';
import { readOptions, type BenchOptions, type ScenarioName } from './options';
import { compareToModel, formatTable, toRow, writeReport, type Row } from './report';
import { createScenarios, type Scenario } from './scenarios';
import { startStack, type Stack } from './stack';
import { formatTtft, runTtft, type TtftRow } from './ttft';

/** Lets loopback connections from one run close before the next run opens its own. */
const PAUSE_BETWEEN_RUNS_MS = 500;
/** Startup's last timers and lazy loads settle before the idle memory is read. */
const IDLE_SETTLE_MS = 2_000;
const startedAt = Date.now();

const log = (line: string) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

/** The first Ctrl-C (or SIGTERM) ends the current run and tears down; a second kills at once. */
class Interruption {
  interrupted = false;

  constructor(private readonly kill: () => void) {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.onSignal(signal));
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.interrupted) {
      log(`${signal} again: killing everything now`);
      this.kill();
      process.exit(130);
    }
    this.interrupted = true;
    log(`${signal}: stopping the current run, then everything the bench started (again to force)`);
    stopActiveLoad();
  }
}

async function runScenario(scenario: Scenario, options: BenchOptions, rows: Row[], stop: Interruption, cpu: CpuMeter): Promise<void> {
  const setupStarted = Date.now();
  await scenario.setup();
  log(`${scenario.name}: ready (setup ${Date.now() - setupStarted} ms)`);
  const first = options.connections[0] ?? 100;
  if (options.warmupSeconds > 0) {
    const warmup = await scenario.load(first, options.warmupSeconds);
    if (!stop.interrupted) await runLoad(warmup);
  }
  for (const connections of options.connections) {
    await delay(PAUSE_BETWEEN_RUNS_MS);
    const spec = await scenario.load(connections, options.durationSeconds);
    if (stop.interrupted) return;
    cpu.begin();
    const result = await runLoad(spec);
    const row = toRow(scenario, connections, result, cpu.end());
    if (stop.interrupted) row.notes.push('interrupted: a partial run');
    rows.push(row);
    log(`${scenario.name} @ ${connections}: ${row.requestsPerSecond.toFixed(0)} req/s, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms, ${row.errors.total} errors`);
  }
}

async function runAll(stack: Stack, options: BenchOptions, stop: Interruption, warnings: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const observedSendRate = (connections: number) => {
    const rates = rows.filter((row) => row.scenario.startsWith('send-') && row.connections === connections).map((row) => row.requestsPerSecond);
    return rates.length > 0 ? Math.max(...rates) : null;
  };
  const scenarios = createScenarios({ stack, client: new BenchClient(stack), observedSendRate });
  const cpu = new CpuMeter(stack.pids);
  for (const scenario of scenarios.filter((candidate) => options.scenarios.includes(candidate.name))) {
    const dead = stack.deadChild();
    if (dead) warnings.push(dead);
    if (stop.interrupted || dead) break;
    try {
      await runScenario(scenario, options, rows, stop, cpu);
    } catch (error: unknown) {
      const message = `${scenario.name} failed: ${error instanceof Error ? error.message : String(error)}`;
      warnings.push(message);
      log(message);
    }
  }
  const comparing = new Set<ScenarioName>(scenarios.filter((scenario) => scenario.comparesToModel).map((scenario) => scenario.name));
  return compareToModel(rows, comparing);
}

/** The bench itself keeps every core busy; a loaded machine before it starts means noisy figures. */
function busyWarning(machine: MachineInfo): string | null {
  const load = loadavg()[0] ?? 0;
  return load > machine.cpus / 2
    ? `the 1-minute load average is ${load.toFixed(2)} on ${machine.cpus} cores before the bench starts: other work is running and will skew the figures`
    : null;
}

/** What the figures depend on; connection strings are left out, they may hold credentials. */
function settingsFor(options: BenchOptions, stack: Stack | null): Record<string, unknown> {
  const { redisUrl: _redisUrl, mongoUri: _mongoUri, ...settings } = options;
  return { ...settings, store: stack?.store, redis: stack?.redis, parley: options.parley === 'dist' ? 'child process: node dist/main.js' : 'child process: node --import tsx src/main.ts' };
}

function describeRun(machine: MachineInfo, options: BenchOptions, stack: Stack | null): string {
  return [
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, node ${machine.node}, open files ${machine.openFilesLimit ?? 'unlimited'}`,
    `${options.durationSeconds} s per run (+${options.warmupSeconds} s warm-up per scenario), model latency ${options.modelLatencyMs} ms,`,
    `store ${stack?.store ?? '?'}, redis ${stack?.redis ?? '?'}; latencies in ms over every response; errors = non-2xx + GraphQL errors + DEGRADED replies + timeouts + socket errors;`,
    'CPU = average cores used during the run by Parley, and by processes outside the bench (other load on the machine);',
    'CPU ms/req = Parley\'s CPU per answered request (cores ÷ req/s); on the model row, the fake model\'s own: the floor a plain node:http server sets here.',
  ].join('\n');
}

async function main(): Promise<number> {
  const options = readOptions(process.env);
  const machine = describeMachine();
  const warnings: string[] = [];
  const descriptors = descriptorWarning(machine, Math.max(...options.connections));
  if (descriptors) warnings.push(descriptors);
  const busy = busyWarning(machine);
  if (busy) warnings.push(busy);
  warnings.forEach((warning) => log(`warning: ${warning}`));
  let stack: Stack | null = null;
  const stop = new Interruption(() => stack?.kill());
  process.on('exit', () => stack?.kill());
  process.on('uncaughtException', (error) => {
    log(`uncaught: ${error.stack ?? error.message}`);
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
  });
  let rows: Row[];
  const rss = { afterStartup: null as number | null, afterLoad: null as number | null };
  log(`starting redis-server, the fake model (${options.modelLatencyMs} ms) and Parley`);
  try {
    stack = await startStack(options);
    await delay(IDLE_SETTLE_MS);
    rss.afterStartup = residentMb(stack.pids.parley);
    log(`Parley at ${stack.parleyUrl} (store: ${stack.store}, ${rss.afterStartup ?? '?'} MB resident), model at ${stack.modelUrl}`);
    rows = await runAll(stack, options, stop, warnings);
    rss.afterLoad = residentMb(stack.pids.parley);
  } finally {
    log('stopping everything the bench started');
    await stack?.stop();
  }
  let ttft: TtftRow[] = [];
  if (options.ttftSamples > 0 && !stop.interrupted) {
    try {
      ttft = await runTtft(options, options.ttftSamples, log);
    } catch (error: unknown) {
      warnings.push(`ttft failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const finishedAt = Date.now();
  const file = await writeReport({
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    wallSeconds: Math.round((finishedAt - startedAt) / 100) / 10,
    interrupted: stop.interrupted,
    parleyRssMb: rss,
    machine,
    settings: settingsFor(options, stack),
    rows,
    ttft,
    warnings,
  });
  process.stdout.write(`\n${describeRun(machine, options, stack)}\n\n${formatTable(rows)}\n\n`);
  process.stdout.write(`Parley resident memory: ${rss.afterStartup ?? '?'} MB idle after startup, ${rss.afterLoad ?? '?'} MB after the load scenarios\n\n`);
  if (ttft.length > 0) process.stdout.write(`Time to first token (streamed) and plain sendMessage at concurrency 1, model and embeddings ${options.modelLatencyMs} ms:\n\n${formatTtft(ttft)}\n\n`);
  warnings.forEach((warning) => process.stdout.write(`warning: ${warning}\n`));
  process.stdout.write(`wall time ${((finishedAt - startedAt) / 1000).toFixed(1)} s; results in ${file} and bench/results/latest.json\n`);
  return stop.interrupted ? 130 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
