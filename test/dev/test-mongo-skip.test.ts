import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testMongo } from '../setup/test-services';

const ROOT = join(__dirname, '..', '..');

describe('npm run test:mongo (issue 12)', () => {
  const mongo = testMongo();
  // Where a mongod exists the run is the real thing (minutes), not a check on its skip message.
  (mongo.kind === 'skipped' ? it : it.skip)('says SKIPPED and why, and exits 0, where no mongod can be had', () => {
    const env = { ...process.env };
    delete env.PARLEY_TEST_MONGODB_URI;
    delete env.MONGODB_URI;
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['test/run-mongo.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 150_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\[parley test:mongo\] SKIPPED: \S.*Set PARLEY_TEST_MONGODB_URI/);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  }, 160_000);
});
