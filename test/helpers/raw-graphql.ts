import type { TestApp } from './test-app';

/** A GraphQL response read without a client, so non-200 answers (401, 400) can be inspected. */
export interface RawGraphQLResponse {
  status: number;
  data: unknown;
  /** The `extensions.code` of each error, in order. */
  codes: unknown[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCodes(body: Record<string, unknown>): unknown[] {
  if (!Array.isArray(body.errors)) return [];
  return body.errors.map((error: unknown) =>
    isRecord(error) && isRecord(error.extensions) ? error.extensions.code : undefined,
  );
}

/** POSTs one operation with an optional bearer token and reads status, data and error codes. */
export async function postGraphQL(
  t: TestApp,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<RawGraphQLResponse> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response = await t.post({ query, variables }, headers);
  const body: unknown = await response.json();
  if (!isRecord(body)) throw new Error(`expected a JSON object from /graphql, got ${JSON.stringify(body)}`);
  return { status: response.status, data: body.data, codes: errorCodes(body) };
}
