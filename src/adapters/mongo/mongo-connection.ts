import mongoose, { type Connection } from 'mongoose';

export interface MongoOptions {
  uri: string;
  poolSize: number;
  /** How long a query waits for a usable server before failing. */
  serverSelectionTimeoutMs?: number;
}

/** A dedicated connection (not mongoose's global one), so tests and apps can run side by side. */
export async function connectMongo(options: MongoOptions): Promise<Connection> {
  const connection = mongoose.createConnection(options.uri, {
    maxPoolSize: options.poolSize,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5_000,
    autoIndex: false,
  });
  return connection.asPromise();
}
