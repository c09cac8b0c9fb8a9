import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { startTestApp, type TestApp } from '../helpers/test-app';

const PRODUCTION_SECRET = 'a-production-secret-that-is-long-enough-0123456789';

describe('NODE_ENV=production', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      store: new MemoryChatStore(),
      // METRICS_PORT 0: a free port instead of production's default 9464, so test files can run side by side.
      env: { NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET, MONGODB_URI: 'mongodb://127.0.0.1:9/unused', METRICS_PORT: '0' },
    });
  });
  afterAll(async () => t.stop());

  it('turns introspection off', async () => {
    const response = await t.post({ query: '{ __schema { queryType { name } } }' });
    const body = (await response.json()) as { errors?: Array<{ message: string }> };
    expect(body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });

  it('answers with a strict Content-Security-Policy and the usual security headers', async () => {
    const response = await t.post({ query: '{ __typename }' });
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('names nothing of the schema in errors, even anonymously', async () => {
    const response = await t.post({ query: '{ conversatons { edges { cursor } } }' });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/did you mean/i);
  });

  it('serves no Sandbox landing page', async () => {
    const response = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toMatch(/sandbox/i);
  });

  it('serves /metrics on its own listener only: not on the API port, and nothing else there (issue 10, finding 9)', async () => {
    const scrape = await fetch(t.app.metricsUrl());
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^parley_graphql_operations_total/m);
    const metricsBase = new URL(t.app.metricsUrl()).origin;
    expect(metricsBase).not.toBe(t.url);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${metricsBase}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status).toBe(404);
    expect((await fetch(`${metricsBase}/readyz`)).status).toBe(404);
  });

  it('still serves the API to a valid token', async () => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(PRODUCTION_SECRET));
    const result = await t.gql<{ me: { id: string } }>(token, '{ me { id } }');
    expect(result.data?.me.id).toBe('alice');
  });
});

describe('the development landing page', () => {
  it('is Apollo Sandbox', async () => {
    const t = await startTestApp();
    try {
      const response = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await response.text()).toMatch(/sandbox/i);
    } finally {
      await t.stop();
    }
  });
});
