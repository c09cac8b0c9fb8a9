import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { UnauthenticatedError } from '../../src/errors';
import { TokenVerifier } from '../../src/services/token-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const OTHER_SECRET = 'a-different-secret-that-nobody-should-trust';
const TIERS = ['free', 'pro'];
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Claims {
  sub?: string;
  exp?: number;
  payload?: JWTPayload;
  issuer?: string;
}

/** Signs an HS256 token; omitted claims are left out of the token entirely. */
function hs256(claims: Claims, secret = SECRET): Promise<string> {
  const jwt = new SignJWT(claims.payload ?? {}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  if (claims.issuer !== undefined) jwt.setIssuer(claims.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}

const valid = (extra: Claims = {}) => hs256({ sub: 'alice', exp: nowSeconds() + 3600, ...extra });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the token to be refused');
}

describe('TokenVerifier with an HS256 secret', () => {
  const verifier = () => new TokenVerifier({ secret: SECRET, tiers: TIERS });

  it('turns a valid token into its viewer, tier defaulting to free', async () => {
    expect(await verifier().verify(await valid())).toMatchObject({ id: 'alice', tier: 'free', expiresAtMs: expect.any(Number) });
  });

  it('takes the tier from the token when it is a known tier', async () => {
    expect(await verifier().verify(await valid({ payload: { tier: 'pro' } }))).toMatchObject({ id: 'alice', tier: 'pro' });
  });

  it('reads a Bearer authorization header, whatever the scheme case', async () => {
    const token = await valid();
    expect(await verifier().verifyHeader(`Bearer ${token}`)).toMatchObject({ id: 'alice', tier: 'free', expiresAtMs: expect.any(Number) });
    expect(await verifier().verifyHeader(`bearer ${token}`)).toMatchObject({ id: 'alice', tier: 'free', expiresAtMs: expect.any(Number) });
  });

  it.each<[string, () => Promise<string>]>([
    ['an expired token', () => hs256({ sub: 'alice', exp: nowSeconds() - 60 })],
    ['a token signed with another secret', () => hs256({ sub: 'alice', exp: nowSeconds() + 3600 }, OTHER_SECRET)],
    ['a token without a subject', () => hs256({ exp: nowSeconds() + 3600 })],
    ['a token with an empty subject', () => hs256({ sub: '', exp: nowSeconds() + 3600 })],
    ['a token whose subject is over 200 characters', () => hs256({ sub: 'u'.repeat(201), exp: nowSeconds() + 3600 })],
    ['a token without an expiry', () => hs256({ sub: 'alice' })],
    ['a token with an unknown tier', () => valid({ payload: { tier: 'platinum' } })],
    ['a token whose tier is not a string', () => valid({ payload: { tier: 1 } })],
    ['something that is not a JWT', async () => 'not.a.jwt'],
  ])('refuses %s as UNAUTHENTICATED', async (_name, token) => {
    const error = await rejection(verifier().verify(await token()));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('says an expired token is expired', async () => {
    const error = await rejection(verifier().verify(await hs256({ sub: 'alice', exp: nowSeconds() - 60 })));
    expect(error).toMatchObject({ message: expect.stringContaining('expired') });
  });

  it('refuses an unsigned ("alg": "none") token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'alice', exp: nowSeconds() + 3600 })).toString('base64url');
    expect(await rejection(verifier().verify(`${header}.${body}.`))).toBeInstanceOf(UnauthenticatedError);
  });

  it.each([
    ['no scheme', (token: string) => token],
    ['another scheme', (token: string) => `Basic ${token}`],
    ['a scheme without a token', () => 'Bearer'],
    ['two tokens', (token: string) => `Bearer ${token} ${token}`],
  ])('refuses an authorization header with %s', async (_name, header) => {
    const error = await rejection(verifier().verifyHeader(header(await valid())));
    expect(error).toBeInstanceOf(UnauthenticatedError);
  });

  it('checks issuer when one is configured', async () => {
    const strict = new TokenVerifier({ secret: SECRET, tiers: TIERS, issuer: 'https://auth.parley.example' });
    expect(await strict.verify(await valid({ issuer: 'https://auth.parley.example' }))).toMatchObject({ id: 'alice' });
    expect(await rejection(strict.verify(await valid({ issuer: 'https://evil.example' })))).toBeInstanceOf(
      UnauthenticatedError,
    );
    expect(await rejection(strict.verify(await valid()))).toBeInstanceOf(UnauthenticatedError);
  });

  describe('a token it has verified before', () => {
    afterEach(() => jest.useRealTimers());

    it('is refused once it expires', async () => {
      const shared = verifier();
      const token = await hs256({ sub: 'alice', exp: nowSeconds() + 2 });
      expect(await shared.verify(token)).toMatchObject({ id: 'alice', tier: 'free', expiresAtMs: expect.any(Number) });
      jest.useFakeTimers({ now: Date.now() + 60_000, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });
      const error = await rejection(shared.verify(token));
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect(error).toMatchObject({ message: expect.stringContaining('expired') });
    });
  });

  it('cannot be built without a secret or a JWKS URL', () => {
    expect(() => new TokenVerifier({ tiers: TIERS })).toThrow();
  });
});

describe('TokenVerifier with a JWKS URL (RS256)', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: KeyLike;
  let jwksRequests = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const rs256 = (key: KeyLike, payload: JWTPayload = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setSubject('carol')
      .setExpirationTime(nowSeconds() + 3600)
      .sign(key);

  it('accepts a token signed by the published key, fetching the key set', async () => {
    const before = jwksRequests;
    const verifier = new TokenVerifier({ jwksUrl, tiers: TIERS });
    expect(await verifier.verify(await rs256(privateKey, { tier: 'pro' }))).toMatchObject({ id: 'carol', tier: 'pro' });
    expect(jwksRequests).toBeGreaterThan(before);
  });

  it('refuses a token signed by a key that is not published', async () => {
    const stranger = await generateKeyPair('RS256');
    const verifier = new TokenVerifier({ jwksUrl, tiers: TIERS });
    expect(await rejection(verifier.verify(await rs256(stranger.privateKey)))).toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses an HS256 token, even one signed with a secret the server also knows', async () => {
    const verifier = new TokenVerifier({ jwksUrl, secret: SECRET, tiers: TIERS });
    expect(await rejection(verifier.verify(await valid()))).toBeInstanceOf(UnauthenticatedError);
  });
});
