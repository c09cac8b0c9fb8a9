import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** The soft open-files limit every bench process inherits; null where /proc is not available. */
  openFilesLimit: number | null;
}

/** Linux reports it in /proc; node has no API for `ulimit -n` and cannot raise it. */
function openFilesLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((text) => text.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? null : Number(soft);
  } catch {
    return null;
  }
}

export function describeMachine(): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    openFilesLimit: openFilesLimit(),
  };
}

/**
 * Each process (autocannon here, Parley, the fake model) needs about one descriptor per
 * connection, Parley twice that (clients plus its upstream pool), plus a few hundred of its own.
 */
export function descriptorWarning(machine: MachineInfo, maxConnections: number): string | null {
  const needed = maxConnections * 2 + 500;
  if (machine.openFilesLimit === null || machine.openFilesLimit >= needed) return null;
  return `open-files limit is ${machine.openFilesLimit}, below ~${needed} for ${maxConnections} connections: expect EMFILE errors (raise it with \`ulimit -n\` before npm run bench)`;
}
