import { ServiceUnavailableError } from '../../errors';
import { wrapAsyncMethods } from '../../observability/method-proxy';

const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/** Errors that mean "the database cannot be reached", as opposed to a bad query. */
export function isMongoUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  return error.name === 'MongooseError' && /buffering timed out|before initial connection/.test(error.message);
}

/**
 * Code 20 (IllegalOperation) on a transaction: the server is not a replica set member or mongos.
 * init() refuses such a server at boot; this catches one that changed under a running instance.
 */
export function isNoTransactions(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 20 && /Transaction numbers/i.test(error.message);
}

/**
 * Wraps every async method so an unreachable database (or one that lost transaction support)
 * surfaces as SERVICE_UNAVAILABLE rather than a masked internal error. Other failures pass
 * through untouched.
 */
export function guardUnavailable<T extends object>(target: T): T {
  return wrapAsyncMethods(target, (_method, pending) =>
    pending.catch((error: unknown) => {
      if (isMongoUnavailable(error)) throw new ServiceUnavailableError('The database is unavailable; please retry shortly');
      if (isNoTransactions(error)) throw new ServiceUnavailableError('The database cannot run transactions (not a replica set); please retry later');
      throw error;
    }),
  );
}
