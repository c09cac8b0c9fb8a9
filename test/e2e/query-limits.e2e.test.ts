import { getIntrospectionQuery, type GraphQLFormattedError } from 'graphql';
import type { Client } from 'graphql-ws';
import { CONVERSATIONS, MESSAGES } from '../helpers/operations';
import { sample } from '../helpers/prometheus-text';
import { postGraphQL } from '../helpers/raw-graphql';
import { wsClient } from '../helpers/stream-clients';
import { conversationOf, startTestApp, type TestApp } from '../helpers/test-app';

/** Each test reproduces a finding of the hardening review (issue 10), then shows it refused. */
const HISTORY_PAGE = `query History($id: ID!, $last: Int) {
  conversation(id: $id) { id title messages(last: $last) {
    edges { cursor node { id role content status model createdAt usage { promptTokens completionTokens totalTokens } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;

/** The errors a subscription is refused with (none if it ran). */
function refusedOver(client: Client, query: string): Promise<readonly GraphQLFormattedError[]> {
  return new Promise((resolve) => {
    client.subscribe({ query }, {
      next: () => undefined,
      error: (errors: unknown) => resolve(Array.isArray(errors) ? (errors as GraphQLFormattedError[]) : []),
      complete: () => resolve([]),
    });
  });
}

const aliased = (count: number, field: (index: number) => string) => Array.from({ length: count }, (_, index) => `a${index}: ${field(index)}`).join(' ');

describe('query limits (findings 1-3)', () => {
  let t: TestApp;
  let token: string;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('limits-user');
    id = await conversationOf(t, token);
  });
  afterAll(async () => t.stop());

  it('every documented frontend query passes: a full history page of 200, the conversation list, introspection in development', async () => {
    expect((await postGraphQL(t, token, HISTORY_PAGE, { id, last: 200 })).codes).toEqual([]);
    expect((await postGraphQL(t, token, MESSAGES, { id, first: 200 })).codes).toEqual([]);
    expect((await postGraphQL(t, token, CONVERSATIONS, { first: 200 })).codes).toEqual([]);
    const introspection = await postGraphQL(t, token, getIntrospectionQuery());
    expect(introspection.codes).toEqual([]);
  });

  it('finding 1: 8,000 aliased pages are refused before they run, with a client error, in a moment', async () => {
    const query = `query { ${aliased(8_000, () => `conversation(id: "${id}") { messages(first: 200) { edges { node { content } } } }`)} }`;
    const started = performance.now();
    const answer = await postGraphQL(t, token, query);
    expect(answer.status).toBe(400);
    expect(answer.data).toBeUndefined();
    expect(answer.codes[0]).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('finding 1: within the alias limit, pages that multiply past GRAPHQL_MAX_COST are QUERY_TOO_COMPLEX with the cost', async () => {
    const query = `query { ${aliased(10, () => `conversation(id: "${id}") { messages(first: 200) { edges { node { content } } } }`)} }`;
    const response = await t.post({ query }, { authorization: `Bearer ${token}` });
    const body = (await response.json()) as { data?: unknown; errors: Array<{ extensions: { code: string; cost: number; maxCost: number } }> };
    expect(response.status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 5_000 });
    expect(body.errors[0]!.extensions.cost).toBeGreaterThan(5_000);
    // Nested connections multiply: 200 conversations × 200 messages each.
    const nested = await postGraphQL(t, token, 'query { conversations(first: 200) { edges { node { messages(first: 200) { edges { node { id } } } } } } }');
    expect(nested.codes).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('finding 2: aliased sendMessage are refused whole, no model call, nothing stored: 16 by the alias limit, 2 with BAD_USER_INPUT', async () => {
    const calls = t.fake.requestCount('/v1/chat/completions');
    const send = (index: number) => `sendMessage(input: { conversationId: "${id}", content: "hello ${index}" }) { userMessage { id } }`;
    const sixteen = await postGraphQL(t, token, `mutation { ${aliased(16, send)} }`);
    expect(sixteen.status).toBe(400);
    expect(sixteen.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const answer = await postGraphQL(t, token, `mutation { ${aliased(2, send)} }`);
    expect(answer.status).toBe(400);
    expect(answer.codes).toEqual(['BAD_USER_INPUT']);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(calls);
    expect(await t.store.listMessages('limits-user', id, { direction: 'asc', limit: 100 })).toEqual([]);
    // Also through a fragment on the root type.
    const spread = await postGraphQL(t, token, `mutation { ...Two } fragment Two on Mutation { a: sendMessage(input: { conversationId: "${id}", content: "x" }) { userMessage { id } } b: sendMessage(input: { conversationId: "${id}", content: "y" }) { userMessage { id } } }`);
    expect(spread.codes).toEqual(['BAD_USER_INPUT']);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(calls);
  });

  it('finding 2: 5,000 aliased createConversation create nothing', async () => {
    const before = (await t.store.listConversations('limits-user', { limit: 1_000 })).length;
    const answer = await postGraphQL(t, token, `mutation { ${aliased(5_000, () => 'createConversation(input: {}) { id }')} }`);
    expect(answer.status).toBe(400);
    expect((await t.store.listConversations('limits-user', { limit: 1_000 })).length).toBe(before);
  });

  it('finding 3: 4,000 nested inline fragments are a 400 client error, not a 500 with a stack', async () => {
    const query = `query { ${'... on Query { '.repeat(4_000)}__typename${' }'.repeat(4_000)} }`;
    const answer = await postGraphQL(t, token, query);
    expect(answer.status).toBe(400);
    expect(answer.codes).toEqual(['GRAPHQL_PARSE_FAILED']);
    const deep = `query { ${'... on Query { '.repeat(12)}__typename${' }'.repeat(12)} }`;
    const tooDeep = await postGraphQL(t, token, deep);
    expect(tooDeep.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(sample(await t.metrics(), 'parley_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBeUndefined();
  });

  it('the same limits hold over WebSocket: too many tokens and too deep are refused before the subscription runs', async () => {
    const client = wsClient(t.url, token);
    try {
      const tokens = await refusedOver(client, `subscription { ${'... on Subscription { '.repeat(3_000)}__typename${' }'.repeat(3_000)} }`);
      expect(tokens.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
      const deep = await refusedOver(client, `subscription { ${'... on Subscription { '.repeat(12)}replyStream(messageId: "m") { seq }${' }'.repeat(12)} }`);
      expect(deep.map((error) => [error.extensions?.code, error.message])).toEqual([['GRAPHQL_VALIDATION_FAILED', expect.stringContaining('depth limit of 10')]]);
    } finally {
      await client.dispose();
    }
  });
});

describe('the same limits over SSE', () => {
  it('a too-deep or too-long subscription is a 400 with the client code, and no stream opens', async () => {
    const t = await startTestApp();
    try {
      const token = await t.token('sse-limits');
      const post = (query: string) => fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      const deep = await post(`subscription { ${'... on Subscription { '.repeat(12)}replyStream(messageId: "m") { seq }${' }'.repeat(12)} }`);
      expect(deep.status).toBe(400);
      expect(((await deep.json()) as { errors: Array<{ extensions: { code: string } }> }).errors.map((error) => error.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const long = await post(`subscription { ${'... on Subscription { '.repeat(3_000)}replyStream(messageId: "m") { seq }${' }'.repeat(3_000)} }`);
      expect(long.status).toBe(400);
      expect(((await long.json()) as { errors: Array<{ extensions: { code: string } }> }).errors.map((error) => error.extensions.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    } finally {
      await t.stop();
    }
  });
});

describe('per-user read and write budgets (findings 1-2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { GRAPHQL_MAX_COST: '2000', RATE_LIMIT_READ_COST_PER_MINUTE: '4000', RATE_LIMIT_WRITES_PER_MINUTE: '5' } });
  });
  afterAll(async () => t.stop());

  it('repeated expensive reads are RATE_LIMITED by their cost, cheap ones of another user are not', async () => {
    const token = await t.token('heavy-reader');
    const id = await conversationOf(t, token);
    const page = () => postGraphQL(t, token, MESSAGES, { id, first: 150 });
    const answers = [await page(), await page(), await page()];
    expect(answers.map((answer) => answer.codes)).toEqual([[], [], ['RATE_LIMITED']]);
    expect(answers[2]!.status).toBe(429);
    const other = await t.token('light-reader');
    expect((await postGraphQL(t, other, '{ me { id } }')).codes).toEqual([]);
    expect(sample(await t.metrics(), 'parley_rate_limit_rejections_total', { limiter: 'read-cost' })).toBe(1);
  });

  it('conversation writes of one request are counted at once: 6 aliased creates are refused whole, 5 run whole', async () => {
    const token = await t.token('writer');
    const refused = await postGraphQL(t, token, `mutation { ${aliased(6, () => 'createConversation(input: {}) { id }')} }`);
    expect(refused.codes).toEqual(['RATE_LIMITED']);
    expect(refused.data).toBeUndefined();
    expect(await t.store.listConversations('writer', { limit: 100 })).toEqual([]);
    const other = await t.token('writer-two');
    const accepted = await postGraphQL(t, other, `mutation { ${aliased(5, () => 'createConversation(input: {}) { id }')} }`);
    expect(accepted.codes).toEqual([]);
    expect(await t.store.listConversations('writer-two', { limit: 100 })).toHaveLength(5);
  });
});

describe('client errors are client errors, and the schema stays unnamed without introspection (findings 4-5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { GRAPHQL_INTROSPECTION: 'false' } });
  });
  afterAll(async () => t.stop());

  it('finding 4: misspelt fields, arguments, enum values and types get no "Did you mean", also anonymously and over WebSocket', async () => {
    const token = await t.token('typo-user');
    const typos = [
      '{ conversatons { edges { cursor } } }',
      '{ me { idd } }',
      'query { conversations(frist: 2) { edges { cursor } } }',
      'mutation { sendMessage(input: { conversationId: "c", content: "x", cachePolicy: BYPAS }) { usage { totalTokens } } }',
      'query Q($v: SendMessageInptu) { me { id } }',
    ];
    for (const query of typos) {
      for (const caller of [token, null]) {
        const response = await t.post({ query }, caller ? { authorization: `Bearer ${caller}` } : {});
        const text = await response.text();
        expect(response.status).toBe(400);
        expect(text).not.toMatch(/did you mean/i);
      }
    }
    expect((await postGraphQL(t, null, '{ __schema { types { name } } }')).codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const client = wsClient(t.url, token);
    try {
      const errors = await refusedOver(client, 'subscription { replyStrem(messageId: "m") { seq } }');
      expect(errors.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(errors[0]!.message).not.toMatch(/did you mean/i);
    } finally {
      await client.dispose();
    }
  });

  it('finding 5: a subscription over plain POST and bad persisted queries are BAD_REQUEST, never counted as server errors', async () => {
    const token = await t.token('apq-user');
    const auth = { authorization: `Bearer ${token}` };
    const answers = await Promise.all([
      t.post({ query: 'subscription { replyStream(messageId: "x") { seq } }' }, auth),
      t.post({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'not-the-hash' } } }, auth),
      t.post({ query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'not-the-hash' } } }, auth),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
    }
    const text = await t.metrics();
    expect(sample(text, 'parley_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBeUndefined();
    expect(sample(text, 'parley_graphql_errors_total', { code: 'BAD_REQUEST' })).toBe(3);
  });
});
