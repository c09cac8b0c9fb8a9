import { z } from 'zod';

/** Public so tests and the dev launcher can see what they are overriding. */
export const DEV_JWT_SECRET = 'parley-dev-secret-not-for-production-use-0123456789';
const MIN_SECRET_BYTES = 32;

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(4000),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  MONGODB_URI: optionalString,
  MONGODB_POOL_SIZE: int(20, 1),
  REDIS_URL: optionalString,
  REDIS_COMMAND_TIMEOUT_MS: int(500, 10),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_MODELS: optionalString,
  OPENAI_TIMEOUT_MS: int(30_000, 100),
  OPENAI_MAX_RETRIES: int(1),
  OPENAI_MAX_COMPLETION_TOKENS: int(1024, 1),
  JWT_SECRET: optionalString,
  JWT_JWKS_URL: optionalString.pipe(z.url().optional()),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  TIERS: list('free,pro'),
  CONTEXT_MESSAGES: int(20, 1),
  MAX_MESSAGE_CHARS: int(16_000, 1),
  MAX_TITLE_CHARS: int(200, 1),
  MAX_SYSTEM_PROMPT_CHARS: int(8_000, 1),
  PAGE_SIZE_DEFAULT: int(50, 1),
  PAGE_SIZE_MAX: int(200, 1),
  DEDUPE_WAIT_MS: int(60_000, 0),
  PENDING_STALE_MS: int(120_000, 1_000),
  SHUTDOWN_GRACE_MS: int(10_000, 0),
});

type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  http: { host: string; port: number; shutdownGraceMs: number };
  logLevel: Env['LOG_LEVEL'];
  mongo: { uri?: string; poolSize: number };
  redis: { url?: string; commandTimeoutMs: number };
  openai: {
    apiKey?: string;
    baseUrl?: string;
    defaultModel: string;
    models: string[];
    timeoutMs: number;
    maxRetries: number;
    maxCompletionTokens: number;
  };
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string; tiers: string[] };
  chat: {
    contextMessages: number;
    maxMessageChars: number;
    maxTitleChars: number;
    maxSystemPromptChars: number;
    pageSizeDefault: number;
    pageSizeMax: number;
    dedupeWaitMs: number;
    pendingStaleMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the whole environment at once; throws one ConfigError listing every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const problems = crossFieldProblems(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(env);
}

function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  if (env.JWT_SECRET && Buffer.byteLength(env.JWT_SECRET) < MIN_SECRET_BYTES && production) {
    problems.push(`JWT_SECRET: must be at least ${MIN_SECRET_BYTES} bytes in production`);
  }
  if (production && !env.JWT_SECRET && !env.JWT_JWKS_URL) {
    problems.push('JWT_SECRET or JWT_JWKS_URL: one is required in production');
  }
  if (production && env.JWT_SECRET === DEV_JWT_SECRET) {
    problems.push('JWT_SECRET: the development secret cannot be used in production');
  }
  if (production && !env.MONGODB_URI) problems.push('MONGODB_URI: required in production');
  if (production && !env.REDIS_URL) problems.push('REDIS_URL: required in production');
  if (production && !env.OPENAI_API_KEY) problems.push('OPENAI_API_KEY: required in production');
  if (env.PAGE_SIZE_DEFAULT > env.PAGE_SIZE_MAX) {
    problems.push('PAGE_SIZE_DEFAULT: must not exceed PAGE_SIZE_MAX');
  }
  if (env.PENDING_STALE_MS <= env.OPENAI_TIMEOUT_MS * (env.OPENAI_MAX_RETRIES + 1)) {
    problems.push('PENDING_STALE_MS: must exceed OPENAI_TIMEOUT_MS × (OPENAI_MAX_RETRIES + 1), or live replies get failed');
  }
  if (env.TIERS.length === 0) problems.push('TIERS: at least one tier is required');
  return problems;
}

function toConfig(env: Env): Config {
  const models = env.OPENAI_MODELS?.split(',').map((model) => model.trim()).filter(Boolean) ?? [];
  const jwtSecret =
    env.JWT_SECRET ?? (env.NODE_ENV === 'production' || env.JWT_JWKS_URL ? undefined : DEV_JWT_SECRET);
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    http: { host: env.HOST, port: env.PORT, shutdownGraceMs: env.SHUTDOWN_GRACE_MS },
    logLevel: env.LOG_LEVEL,
    mongo: { uri: env.MONGODB_URI, poolSize: env.MONGODB_POOL_SIZE },
    redis: { url: env.REDIS_URL, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS },
    openai: {
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      defaultModel: env.OPENAI_MODEL,
      models: [...new Set([env.OPENAI_MODEL, ...models])],
      timeoutMs: env.OPENAI_TIMEOUT_MS,
      maxRetries: env.OPENAI_MAX_RETRIES,
      maxCompletionTokens: env.OPENAI_MAX_COMPLETION_TOKENS,
    },
    auth: {
      jwtSecret,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      tiers: env.TIERS,
    },
    chat: {
      contextMessages: env.CONTEXT_MESSAGES,
      maxMessageChars: env.MAX_MESSAGE_CHARS,
      maxTitleChars: env.MAX_TITLE_CHARS,
      maxSystemPromptChars: env.MAX_SYSTEM_PROMPT_CHARS,
      pageSizeDefault: env.PAGE_SIZE_DEFAULT,
      pageSizeMax: env.PAGE_SIZE_MAX,
      dedupeWaitMs: env.DEDUPE_WAIT_MS,
      pendingStaleMs: env.PENDING_STALE_MS,
    },
  };
}
