import { startEmbeddedMongo } from '../../src/dev/embedded-mongo';
import { startRedisServer } from '../../src/dev/redis-process';
import { MONGO_SKIP_ENV, MONGO_URI_ENV, REDIS_URL_ENV, setTeardown } from './test-services';

/**
 * Starts the services tests share and hands them to workers through the environment:
 * a redis-server of our own (or REDIS_URL), and a MongoDB replica set when one can be had.
 */
export default async function globalSetup(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  if (process.env.REDIS_URL) {
    process.env[REDIS_URL_ENV] = process.env.REDIS_URL;
  } else {
    const redis = await startRedisServer();
    process.env[REDIS_URL_ENV] = redis.url;
    stops.push(redis.stop);
  }
  await setUpMongo(stops);
  setTeardown(stops);
}

async function setUpMongo(stops: Array<() => Promise<void>>): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env[MONGO_URI_ENV] = process.env.MONGODB_URI;
    return;
  }
  const mongo = await startEmbeddedMongo(120_000, true);
  if (mongo.kind === 'started') {
    process.env[MONGO_URI_ENV] = mongo.uri;
    stops.push(mongo.stop);
    return;
  }
  process.env[MONGO_SKIP_ENV] = mongo.reason;
  process.stdout.write(`\n[parley tests] MongoDB runs SKIPPED: ${mongo.reason}. Set MONGODB_URI to a replica set to run them.\n`);
}
