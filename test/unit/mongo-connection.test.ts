import mongoose, { type Connection } from 'mongoose';
import { BUFFER_TIMEOUT_MS, assertTransactional, mongoConnectOptions, transactionSupportProblem } from '../../src/adapters/mongo/mongo-connection';
import { isNoTransactions } from '../../src/adapters/mongo/unavailable-guard';

/** A connection whose server answers `hello` with `answer` (no mongod needed). */
const answering = (answer: Record<string, unknown>) => ({ db: { admin: () => ({ command: async () => answer }) } }) as unknown as Connection;

describe('MongoDB connection (issue 12)', () => {
  it('refuses a standalone mongod at boot with the replica-set message; accepts a replica set member and mongos', async () => {
    await expect(assertTransactional(answering({ isWritablePrimary: true, maxWireVersion: 25 }))).rejects.toThrow(/^MONGODB_URI: the server is a standalone mongod.*replica set.*--replSet rs0/);
    await expect(assertTransactional(answering({ isWritablePrimary: true, setName: 'rs0' }))).resolves.toBeUndefined();
    await expect(assertTransactional(answering({ isWritablePrimary: true, msg: 'isdbgrid' }))).resolves.toBeUndefined();
    expect(transactionSupportProblem({ setName: '' })).toMatch(/standalone/);
  });

  it('gives sessions the same 5 s buffer timeout as queries (set on the connection, not only the schemas)', async () => {
    const options = mongoConnectOptions({ poolSize: 3, serverSelectionTimeoutMs: 100 });
    expect(options.bufferTimeoutMS).toBe(BUFFER_TIMEOUT_MS);
    // mongoose takes it from the connect options into the connection's config, which startSession reads.
    const connection = mongoose.createConnection('mongodb://127.0.0.1:9/parley-unused', options);
    connection.on('error', () => undefined);
    try {
      expect((connection as unknown as { config: { bufferTimeoutMS?: number } }).config.bufferTimeoutMS).toBe(5_000);
    } finally {
      await connection.close().catch(() => undefined);
    }
  });

  it('recognises the no-transactions error (code 20) so it is answered SERVICE_UNAVAILABLE', () => {
    const error = Object.assign(new Error('Transaction numbers are only allowed on a replica set member or mongos'), { code: 20 });
    expect(isNoTransactions(error)).toBe(true);
    expect(isNoTransactions(Object.assign(new Error('other'), { code: 20 }))).toBe(false);
  });
});
