import { ServiceUnavailableError } from '../../errors';

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
 * Wraps every async method so an unreachable database surfaces as SERVICE_UNAVAILABLE
 * rather than a masked internal error. Other failures pass through untouched.
 */
export function guardUnavailable<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(object, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (isMongoUnavailable(error)) throw new ServiceUnavailableError('The database is unavailable; please retry shortly');
          throw error;
        });
      };
    },
  });
}
