import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../errors';
import type { Viewer } from './viewer';

export interface TokenVerifierOptions {
  /** HS256 shared secret; or */
  secret?: string;
  /** an RS256 JWKS endpoint. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  tiers: string[];
  /** Verified tokens remembered so a busy client's token is checked once, not per request. */
  cacheSize?: number;
}

const DEFAULT_TIER = 'free';

/** Verifies bearer JWTs (`sub` = user id, `exp` required, optional `tier`) into a Viewer. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, { viewer: Viewer; expiresAtMs: number }>();

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(options.jwksUrl));
      this.algorithms = ['RS256'];
    } else if (options.secret) {
      this.key = new TextEncoder().encode(options.secret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('TokenVerifier needs a secret or a JWKS URL');
    }
  }

  /** Resolves the viewer for an Authorization header value, or throws UnauthenticatedError. */
  async verifyHeader(header: string): Promise<Viewer> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthenticatedError('Authorization must be "Bearer <token>"');
    return this.verify(match[1]);
  }

  async verify(token: string): Promise<Viewer> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAtMs > Date.now()) return cached.viewer;
    if (cached) this.verified.delete(token);
    const payload = await this.verifySignature(token);
    const expiresAtMs = (payload.exp ?? 0) * 1000;
    const viewer = { ...this.toViewer(payload), expiresAtMs };
    this.remember(token, viewer, expiresAtMs);
    return viewer;
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'sub'],
      };
      const { payload } =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      return payload;
    } catch (error: unknown) {
      const reason = error instanceof Error && 'code' in error && error.code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid';
      throw new UnauthenticatedError(`Token is ${reason}`);
    }
  }

  private toViewer(payload: JWTPayload): Viewer {
    const tier = payload.tier ?? DEFAULT_TIER;
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
      throw new UnauthenticatedError('Token subject is invalid');
    }
    if (typeof tier !== 'string' || !this.options.tiers.includes(tier)) {
      throw new UnauthenticatedError('Token tier is unknown');
    }
    return { id: payload.sub, tier };
  }

  private remember(token: string, viewer: Viewer, expiresAtMs: number): void {
    const limit = this.options.cacheSize ?? 10_000;
    if (this.verified.size >= limit) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { viewer, expiresAtMs });
  }
}
