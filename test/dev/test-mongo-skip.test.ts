import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/dev/redis-process';
import { FakeOpenAiServer } from '../../src/dev/fake-openai-server';
import { startTestApp } from '../helpers/test-app';
import { MONGO_URI_ENV, testMongo } from '../setup/test-services';

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

describe('the MongoDB switch of the test apps (issue 12)', () => {
  it('connects each test app to the given MongoDB (here: refused, as none listens there)', async () => {
    const saved = { store: process.env.PARLEY_TEST_STORE, uri: process.env[MONGO_URI_ENV] };
    process.env.PARLEY_TEST_STORE = 'mongo';
    process.env[MONGO_URI_ENV] = `mongodb://127.0.0.1:${await freePort()}/?replicaSet=rs0`;
    const fake = new FakeOpenAiServer();
    await fake.start(0);
    try {
      await expect(startTestApp({ fake })).rejects.toThrow(/Server selection timed out|ECONNREFUSED/);
    } finally {
      await fake.stop();
      for (const [key, value] of [['PARLEY_TEST_STORE', saved.store], [MONGO_URI_ENV, saved.uri]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }, 30_000);
});
