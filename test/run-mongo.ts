/**
 * npm run test:mongo: the contract and end-to-end suites with every test app on MongoDB.
 * Uses PARLEY_TEST_MONGODB_URI (or MONGODB_URI) when set, else a replica set that
 * mongodb-memory-server can start; where there is no mongod it says SKIPPED, why, and exits 0.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startEmbeddedMongo } from '../src/dev/embedded-mongo';

async function main(): Promise<number> {
  const given = process.env.PARLEY_TEST_MONGODB_URI ?? process.env.MONGODB_URI;
  let uri = given;
  let stop: (() => Promise<void>) | undefined;
  if (!uri) {
    process.stdout.write('[parley test:mongo] no PARLEY_TEST_MONGODB_URI: trying to start a replica set with mongodb-memory-server\n');
    const started = await startEmbeddedMongo(120_000, true);
    if (started.kind !== 'started') {
      process.stdout.write(`[parley test:mongo] SKIPPED: ${started.reason}. Set PARLEY_TEST_MONGODB_URI to a replica set (e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0) to run it.\n`);
      return 0;
    }
    uri = started.uri;
    stop = started.stop;
  }
  process.stdout.write(`[parley test:mongo] running the contract and end-to-end suites on MongoDB\n`);
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(join(__dirname, '..', 'node_modules', '.bin', 'jest'), ['test/contract', 'test/e2e', ...process.argv.slice(2)], {
        cwd: join(__dirname, '..'),
        stdio: 'inherit',
        env: { ...process.env, MONGODB_URI: uri, PARLEY_TEST_STORE: 'mongo' },
      });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    await stop?.();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`[parley test:mongo] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
