import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode } from '../errors';

const MASKED_MESSAGE = 'Internal server error';

/**
 * graphql's own request errors (parse, validation, variable coercion) arrive as GraphQLErrors,
 * possibly wrapped in more GraphQLErrors; anything with a non-GraphQL cause is not one of them.
 */
function isGraphQLRequestError(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof GraphQLError) {
    if (current.originalError === undefined || current.originalError === current) return true;
    current = current.originalError;
  }
  return false;
}

/** True for errors the client may see as they are: ours, or graphql's own request errors. */
export function isExpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return original instanceof AppError || isGraphQLRequestError(original);
}

/**
 * The one place errors become client-visible. AppErrors carry their code and details;
 * graphql's own validation and parse errors pass as they are; everything else is masked.
 * (The request-log plugin logs the unmasked error.)
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) {
    return { ...formatted, message: original.message, extensions: { ...original.details, code: original.code } };
  }
  if (isGraphQLRequestError(original)) {
    const { stacktrace: _omit, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: MASKED_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.InternalServerError } };
}

/** For errors raised before execution (context creation), where formatError still applies. */
export function toGraphQLError(error: unknown, httpStatus: number): GraphQLError {
  if (error instanceof AppError) {
    return new GraphQLError(error.message, {
      extensions: { ...error.details, code: error.code, http: { status: httpStatus } },
    });
  }
  return new GraphQLError(MASKED_MESSAGE, { extensions: { code: ErrorCode.InternalServerError, http: { status: 500 } } });
}
