import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import config from '../../codegen';

const root = join(__dirname, '..', '..');
const TARGET = 'src/graphql/generated/resolvers-types.ts';

describe('generated resolver types', () => {
  it('match schema/ (run `npm run codegen` after changing the schema)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-codegen-'));
    try {
      const generates = config.generates as Record<string, unknown>;
      const output = join(dir, 'resolvers-types.ts');
      const configFile = join(dir, 'codegen.json');
      writeFileSync(configFile, JSON.stringify({ ...config, generates: { [output]: generates[TARGET] } }));
      const run = spawnSync(join(root, 'node_modules', '.bin', 'graphql-codegen'), ['--config', configFile, '--silent'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(readFileSync(join(root, TARGET), 'utf8')).toBe(readFileSync(output, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
