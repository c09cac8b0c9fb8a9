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
 * The code a client sees for an error: an AppError's own; a request error's own code, or
 * BAD_REQUEST for one raised about the request itself with none (e.g. a persisted-query hash that
 * does not match its query, an unsupported persisted-query version), which Apollo would otherwise
 * label INTERNAL_SERVER_ERROR; INTERNAL_SERVER_ERROR for everything else (real server faults).
 */
export function clientCode(error: unknown): string {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original.code;
  if (!isGraphQLRequestError(original)) return ErrorCode.InternalServerError;
  const own = original instanceof GraphQLError ? original.extensions.code : undefined;
  if (typeof own === 'string') return own;
  const path = original instanceof GraphQLError ? original.path : undefined;
  return path === undefined ? 'BAD_REQUEST' : ErrorCode.InternalServerError;
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
    const code = formatted.extensions?.code === ErrorCode.InternalServerError ? clientCode(error) : formatted.extensions?.code;
    return { ...formatted, extensions: { ...extensions, ...(code === undefined ? {} : { code }) } };
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
