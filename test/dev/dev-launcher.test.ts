import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

/** The error code of a TCP connect to a loopback port, or 'connected'. */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

const root = join(__dirname, '..', '..');

/** `npm run dev` in a child with `env`, its output collected; `exited` resolves with its exit code. */
function startDev(env: Record<string, string | undefined>) {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/dev/dev.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { child, output: '', exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  return run;
}

/** `npm run dev` as a user runs it: embedded services, a printed token, a working API, a clean Ctrl-C. */
describe('npm run dev', () => {
  it('starts with no configuration, serves the printed token, and stops everything on SIGINT', async () => {
    // No HOST: the dev server must then listen on loopback only (issue 10, finding 9).
    const run = startDev({});
    const { child, exited } = run;
    try {
      const deadline = Date.now() + 90_000;
      while (!/export TOKEN=\S+/.test(run.output) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const output = run.output;
      const url = /Parley is running: (\S+)\/graphql/.exec(output)?.[1];
      const token = /export TOKEN=(\S+)/.exec(output)?.[1];
      expect({ url, token, output: url && token ? 'ok' : output }).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), token: expect.any(String), output: 'ok' });
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(await response.json()).toEqual({ data: { me: { id: 'dev-user' } } });
      // Without a mongod: one clear line about the store, and no stack trace (issue 12).
      if (!/Store: MongoDB/.test(output)) expect(output.split('\n').filter((line) => /No MongoDB/.test(line))).toHaveLength(1);
      expect(output).not.toMatch(/\n\s+at \S+ \(/);
      const redisPort = /Redis: redis:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(await connectError(Number(redisPort))).toBe('ECONNREFUSED');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('skips looking for a mongod with PARLEY_STORE=memory', async () => {
    const run = startDev({ PARLEY_STORE: 'memory' });
    const { child, exited } = run;
    try {
      const deadline = Date.now() + 60_000;
      while (!/export TOKEN=\S+/.test(run.output) && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200));
      const output = run.output;
      expect(output).toMatch(/Store: in-memory \(PARLEY_STORE=memory\)/);
      expect(output).not.toMatch(/mongodb-memory-server|No MongoDB/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
