import mongoose, { type ConnectOptions, type Connection } from 'mongoose';

export interface MongoOptions {
  uri: string;
  poolSize: number;
  /** How long a query waits for a usable server before failing. */
  serverSelectionTimeoutMs?: number;
}

/** How long an operation waits for the connection while it is down, then fails. */
export const BUFFER_TIMEOUT_MS = 5_000;

/**
 * A dedicated connection (not mongoose's global one), so tests and apps can run side by side.
 * bufferTimeoutMS is set on the connection too: sessions (startSession, used by every
 * transaction) take the connection's value, not the schemas' (mongoose's default is 10 s).
 */
export async function connectMongo(options: MongoOptions): Promise<Connection> {
  return mongoose.createConnection(options.uri, mongoConnectOptions(options)).asPromise();
}

/** The options connectMongo connects with. */
export function mongoConnectOptions(options: Omit<MongoOptions, 'uri'>): ConnectOptions & { bufferTimeoutMS: number } {
  // mongoose reads bufferTimeoutMS from the connect options (its ConnectOptions type omits it).
  return {
    maxPoolSize: options.poolSize,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5_000,
    bufferTimeoutMS: BUFFER_TIMEOUT_MS,
    autoIndex: false,
  };
}

/** What `hello` says about the server: the fields that tell whether it can run transactions. */
export interface HelloAnswer {
  setName?: string;
  msg?: string;
}

/**
 * Transactions need a replica set member or mongos; against a standalone mongod every
 * multi-document write would fail with code 20. Null when fine, else the one message to refuse with.
 */
export function transactionSupportProblem(hello: HelloAnswer): string | null {
  if (typeof hello.setName === 'string' && hello.setName !== '') return null;
  if (hello.msg === 'isdbgrid') return null;
  return 'MONGODB_URI: the server is a standalone mongod, and Parley writes in transactions, which need a replica set. Start mongod with --replSet rs0, run rs.initiate() once, and add ?replicaSet=rs0 to the URI (docker-compose.yml does this).';
}

/** Refuses, with transactionSupportProblem's message, a server that cannot run transactions. */
export async function assertTransactional(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('MongoDB is not connected');
  const problem = transactionSupportProblem((await db.admin().command({ hello: 1 })) as HelloAnswer);
  if (problem) throw new Error(problem);
}
