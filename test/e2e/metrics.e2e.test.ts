import { CREATE, SEND } from '../helpers/operations';
import { sample } from '../helpers/prometheus-text';
import { codes, startTestApp, type TestApp } from '../helpers/test-app';

describe('GET /metrics after using the API', () => {
  let t: TestApp;
  let text: string;
  let spent = 0;

  beforeAll(async () => {
    t = await startTestApp({
      env: { TIER_LIMITS: JSON.stringify({ free: { sendPerMinute: 3, maxConcurrentGenerations: 5 } }), RETRY_MAX_ATTEMPTS: '1', DEGRADED_MODE: 'error' },
    });
    const token = await t.token('metered');
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const conversationId = created.data!.createConversation.id;
    for (const content of ['one', 'two']) {
      const sent = await t.gql<{ sendMessage: { usage: { totalTokens: number } } }>(token, SEND, { input: { conversationId, content } });
      spent += sent.data!.sendMessage.usage.totalTokens;
    }
    t.fake.enqueueFaults([{ type: 'status', status: 500 }]);
    expect(codes(await t.gql(token, SEND, { input: { conversationId, content: 'fails' } }))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(codes(await t.gql(token, SEND, { input: { conversationId, content: 'limited' } }))).toEqual(['RATE_LIMITED']);
    await t.gql(token, '{ conversations { edges { cursor } } }');
    const response = await fetch(`${t.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    text = await response.text();
  });
  afterAll(async () => t.stop());

  it('counts operations by root field, type and outcome, and errors by code', () => {
    expect(sample(text, 'parley_graphql_operations_total', { field: 'sendMessage', type: 'mutation', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'parley_graphql_operations_total', { field: 'sendMessage', type: 'mutation', outcome: 'error' })).toBe(2);
    expect(sample(text, 'parley_graphql_operations_total', { field: 'conversations', type: 'query', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'parley_graphql_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
    expect(sample(text, 'parley_graphql_errors_total', { code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(sample(text, 'parley_graphql_operation_duration_seconds_count', { field: 'sendMessage', type: 'mutation' })).toBe(4);
  });

  it('reports model calls, tokens, cost and replies that match what the API returned', () => {
    expect(sample(text, 'parley_model_calls_total', { model: 'gpt-4o-mini', outcome: 'success' })).toBe(2);
    expect(sample(text, 'parley_model_calls_total', { model: 'gpt-4o-mini', outcome: 'error' })).toBe(1);
    const prompt = sample(text, 'parley_model_tokens_total', { model: 'gpt-4o-mini', kind: 'prompt' }) ?? 0;
    const completion = sample(text, 'parley_model_tokens_total', { model: 'gpt-4o-mini', kind: 'completion' }) ?? 0;
    expect(prompt + completion).toBe(spent);
    expect(sample(text, 'parley_model_cost_usd_total', { model: 'gpt-4o-mini' })).toBeGreaterThan(0);
    expect(sample(text, 'parley_replies_total', { status: 'COMPLETE' })).toBe(2);
    expect(sample(text, 'parley_replies_total', { status: 'FAILED' })).toBe(1);
    expect(sample(text, 'parley_model_call_duration_seconds_count', { model: 'gpt-4o-mini' })).toBe(3);
  });

  it('reports limits, budgets, dependencies and store latency', () => {
    expect(sample(text, 'parley_rate_limit_rejections_total', { limiter: 'send' })).toBe(1);
    expect(sample(text, 'parley_budget_reservations_total', { outcome: 'accepted' })).toBe(3);
    expect(sample(text, 'parley_budget_settlements_total', { kind: 'settled' })).toBe(2);
    expect(sample(text, 'parley_budget_settlements_total', { kind: 'released' })).toBe(1);
    expect(sample(text, 'parley_generations_in_flight')).toBe(0);
    expect(sample(text, 'parley_dependency_up', { dependency: 'store' })).toBe(1);
    expect(sample(text, 'parley_dependency_up', { dependency: 'redis' })).toBe(1);
    expect(sample(text, 'parley_store_operation_duration_seconds_count', { store: 'memory', operation: 'finishExchange', outcome: 'ok' })).toBe(3);
    // Three sends went ahead; the refused one's hold was taken alongside the limits and given back
    // uncounted in the budget metrics above, but it did reach Redis.
    expect(sample(text, 'parley_redis_operation_duration_seconds_count', { component: 'budget', operation: 'reserve', outcome: 'ok' })).toBe(4);
    expect(sample(text, 'parley_upstream_queue_depth')).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('never labels series with user ids or message text', () => {
    expect(text).not.toContain('metered');
    expect(text).not.toMatch(/limited|fails"/);
  });
});
