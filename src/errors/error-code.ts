/** Every `extensions.code` Parley answers with. Clients branch on these; never rename one. */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  BadUserInput = 'BAD_USER_INPUT',
  /** The operation is deeper, wider or costlier than the query limits allow. */
  QueryTooComplex = 'QUERY_TOO_COMPLEX',
  RateLimited = 'RATE_LIMITED',
  BudgetExceeded = 'BUDGET_EXCEEDED',
  UpstreamUnavailable = 'UPSTREAM_UNAVAILABLE',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  InternalServerError = 'INTERNAL_SERVER_ERROR',
}
