import { ErrorCode } from './error-code';

/**
 * A failure the client may see. Only these reach clients unmasked; the GraphQL error
 * formatter turns `code` and `details` into `extensions`.
 */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe fields for `extensions` (never secrets or message bodies). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = ErrorCode.Unauthenticated;
}

export class ForbiddenError extends AppError {
  readonly code = ErrorCode.Forbidden;
}

/** Also what another user's id gets: ids never reveal that something exists. */
export class NotFoundError extends AppError {
  readonly code = ErrorCode.NotFound;
}

export class BadUserInputError extends AppError {
  readonly code = ErrorCode.BadUserInput;
}

export class RateLimitedError extends AppError {
  readonly code = ErrorCode.RateLimited;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message, { retryAfterSeconds });
  }
}

export class BudgetExceededError extends AppError {
  readonly code = ErrorCode.BudgetExceeded;
  constructor(message: string, resetsAt: Date, readonly period: 'day' | 'month' = 'day') {
    super(message, { resetsAt: resetsAt.toISOString(), period });
  }
}

export class UpstreamUnavailableError extends AppError {
  readonly code = ErrorCode.UpstreamUnavailable;
}

export class ServiceUnavailableError extends AppError {
  readonly code = ErrorCode.ServiceUnavailable;
}
