import { signDevToken } from '../src/services/dev-tokens';
import type { Stack } from './stack';

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: unknown } }>;
}

/** A minimal GraphQL-over-HTTP client for setting up bench data; not used under measurement. */
export class BenchClient {
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(private readonly stack: Stack) {}

  get graphqlUrl(): string {
    return `${this.stack.parleyUrl}/graphql`;
  }

  /** A bearer token for `userId`, signed once and reused (as a real client would). */
  token(userId: string): Promise<string> {
    let token = this.tokens.get(userId);
    if (!token) {
      token = signDevToken({ secret: this.stack.jwtSecret, userId, tier: 'pro', ttlSeconds: 6 * 3600 });
      this.tokens.set(userId, token);
    }
    return token;
  }

  async authHeaders(userId: string): Promise<Record<string, string>> {
    return { 'content-type': 'application/json', authorization: `Bearer ${await this.token(userId)}` };
  }

  /** Runs one operation as `userId`; throws on any HTTP or GraphQL error. */
  async request<T>(userId: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(this.graphqlUrl, {
      method: 'POST',
      headers: await this.authHeaders(userId),
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    const parsed = JSON.parse(text) as GraphQLResponse<T>;
    if (!response.ok || parsed.errors?.length || !parsed.data) {
      throw new Error(`setup request failed (HTTP ${response.status}): ${text.slice(0, 500)}`);
    }
    return parsed.data;
  }
}
