import { loadConfig, ConfigError } from '../../src/config';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** Issue 10, finding 10: security headers, and a CORS allowlist for browser apps on other origins. */
const APP_ORIGIN = 'https://chat.example.com';

describe('HTTP security headers and CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${APP_ORIGIN},http://localhost:5173` } });
  });
  afterAll(async () => t.stop());

  it('every answer carries the security headers and no x-powered-by', async () => {
    for (const response of [await t.post({ query: '{ __typename }' }), await fetch(`${t.url}/healthz`)]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('GraphQL answers, successful or refused, are never stored by a cache (cache-control: no-store)', async () => {
    const token = await t.token('cache-headers');
    const created = await t.post({ query: 'mutation { createConversation(input: { title: "private" }) { id } }' }, { authorization: `Bearer ${token}` });
    const anonymous = await t.post({ query: '{ conversations(first: 1) { edges { node { id } } } }' });
    const malformed = await t.post({ query: '{ conversations(' });
    for (const response of [created, anonymous, malformed]) expect(response.headers.get('cache-control')).toBe('no-store');
    expect(created.status).toBe(200);
    expect(malformed.status).toBe(400);
  });

  it('a listed origin gets a working preflight and its answers are readable', async () => {
    const preflight = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const token = await t.token('cors-user');
    const answer = await t.post({ query: '{ me { id } }' }, { origin: APP_ORIGIN, authorization: `Bearer ${token}` });
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(((await answer.json()) as { data: { me: { id: string } } }).data.me.id).toBe('cors-user');
  });

  it('any other origin gets no CORS headers, so a browser keeps the answer from it', async () => {
    const preflight = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await t.post({ query: '{ __typename }' }, { origin: 'https://evil.example' });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the CSRF rules still hold: a simple cross-origin form POST is refused before it runs', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { origin: APP_ORIGIN, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { createConversation(input: {}) { id } }' }),
    });
    expect(response.status).toBe(400);
  });

  it('CORS_ORIGINS accepts origins only', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).http.corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    for (const bad of ['*', 'https://a.example/path', 'a.example', 'ftp://a.example']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(ConfigError);
    }
  });
});
