import { SignJWT } from 'jose';

export interface DevTokenOptions {
  secret: string;
  userId: string;
  tier?: string;
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 token the way Parley verifies them; for development and tests only. */
export async function signDevToken(options: DevTokenOptions): Promise<string> {
  const jwt = new SignJWT({ tier: options.tier ?? 'free' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 12 * 3600));
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
