import type * as MemoryServer from 'mongodb-memory-server-core';

export type EmbeddedMongo =
  | { kind: 'started'; uri: string; stop(): Promise<void> }
  | { kind: 'unavailable'; reason: string };

/**
 * A single-node replica set (transactions need one) from mongodb-memory-server, which finds a
 * mongod binary or downloads one. Where neither works, says why instead of throwing.
 */
export async function startEmbeddedMongo(timeoutMs = 120_000, quiet = false, testCommands = false): Promise<EmbeddedMongo> {
  if (!quiet) return start(timeoutMs, testCommands);
  // The library prints its own stack traces on a failed download; the returned reason says it once.
  const { warn, error } = console;
  console.warn = console.error = () => undefined;
  try {
    return await start(timeoutMs, testCommands);
  } finally {
    Object.assign(console, { warn, error });
  }
}

/** `testCommands`: mongod with enableTestCommands=1, for fault tests (the failCommand fail point). */
async function start(timeoutMs: number, testCommands: boolean): Promise<EmbeddedMongo> {
  let module: typeof MemoryServer;
  try {
    module = await import('mongodb-memory-server-core');
  } catch (error: unknown) {
    return { kind: 'unavailable', reason: `mongodb-memory-server-core is not installed (${describe(error)})` };
  }
  const args = testCommands ? ['--setParameter', 'enableTestCommands=1'] : [];
  const starting = module.MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger', args } });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no mongod started within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const replSet = await Promise.race([starting, timeout]);
    return { kind: 'started', uri: replSet.getUri(), stop: async () => void (await replSet.stop()) };
  } catch (error: unknown) {
    void starting.then((late) => late.stop(), () => undefined);
    return { kind: 'unavailable', reason: `no mongod binary could be found or downloaded: ${describe(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'unknown error';
}
