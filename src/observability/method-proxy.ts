/**
 * Handles the promise of one async method call. `startedAt` (process.hrtime.bigint()) was
 * taken just before the call. Must settle as the original does, apart from what it maps.
 */
export type AsyncCallWrapper = (method: string, pending: Promise<unknown>, startedAt: bigint) => Promise<unknown>;

/** Passes every promise a method returns through `wrap`; sync results and properties pass as they are. */
export function wrapAsyncMethods<T extends object>(target: T, wrap: AsyncCallWrapper): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const startedAt = process.hrtime.bigint();
        const result: unknown = value.apply(object, args);
        return result instanceof Promise ? wrap(String(property), result, startedAt) : result;
      };
    },
  });
}

/** Times each async method into `observe` (seconds, 'ok' or 'error'); results pass unchanged. */
export function timeAsyncMethods<T extends object>(
  target: T,
  observe: (method: string, seconds: number, outcome: 'ok' | 'error') => void,
): T {
  return wrapAsyncMethods(target, (method, pending, startedAt) => {
    const elapsed = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
    return pending.then(
      (value) => {
        observe(method, elapsed(), 'ok');
        return value;
      },
      (error: unknown) => {
        observe(method, elapsed(), 'error');
        throw error;
      },
    );
  });
}
