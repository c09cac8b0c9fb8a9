import { readFileSync, readdirSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** Cores used on average during a run, per process; `other` is everything outside the bench. */
export interface CpuShare {
  parley: number;
  model: number;
  redis: number;
  /** This process: autocannon, plus the bookkeeping around it. */
  loadGenerator: number;
  other: number;
}

interface Snapshot {
  at: number;
  machineBusy: number;
  /** null once the process has gone. */
  byPid: Map<number, number | null>;
}

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** user + nice + system + irq + softirq ticks over all cores (idle, iowait and steal left out). */
function machineBusyTicks(): number {
  const fields = (readText('/proc/stat') ?? '').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
  return user + nice + system + irq + softirq;
}

/** Fields after the command name, which may itself contain spaces and parentheses. */
function statFields(pid: number): string[] | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of one process, in ticks; null once it has gone. */
function processTicks(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

/** A process's resident set size in MB (VmRSS), or null where /proc cannot tell. */
export function residentMb(pid: number | null): number | null {
  if (pid === null) return null;
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readText(`/proc/${pid}/status`) ?? '');
  return match ? Math.round(Number(match[1]) / 1024) : null;
}

/** redis-server as started by startRedisServer: a direct child of this process. */
export function findChildRedis(): number | null {
  if (readText('/proc/stat') === null) return null;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const comm = readText(`/proc/${pid}/comm`)?.trim();
    if (comm === 'redis-server' && statFields(pid)?.[1] === String(process.pid)) return pid;
  }
  return null;
}

export interface WatchedPids {
  parley: number | null;
  model: number | null;
  redis: number | null;
}

/** Samples /proc around a run; null where /proc is unavailable (not Linux). */
export class CpuMeter {
  private start: Snapshot | null = null;

  constructor(private readonly pids: WatchedPids) {}

  begin(): void {
    this.start = this.snapshot();
  }

  /** null when it cannot tell: no /proc, or a watched process exited mid-run. */
  end(): CpuShare | null {
    const start = this.start;
    if (start === null || start.machineBusy === 0) return null;
    const end = this.snapshot();
    if ([...end.byPid.values()].some((ticks) => ticks === null)) return null;
    const seconds = (end.at - start.at) / 1000;
    const ticks = (snapshot: Snapshot, pid: number) => snapshot.byPid.get(pid) ?? 0;
    const cores = (pid: number | null) => (pid === null ? 0 : (ticks(end, pid) - ticks(start, pid)) / TICKS_PER_SECOND / seconds);
    const share = { parley: cores(this.pids.parley), model: cores(this.pids.model), redis: cores(this.pids.redis), loadGenerator: cores(process.pid) };
    const machine = (end.machineBusy - start.machineBusy) / TICKS_PER_SECOND / seconds;
    const ours = share.parley + share.model + share.redis + share.loadGenerator;
    return { ...share, other: Math.max(0, machine - ours) };
  }

  private snapshot(): Snapshot {
    const pids = [this.pids.parley, this.pids.model, this.pids.redis, process.pid].filter((pid): pid is number => pid !== null);
    return { at: Date.now(), machineBusy: machineBusyTicks(), byPid: new Map(pids.map((pid) => [pid, processTicks(pid)])) };
  }
}
