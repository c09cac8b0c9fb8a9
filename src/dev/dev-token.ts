import { loadConfig } from '../config';
import { signDevToken } from '../services/dev-tokens';

const USAGE = 'usage: npm run token -- <user-id> [--tier <tier>] [--ttl <seconds>]';

function parse(args: string[]): { userId: string; tier: string; ttl: number } {
  const [userId, ...rest] = args;
  if (!userId || userId.startsWith('--')) throw new Error(USAGE);
  let tier = 'free';
  let ttl = 12 * 3600;
  for (let index = 0; index < rest.length; index += 2) {
    const [flag, value] = [rest[index], rest[index + 1]];
    if (flag === '--tier' && value) tier = value;
    else if (flag === '--ttl' && value && /^\d+$/.test(value)) ttl = Number(value);
    else throw new Error(USAGE);
  }
  return { userId, tier, ttl };
}

/** Prints a token signed with the configured JWT_SECRET (the dev secret when unset). */
async function main(): Promise<void> {
  const { userId, tier, ttl } = parse(process.argv.slice(2));
  const config = loadConfig();
  if (!config.auth.jwtSecret) throw new Error('JWT_SECRET is not set: tokens for a JWKS setup come from your identity provider');
  if (!config.auth.tiers.includes(tier)) throw new Error(`unknown tier "${tier}"; TIERS is ${config.auth.tiers.join(',')}`);
  const token = await signDevToken({ secret: config.auth.jwtSecret, userId, tier, ttlSeconds: ttl, issuer: config.auth.issuer, audience: config.auth.audience });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
