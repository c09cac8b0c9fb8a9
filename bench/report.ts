import type { TtftRow } from './ttft';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CpuShare } from './cpu-usage';
import type { LoadResult } from './load';
import type { MachineInfo } from './machine';
import type { ScenarioName } from './options';

export interface Row {
  scenario: ScenarioName;
  label: string;
  connections: number;
  requests: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  errors: { total: number; non2xx: number; graphql: number; degraded: number; timeouts: number; socket: Record<string, number> };
  /** This row's latency minus the direct-model baseline's at the same connections; sendMessage rows only. */
  addedOverModelMs: { p50: number; p99: number } | null;
  notes: string[];
  sampleError: string | null;
  /** Average cores each process used during the run; `other` is work outside the bench skewing it. */
  cpuCores: CpuShare | null;
  /**
   * Milliseconds of CPU per answered request (cores ÷ req/s × 1000): Parley's, or for the `model`
   * row the fake model's own (a bare node:http server streaming a reply: the floor to compare to).
   */
  cpuMsPerRequest: number | null;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  /** Parley's resident memory: idle after startup, and after the load scenarios (before it stops). */
  parleyRssMb: { afterStartup: number | null; afterLoad: number | null };
  interrupted: boolean;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  rows: Row[];
  /** Time to first token and plain-send latency at concurrency 1, per similar-level configuration. */
  ttft: TtftRow[];
  warnings: string[];
}

/** Work outside the bench above this many cores is called out under the table. */
const BUSY_ELSEWHERE_CORES = 0.2;

export function toRow(scenario: { name: ScenarioName; label: string }, connections: number, result: LoadResult, cpu: CpuShare | null): Row {
  const socket = Object.values(result.socketErrors).reduce((sum, count) => sum + count, 0);
  const notes = result.endedEarly ? [`ended after ${result.elapsedSeconds.toFixed(1)} s: its pool of fresh conversations was used up`] : [];
  if (cpu && cpu.other > BUSY_ELSEWHERE_CORES) notes.push(`processes outside the bench used ${cpu.other.toFixed(2)} cores during this run: figures skewed`);
  return {
    scenario: scenario.name,
    label: scenario.label,
    connections,
    requests: result.requests,
    elapsedSeconds: round(result.elapsedSeconds, 2),
    requestsPerSecond: round(result.requestsPerSecond, 1),
    latencyMs: { p50: round(result.latencyMs.p50, 2), p95: round(result.latencyMs.p95, 2), p99: round(result.latencyMs.p99, 2), max: round(result.latencyMs.max, 2) },
    errors: {
      total: result.non2xx + result.graphqlErrors + result.markedFailures + result.timeouts + socket,
      non2xx: result.non2xx,
      graphql: result.graphqlErrors,
      degraded: result.markedFailures,
      timeouts: result.timeouts,
      socket: result.socketErrors,
    },
    addedOverModelMs: null,
    notes,
    sampleError: result.sampleError,
    cpuCores: cpu && {
      parley: round(cpu.parley, 2), model: round(cpu.model, 2), redis: round(cpu.redis, 2),
      loadGenerator: round(cpu.loadGenerator, 2), other: round(cpu.other, 2),
    },
    cpuMsPerRequest: cpuPerRequest(scenario.name, result, cpu),
  };
}

function cpuPerRequest(scenario: ScenarioName, result: LoadResult, cpu: CpuShare | null): number | null {
  if (!cpu || result.requestsPerSecond <= 0) return null;
  const cores = scenario === 'model' ? cpu.model : cpu.parley;
  return round((cores / result.requestsPerSecond) * 1000, 3);
}

/** Fills addedOverModelMs for rows that compare, from the model row at the same connection count. */
export function compareToModel(rows: Row[], comparing: ReadonlySet<ScenarioName>): Row[] {
  return rows.map((row) => {
    const model = rows.find((other) => other.scenario === 'model' && other.connections === row.connections);
    if (!comparing.has(row.scenario) || !model) return row;
    const added = { p50: round(row.latencyMs.p50 - model.latencyMs.p50, 2), p99: round(row.latencyMs.p99 - model.latencyMs.p99, 2) };
    return { ...row, addedOverModelMs: added };
  });
}

const round = (value: number, digits: number) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');
const signed = (value: number) => (value >= 0 ? `+${ms(value)}` : ms(value));

const HEADER = ['scenario', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'p50 over model', 'p99 over model', 'Parley CPU', 'CPU ms/req', 'other CPU'];
const cores = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));

function cells(row: Row): string[] {
  const added = row.addedOverModelMs;
  return [
    row.scenario,
    String(row.connections),
    row.requestsPerSecond.toFixed(0),
    ms(row.latencyMs.p50),
    ms(row.latencyMs.p95),
    ms(row.latencyMs.p99),
    String(row.errors.total),
    added ? signed(added.p50) : '',
    added ? signed(added.p99) : '',
    cores(row.cpuCores?.parley),
    row.cpuMsPerRequest === null ? '-' : row.cpuMsPerRequest.toFixed(2),
    cores(row.cpuCores?.other),
  ];
}

function legend(rows: Row[]): string[] {
  const labels = new Map(rows.map((row) => [row.scenario, row.label]));
  return ['', ...[...labels].map(([name, label]) => `- ${name}: ${label}`)];
}

/** A Markdown table (readable in a terminal, pasteable into a PR), its legend, then a line per row with errors or notes. */
export function formatTable(rows: Row[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const render = (line: string[]) => `| ${line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [render(HEADER), rule, ...rows.map((row) => render(cells(row))), ...legend(rows), ...footnotes(rows)].join('\n');
}

function footnotes(rows: Row[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const where = `${row.scenario} @ ${row.connections}`;
    for (const note of row.notes) lines.push(`- ${where}: ${note}`);
    if (row.errors.total === 0) continue;
    const { non2xx, graphql, degraded, timeouts, socket } = row.errors;
    const socketText = Object.entries(socket).map(([code, count]) => `${count} ${code}`);
    const parts = [`${non2xx} non-2xx`, `${graphql} GraphQL errors`, `${degraded} DEGRADED replies`, `${timeouts} timeouts`, ...socketText];
    lines.push(`- ${where}: ${parts.join(', ')}; first: ${row.sampleError ?? 'n/a'}`);
  }
  return lines.length > 0 ? ['', ...lines] : [];
}

/** Writes bench/results/<timestamp>.json and bench/results/latest.json; returns the first path. */
export async function writeReport(report: BenchReport): Promise<string> {
  const directory = join(__dirname, 'results');
  await mkdir(directory, { recursive: true });
  const file = join(directory, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(join(directory, 'latest.json'), text);
  return file;
}
