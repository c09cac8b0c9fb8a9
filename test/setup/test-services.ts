/** Environment variables through which global setup hands services to test workers. */
export const REDIS_URL_ENV = 'PARLEY_TEST_REDIS_URL';
/** host:port,… of the Redis Cluster global setup started; unset with the reason in REDIS_CLUSTER_SKIP_ENV. */
export const REDIS_CLUSTER_ENV = 'PARLEY_TEST_REDIS_CLUSTER_NODES';
export const REDIS_CLUSTER_SKIP_ENV = 'PARLEY_TEST_REDIS_CLUSTER_SKIP_REASON';
export const MONGO_URI_ENV = 'PARLEY_TEST_MONGODB_URI';
export const MONGO_SKIP_ENV = 'PARLEY_TEST_MONGO_SKIP_REASON';
/** Set by global setup to why the MongoDB fault tests cannot run ('' when they can). */
export const MONGO_FAULTS_SKIP_ENV = 'PARLEY_TEST_MONGO_FAULTS_SKIP_REASON';

type Stop = () => Promise<void>;
const holder = globalThis as typeof globalThis & { parleyTestStops?: Stop[] };

export function setTeardown(stops: Stop[]): void {
  holder.parleyTestStops = stops;
}

export async function runTeardown(): Promise<void> {
  for (const stop of (holder.parleyTestStops ?? []).reverse()) await stop();
}

export function testRedisUrl(): string {
  const url = process.env[REDIS_URL_ENV];
  if (!url) throw new Error(`${REDIS_URL_ENV} is not set: run tests through jest's global setup`);
  return url;
}

export type TestMongo = { kind: 'available'; uri: string } | { kind: 'skipped'; reason: string };

/** A MongoDB the fault tests can use: one whose failCommand fail point is enabled. */
export function testMongoFaults(): TestMongo {
  const mongo = testMongo();
  if (mongo.kind === 'skipped') return mongo;
  const reason = process.env[MONGO_FAULTS_SKIP_ENV];
  return reason ? { kind: 'skipped', reason } : mongo;
}

export function testMongo(): TestMongo {
  const uri = process.env[MONGO_URI_ENV];
  if (uri) return { kind: 'available', uri };
  return { kind: 'skipped', reason: process.env[MONGO_SKIP_ENV] ?? 'no MongoDB was set up' };
}

export type TestRedisCluster = { kind: 'available'; nodes: string[] } | { kind: 'skipped'; reason: string };

export function testRedisCluster(): TestRedisCluster {
  const nodes = process.env[REDIS_CLUSTER_ENV];
  if (nodes) return { kind: 'available', nodes: nodes.split(',') };
  return { kind: 'skipped', reason: process.env[REDIS_CLUSTER_SKIP_ENV] ?? 'no Redis Cluster was set up' };
}
