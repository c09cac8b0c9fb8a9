import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisProcess {
  url: string;
  /** For fault tests: SIGSTOP / SIGCONT stall and resume it. */
  pid: number;
  stop(): Promise<void>;
}

/** A port the OS just handed out; free unless someone races us for it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway redis-server from PATH on a free loopback port, without persistence.
 * Rejects with a clear message when redis-server is not installed.
 */
export async function startRedisServer(timeoutMs = 10_000, extraArgs: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForReady(child, timeoutMs);
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: () => stopProcess(child) };
}

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error) =>
      fail(new Error(`cannot start redis-server (${error.message}); install it, e.g. apt-get install redis-server, or set REDIS_URL`)),
    );
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}:\n${output}`)));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve();
    };
    child.stdout?.on('data', onData);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface RedisClusterProcess {
  /** host:port of every master. */
  nodes: string[];
  stop(): Promise<void>;
}

/**
 * A throwaway Redis Cluster on loopback: `masters` redis-server processes with cluster mode on
 * (no replicas, no persistence), joined by `redis-cli --cluster create`; resolves once every
 * node reports cluster_state:ok.
 */
export async function startRedisCluster(masters = 3, timeoutMs = 15_000): Promise<RedisClusterProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-cluster-'));
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < masters; index += 1) {
      started.push(await startRedisServer(timeoutMs, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${index}.conf`), '--dir', dir]));
    }
    const nodes = started.map((node) => node.url.replace('redis://', ''));
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (const node of nodes) {
      const [host, port] = node.split(':') as [string, string];
      while (!(await run('redis-cli', ['-h', host, '-p', port, 'cluster', 'info'], timeoutMs)).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`redis cluster not ready after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return { nodes, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command} (${error.message})`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}
