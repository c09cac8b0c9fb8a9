import { GraphQLError } from 'graphql';
import { AppError } from '../errors';

/**
 * A subscription's event stream with its errors made client-visible: graphql-js passes an error
 * thrown mid-stream to the transport as it is, where an AppError would be masked; as a GraphQLError
 * it keeps its message and code (e.g. NOT_FOUND when the reply's conversation was deleted).
 */
export function clientErrors<T>(events: Promise<AsyncIterable<T>>): Promise<AsyncIterableIterator<T>> {
  return events.then((iterable) => {
    const iterator = iterable[Symbol.asyncIterator]();
    const wrapped: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => wrapped,
      next: async () => {
        try {
          return await iterator.next();
        } catch (error: unknown) {
          if (error instanceof AppError) throw new GraphQLError(error.message, { extensions: { ...error.details, code: error.code } });
          throw error;
        }
      },
      return: async () => (await iterator.return?.()) ?? { done: true, value: undefined },
    };
    return wrapped;
  });
}
