import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** `npm start` as an operator meets it when something is missing (issue 10, finding 10). */
function boot(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a failed start', () => {
  it('in production: one JSON line naming every problem, no stack, exit code 1', async () => {
    const { code, stderr } = await boot({ NODE_ENV: 'production', JWT_SECRET: 'compose-local-only-jwt-secret-CHANGE-ME-7f3a9c1e5b' });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { level: string; message: string; reason: string };
    expect(line).toMatchObject({ level: 'error', message: 'parley could not start' });
    expect(line.reason).toMatch(/^Invalid configuration:/);
    for (const variable of ['JWT_SECRET', 'MONGODB_URI', 'REDIS_URL', 'OPENAI_API_KEY']) expect(line.reason).toContain(variable);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a dependency it cannot reach is one plain line naming it, without its password or a stack', async () => {
    const { code, stderr } = await boot({ NODE_ENV: 'development', REDIS_URL: 'redis://parley:s3cret-pass@127.0.0.1:9', LOG_LEVEL: 'error' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Parley could not start: cannot reach Redis at redis:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/)]);
    expect(stderr).not.toContain('s3cret-pass');
  }, 30_000);
});
