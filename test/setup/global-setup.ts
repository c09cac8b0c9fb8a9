import { startEmbeddedMongo } from '../../src/dev/embedded-mongo';
import { startRedisCluster, startRedisServer } from '../../src/dev/redis-process';
import { connectMongo } from '../../src/adapters/mongo/mongo-connection';
import { MONGO_FAULTS_SKIP_ENV, MONGO_SKIP_ENV, MONGO_URI_ENV, REDIS_CLUSTER_ENV, REDIS_CLUSTER_SKIP_ENV, REDIS_URL_ENV, setTeardown } from './test-services';

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
  await setUpRedisCluster(stops);
  await setUpMongo(stops);
  setTeardown(stops);
}

async function setUpMongo(stops: Array<() => Promise<void>>): Promise<void> {
  const given = process.env.PARLEY_TEST_MONGODB_URI ?? process.env.MONGODB_URI;
  if (given) {
    process.env[MONGO_URI_ENV] = given;
    await probeFaults(given);
    return;
  }
  const mongo = await startEmbeddedMongo(120_000, true, true);
  if (mongo.kind === 'started') {
    process.env[MONGO_URI_ENV] = mongo.uri;
    stops.push(mongo.stop);
    await probeFaults(mongo.uri);
    return;
  }
  process.env[MONGO_SKIP_ENV] = mongo.reason;
  process.stdout.write(`\n[parley tests] MongoDB runs SKIPPED: ${mongo.reason}. Set MONGODB_URI to a replica set to run them.\n`);
}

/** Whether this mongod takes the failCommand fail point (started with enableTestCommands=1); says why not. */
async function probeFaults(uri: string): Promise<void> {
  let reason = '';
  try {
    const connection = await connectMongo({ uri, poolSize: 1 });
    try {
      await connection.db!.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    } finally {
      await connection.close();
    }
  } catch (error: unknown) {
    reason = `this mongod does not take the failCommand fail point (start it with --setParameter enableTestCommands=1): ${error instanceof Error ? error.message : String(error)}`;
  }
  process.env[MONGO_FAULTS_SKIP_ENV] = reason;
}

/** A 3-master Redis Cluster on loopback for the cluster runs of the Redis adapters; the reason when none starts. */
async function setUpRedisCluster(stops: Array<() => Promise<void>>): Promise<void> {
  try {
    const cluster = await startRedisCluster(3);
    process.env[REDIS_CLUSTER_ENV] = cluster.nodes.join(',');
    stops.push(cluster.stop);
  } catch (error: unknown) {
    process.env[REDIS_CLUSTER_SKIP_ENV] = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    process.stdout.write(`\n[parley tests] Redis Cluster runs SKIPPED: ${process.env[REDIS_CLUSTER_SKIP_ENV]}\n`);
  }
}
