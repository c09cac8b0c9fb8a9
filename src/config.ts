import { z } from 'zod';

/** Public so tests and the dev launcher can see what they are overriding. */
export const DEV_JWT_SECRET = 'parley-dev-secret-not-for-production-use-0123456789';
const MIN_SECRET_BYTES = 32;
/** Prometheus' customary port range; internal only (compose does not publish it). */
export const DEFAULT_PRODUCTION_METRICS_PORT = 9464;
/** A secret's estimated entropy (length × Shannon entropy of its characters) must reach this. */
const MIN_SECRET_BITS = 100;
/** Words that mark a value as one to be replaced (compose's and README's examples among them). */
const PLACEHOLDER = /change[-_ ]?me|placeholder|replace[-_ ]?me|your[-_ ]?(secret|key)|^sk-\.\.\.$/iu;

/** An integer variable; blank counts as unset (so `PORT=` does not become 0). */
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce.number().int().min(min).max(max).default(fallback),
  );
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** A JSON-valued variable: parsed, then checked against `schema`; `fallback` when unset. */
function json<T extends z.ZodType>(schema: T, fallback: z.input<T>) {
  return z
    .string()
    .optional()
    .transform((text, ctx): unknown => {
      if (text === undefined || text.trim() === '') return fallback;
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const limit = z.number().min(-1);
const tierLimitsSchema = z.object({
  sendPerMinute: z.number().int().min(1),
  maxConcurrentGenerations: z.number().int().min(1),
  tokensPerDay: limit,
  tokensPerMonth: limit,
  usdPerDay: limit,
  usdPerMonth: limit,
});
export type TierLimits = z.infer<typeof tierLimitsSchema>;

/** Built-in tiers; TIER_LIMITS overrides or adds per tier, field by field. -1 = unlimited. */
export const DEFAULT_TIER_LIMITS: Record<string, TierLimits> = {
  free: { sendPerMinute: 20, maxConcurrentGenerations: 2, tokensPerDay: 200_000, tokensPerMonth: 3_000_000, usdPerDay: 0.5, usdPerMonth: 10 },
  pro: { sendPerMinute: 120, maxConcurrentGenerations: 6, tokensPerDay: 2_000_000, tokensPerMonth: 40_000_000, usdPerDay: 10, usdPerMonth: 200 },
};

const priceSchema = z.object({ inputPerMTokUsd: z.number().min(0), outputPerMTokUsd: z.number().min(0) });
export type ModelPrice = z.infer<typeof priceSchema>;
const DEFAULT_PRICES: Record<string, ModelPrice> = {
  'gpt-4o-mini': { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 },
  'gpt-4o': { inputPerMTokUsd: 2.5, outputPerMTokUsd: 10 },
  'gpt-4.1-mini': { inputPerMTokUsd: 0.4, outputPerMTokUsd: 1.6 },
  'gpt-4.1-nano': { inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.4 },
};

const fallbackSchema = z.object({
  model: z.string().min(1),
  provider: z.string().min(1).optional(),
  baseUrl: z.url().optional(),
  apiKeys: z.array(z.string().min(1)).min(1).optional(),
});
export type FallbackTarget = z.infer<typeof fallbackSchema>;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(4000, 0, 65_535),
  /** Serve /metrics on its own listener (then not on PORT); production's default is 9464. */
  METRICS_PORT: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce.number().int().min(0).max(65_535).optional(),
  ),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  MONGODB_URI: optionalString,
  MONGODB_POOL_SIZE: int(20, 1),
  REDIS_URL: optionalString,
  /** host:port,host:port… of a Redis Cluster: used instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: list(''),
  /** The caches' Redis (context windows, replies); bounded and evicting. Default: REDIS_URL. */
  CACHE_REDIS_URL: optionalString,
  REDIS_COMMAND_TIMEOUT_MS: int(500, 10),
  REDIS_KEY_PREFIX: z.string().default('parley:'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_MODELS: optionalString,
  OPENAI_API_KEYS: list(''),
  OPENAI_TIMEOUT_MS: int(30_000, 100),
  OPENAI_MAX_RETRIES: int(0),
  OPENAI_TRANSPORT: z.enum(['node', 'fetch']).default('node'),
  OPENAI_MAX_COMPLETION_TOKENS: int(1024, 1),
  JWT_SECRET: optionalString,
  JWT_JWKS_URL: optionalString.pipe(z.url().optional()),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  TIERS: list('free,pro'),
  CONTEXT_MESSAGES: int(50, 1),
  CONTEXT_MAX_TOKENS: int(6_000, 100),
  CONTEXT_SUMMARY_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** A conversation created without a title gets one after its first reply. */
  TITLES_ENABLED: z.enum(['true', 'false']).default('true'),
  /** Unset: CONTEXT_SUMMARY_MODEL (a cheap one). */
  TITLE_MODEL: optionalString,
  TITLE_TIMEOUT_MS: int(10_000, 100),
  CONTEXT_SUMMARY_MAX_TOKENS: int(300, 16),
  CONTEXT_KEEP_RECENT_TURNS: int(6, 0),
  CONTEXT_SUMMARY_TIMEOUT_MS: int(15_000, 100),
  CONTEXT_CACHE_TTL_SECONDS: int(3_600, 1),
  RESPONSE_CACHE_ENABLED: z.enum(['true', 'false']).default('true'),
  RESPONSE_CACHE_TTL_SECONDS: int(86_400, 1),
  RESPONSE_CACHE_SIMILAR_ENABLED: z.enum(['true', 'false']).default('false'),
  RESPONSE_CACHE_SIMILAR_LOOKUP: z.enum(['parallel', 'wait']).default('parallel'),
  RESPONSE_CACHE_SIMILARITY_THRESHOLD: z.coerce.number().min(0).max(1).default(0.95),
  RESPONSE_CACHE_MAX_TEMPERATURE: z.coerce.number().min(0).max(2).default(1),
  RESPONSE_CACHE_MAX_ENTRIES_PER_SCOPE: int(10_000, 1),
  RESPONSE_CACHE_SHARED_PROMPTS: list(''),
  RESPONSE_CACHE_HIT_BUDGET_FRACTION: z.coerce.number().min(0).max(1).default(0),
  EMBEDDINGS_MODEL: z.string().min(1).default('text-embedding-3-small'),
  EMBEDDINGS_DIMENSIONS: int(256, 0).refine((value) => value === 0 || value >= 8, "must be 0 (the model's own length) or at least 8"),
  EMBEDDINGS_TIMEOUT_MS: int(1_000, 50),
  EMBEDDINGS_COOLDOWN_MS: int(1_000, 0),
  EMBEDDINGS_ENCODING: z.enum(['float', 'base64']).default('float'),
  EMBEDDINGS_BASE_URL: optionalString.pipe(z.url().optional()),
  EMBEDDINGS_API_KEY: optionalString,
  EMBEDDINGS_BATCH_WINDOW_MS: int(0, 0),
  EMBEDDINGS_BATCH_MAX: int(32, 1),
  EMBEDDINGS_MEMO_SIZE: int(1_000, 0),
  MAX_MESSAGE_CHARS: int(16_000, 1),
  MAX_TITLE_CHARS: int(200, 1),
  MAX_SYSTEM_PROMPT_CHARS: int(8_000, 1),
  PAGE_SIZE_DEFAULT: int(50, 1),
  PAGE_SIZE_MAX: int(200, 1),
  DEDUPE_WAIT_MS: int(60_000, 0),
  GENERATION_TIMEOUT_MS: int(100_000, 1_000),
  STREAM_PARTIAL_FLUSH_MS: int(500, 50),
  REPLY_STREAM_TTL_SECONDS: int(600, 10),
  REPLY_STREAM_MAX_EVENTS: int(50_000, 100),
  REPLY_WATCH_POLL_MS: int(2_000, 100),
  CANCEL_WAIT_MS: int(3_000, 100),
  SUBSCRIPTIONS_PER_USER: int(20, 1),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(3_000, 100),
  PENDING_STALE_MS: int(120_000, 1_000),
  SHUTDOWN_GRACE_MS: int(10_000, 0),
  TRUST_PROXY: int(0),
  TIER_LIMITS: json(z.record(z.string(), tierLimitsSchema.partial()), {}),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: int(60, 1),
  RATE_LIMIT_READ_COST_PER_MINUTE: int(30_000, 1),
  RATE_LIMIT_WRITES_PER_MINUTE: int(60, 1),
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).optional(),
  CORS_ORIGINS: list(''),
  GRAPHQL_MAX_DEPTH: int(10, 1),
  GRAPHQL_MAX_ALIASES: int(15, 0),
  GRAPHQL_MAX_DIRECTIVES: int(20, 0),
  GRAPHQL_MAX_TOKENS: int(2_000, 100),
  GRAPHQL_MAX_COST: int(5_000, 1),
  RATE_LIMIT_STREAM_OPS_PER_MINUTE: int(120, 1),
  RATE_LIMIT_AUTH_FAILURES: int(10, 1),
  RATE_LIMIT_AUTH_WINDOW_SECONDS: int(900, 1),
  RATE_LIMIT_AUTH_BLOCK_SECONDS: int(900, 0),
  MODEL_PRICES: json(z.record(z.string(), priceSchema), {}),
  BUDGET_RESERVATION_TTL_MS: int(180_000, 1_000),
  LLM_FALLBACKS: json(z.array(fallbackSchema), []),
  BREAKER_TIMEOUT_MS: int(30_000, 100),
  BREAKER_ERROR_THRESHOLD_PERCENT: int(50, 1),
  BREAKER_VOLUME_THRESHOLD: int(5, 1),
  BREAKER_ROLLING_WINDOW_MS: int(10_000, 100),
  BREAKER_RESET_TIMEOUT_MS: int(30_000, 100),
  RETRY_MAX_ATTEMPTS: int(3, 1),
  RETRY_BASE_DELAY_MS: int(250, 0),
  RETRY_MAX_DELAY_MS: int(4_000, 0),
  KEY_COOLDOWN_MS: int(60_000, 0),
  UPSTREAM_MAX_IN_FLIGHT: int(64, 1),
  UPSTREAM_MAX_QUEUE: int(256, 0),
  UPSTREAM_QUEUE_TIMEOUT_MS: int(5_000, 0),
  DEGRADED_MODE: z.enum(['reply', 'error']).default('reply'),
  DEGRADED_REPLY_TEXT: z.string().min(1).default("I can't reach the language model right now. Please try again in a moment."),
});

type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  http: {
    host: string;
    port: number;
    shutdownGraceMs: number;
    /** Browser origins allowed to call the API from another origin (CORS); none by default. */
    corsOrigins: string[];
    /** /metrics on a listener of its own (same host) when set; otherwise on the API port. */
    metricsPort?: number;
  };
  logLevel: Env['LOG_LEVEL'];
  mongo: { uri?: string; poolSize: number };
  redis: {
    /** Rate limits, budgets, slots and reply streams: must not evict. */
    url?: string;
    /** A Redis Cluster's nodes, instead of `url`. */
    clusterNodes: string[];
    /** Context and response caches, when they live apart (bounded, evicting); else `url`. */
    cacheUrl?: string;
    commandTimeoutMs: number;
    keyPrefix: string;
  };
  openai: {
    apiKey?: string;
    /** Every key for the primary provider, rotated: OPENAI_API_KEY then OPENAI_API_KEYS. */
    apiKeys: string[];
    baseUrl?: string;
    defaultModel: string;
    models: string[];
    timeoutMs: number;
    maxRetries: number;
    /**
     * What carries the SDK's requests (model and embeddings): `node`, node:http(s) with
     * keep-alive agents (less CPU per call), or `fetch`, the SDK's default (global fetch).
     */
    transport: 'node' | 'fetch';
    maxCompletionTokens: number;
    fallbacks: FallbackTarget[];
  };
  resilience: {
    breaker: { timeoutMs: number; errorThresholdPercentage: number; volumeThreshold: number; rollingCountTimeoutMs: number; resetTimeoutMs: number };
    retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
    keyCooldownMs: number;
    maxInFlight: number;
    maxQueue: number;
    queueTimeoutMs: number;
    degradedMode: 'reply' | 'error';
    degradedReply: string;
  };
  graphql: {
    /** Introspection and schema hints in error messages ("Did you mean …"). */
    introspection: boolean;
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    /** Lexical tokens of one document; a longer one is refused while it is parsed. */
    maxTokens: number;
    /** Each field costs 1 plus its children; a connection costs its page size times its children. */
    maxCost: number;
  };
  limits: {
    tiers: Record<string, TierLimits>;
    anonymousPerMinute: number;
    /** replyStream subscriptions started and cancelReply calls, per user. */
    streamOpsPerMinute: number;
    /** Query cost (see graphql.maxCost) a user may spend per minute. */
    readCostPerMinute: number;
    /** Conversation writes (create, rename, prompt, delete) per user per minute. */
    writesPerMinute: number;
    authFailures: { points: number; durationSeconds: number; blockSeconds: number };
    trustProxy: number;
  };
  budget: { prices: Record<string, ModelPrice>; reservationTtlMs: number };
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string; tiers: string[] };
  responseCache: {
    enabled: boolean;
    similarEnabled: boolean;
    similarLookup: 'parallel' | 'wait';
    ttlMs: number;
    similarityThreshold: number;
    maxTemperature: number;
    maxEntriesPerScope: number;
    sharedPrompts: string[];
    hitBudgetFraction: number;
    embeddings: {
      model: string;
      /** null: the model's own length (no `dimensions` sent). */
      dimensions: number | null;
      timeoutMs: number;
      cooldownMs: number;
      encoding: 'float' | 'base64';
      /** Unset: the primary provider's (OPENAI_BASE_URL). */
      baseUrl?: string;
      /** Unset: the primary provider's first key. */
      apiKey?: string;
      /** Concurrent lookups' texts sent together: how long one waits for others (0: no wait), and how many per request. */
      batchWindowMs: number;
      batchMax: number;
      /** Recent texts' vectors kept in memory, so a text is not embedded twice in a row. */
      memoSize: number;
    };
  };
  context: {
    maxContextTokens: number;
    maxMessages: number;
    summaryModel: string;
    summaryMaxTokens: number;
    keepRecentTurns: number;
    summaryTimeoutMs: number;
    cacheTtlSeconds: number;
  };
  titles: { enabled: boolean; model: string; timeoutMs: number };
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
  streaming: {
    /** Longest a whole generation may run before it is cut off. */
    generationTimeoutMs: number;
    partialFlushMs: number;
    /** How long a reply's events stay replayable after its last one. */
    replayTtlMs: number;
    replayMaxEvents: number;
    watchPollMs: number;
    cancelWaitMs: number;
    /** Open replyStream subscriptions per user on one instance. */
    subscriptionsPerUser: number;
    connectionInitTimeoutMs: number;
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
  if (parsed.success) {
    const problems = crossFieldProblems(parsed.data);
    if (problems.length > 0) throw new ConfigError(problems);
    return toConfig(parsed.data);
  }
  const invalid = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  // Cross-field rules still run, over defaults for the invalid variables, so one boot names everything.
  const lenient = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([key]) => !invalid.has(key))));
  if (lenient.success) {
    problems.push(...crossFieldProblems(lenient.data).filter((problem) => !invalid.has(problem.split(':')[0] ?? '')));
  }
  throw new ConfigError(problems);
}

function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  if (env.JWT_SECRET && Buffer.byteLength(env.JWT_SECRET) < MIN_SECRET_BYTES && production) {
    problems.push(`JWT_SECRET: must be at least ${MIN_SECRET_BYTES} bytes in production`);
  } else if (env.JWT_SECRET && production && env.JWT_SECRET !== DEV_JWT_SECRET) {
    if (PLACEHOLDER.test(env.JWT_SECRET)) problems.push('JWT_SECRET: is a placeholder; generate one, e.g. `openssl rand -base64 48`');
    else if (entropyBits(env.JWT_SECRET) < MIN_SECRET_BITS) problems.push(`JWT_SECRET: too predictable (under ${MIN_SECRET_BITS} bits by its character mix); generate one, e.g. \`openssl rand -base64 48\``);
  }
  if (production && env.OPENAI_API_KEY && PLACEHOLDER.test(env.OPENAI_API_KEY)) problems.push('OPENAI_API_KEY: is a placeholder, not a key');
  if (production && !env.JWT_SECRET && !env.JWT_JWKS_URL) {
    problems.push('JWT_SECRET or JWT_JWKS_URL: one is required in production');
  }
  if (production && env.JWT_SECRET === DEV_JWT_SECRET) {
    problems.push('JWT_SECRET: the development secret cannot be used in production');
  }
  if (production && !env.MONGODB_URI) problems.push('MONGODB_URI: required in production');
  if (production && !env.REDIS_URL && env.REDIS_CLUSTER_NODES.length === 0) problems.push('REDIS_URL: required in production (or REDIS_CLUSTER_NODES)');
  for (const node of env.REDIS_CLUSTER_NODES) {
    if (!/^[^\s:]+:\d{1,5}$/.test(node)) problems.push(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
  }
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problems.push('METRICS_PORT: must differ from PORT (unset it to serve /metrics on the API port)');
  }
  if (production && !env.OPENAI_API_KEY) problems.push('OPENAI_API_KEY: required in production');
  for (const origin of env.CORS_ORIGINS) {
    if (!isOrigin(origin)) problems.push(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path, no wildcard)`);
  }
  if (env.RATE_LIMIT_READ_COST_PER_MINUTE < env.GRAPHQL_MAX_COST) {
    problems.push('RATE_LIMIT_READ_COST_PER_MINUTE: must be at least GRAPHQL_MAX_COST, or the costliest allowed query could never run');
  }
  if (env.PAGE_SIZE_DEFAULT > env.PAGE_SIZE_MAX) {
    problems.push('PAGE_SIZE_DEFAULT: must not exceed PAGE_SIZE_MAX');
  }
  const perUpstream = Math.max(env.BREAKER_TIMEOUT_MS, env.OPENAI_TIMEOUT_MS * (env.OPENAI_MAX_RETRIES + 1));
  const longestCall = env.UPSTREAM_QUEUE_TIMEOUT_MS + perUpstream * (1 + env.LLM_FALLBACKS.length);
  if (env.PENDING_STALE_MS <= longestCall) {
    problems.push(`PENDING_STALE_MS: must exceed the longest model call (${longestCall} ms: queue wait + BREAKER_TIMEOUT_MS per upstream), or live replies get failed`);
  }
  if (env.BUDGET_RESERVATION_TTL_MS <= longestCall) {
    problems.push(`BUDGET_RESERVATION_TTL_MS: must exceed the longest model call (${longestCall} ms), or a slow call's hold lapses mid-call`);
  }
  if (env.GENERATION_TIMEOUT_MS >= env.PENDING_STALE_MS) {
    problems.push('GENERATION_TIMEOUT_MS: must be below PENDING_STALE_MS, or a generation outlives its in-flight slot');
  }
  if (env.GENERATION_TIMEOUT_MS >= env.BUDGET_RESERVATION_TTL_MS) {
    problems.push('GENERATION_TIMEOUT_MS: must be below BUDGET_RESERVATION_TTL_MS, or a long reply outlives its budget hold');
  }
  for (const tier of env.TIERS) {
    if (!tierLimitsSchema.safeParse({ ...DEFAULT_TIER_LIMITS[tier], ...env.TIER_LIMITS[tier] }).success) {
      problems.push(`TIER_LIMITS: tier "${tier}" needs every limit (${Object.keys(tierLimitsSchema.shape).join(', ')})`);
    }
  }
  if (env.CONTEXT_MAX_TOKENS <= env.OPENAI_MAX_COMPLETION_TOKENS) {
    problems.push('CONTEXT_MAX_TOKENS: must exceed OPENAI_MAX_COMPLETION_TOKENS, or no history fits');
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
    http: {
      host: env.HOST, port: env.PORT, shutdownGraceMs: env.SHUTDOWN_GRACE_MS, corsOrigins: env.CORS_ORIGINS,
      metricsPort: env.METRICS_PORT ?? (env.NODE_ENV === 'production' ? DEFAULT_PRODUCTION_METRICS_PORT : undefined),
    },
    logLevel: env.LOG_LEVEL,
    mongo: { uri: env.MONGODB_URI, poolSize: env.MONGODB_POOL_SIZE },
    redis: { url: env.REDIS_URL, clusterNodes: env.REDIS_CLUSTER_NODES, cacheUrl: env.CACHE_REDIS_URL, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS, keyPrefix: env.REDIS_KEY_PREFIX },
    openai: {
      apiKey: env.OPENAI_API_KEY,
      apiKeys: [...new Set([...(env.OPENAI_API_KEY ? [env.OPENAI_API_KEY] : []), ...env.OPENAI_API_KEYS])],
      baseUrl: env.OPENAI_BASE_URL,
      defaultModel: env.OPENAI_MODEL,
      models: [...new Set([env.OPENAI_MODEL, ...models])],
      timeoutMs: env.OPENAI_TIMEOUT_MS,
      maxRetries: env.OPENAI_MAX_RETRIES,
      transport: env.OPENAI_TRANSPORT,
      maxCompletionTokens: env.OPENAI_MAX_COMPLETION_TOKENS,
      fallbacks: env.LLM_FALLBACKS,
    },
    resilience: {
      breaker: {
        timeoutMs: env.BREAKER_TIMEOUT_MS,
        errorThresholdPercentage: env.BREAKER_ERROR_THRESHOLD_PERCENT,
        volumeThreshold: env.BREAKER_VOLUME_THRESHOLD,
        rollingCountTimeoutMs: env.BREAKER_ROLLING_WINDOW_MS,
        resetTimeoutMs: env.BREAKER_RESET_TIMEOUT_MS,
      },
      retry: { maxAttempts: env.RETRY_MAX_ATTEMPTS, baseDelayMs: env.RETRY_BASE_DELAY_MS, maxDelayMs: env.RETRY_MAX_DELAY_MS },
      keyCooldownMs: env.KEY_COOLDOWN_MS,
      maxInFlight: env.UPSTREAM_MAX_IN_FLIGHT,
      maxQueue: env.UPSTREAM_MAX_QUEUE,
      queueTimeoutMs: env.UPSTREAM_QUEUE_TIMEOUT_MS,
      degradedMode: env.DEGRADED_MODE,
      degradedReply: env.DEGRADED_REPLY_TEXT,
    },
    graphql: {
      introspection: env.GRAPHQL_INTROSPECTION === undefined ? env.NODE_ENV !== 'production' : env.GRAPHQL_INTROSPECTION === 'true',
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxCost: env.GRAPHQL_MAX_COST,
    },
    limits: {
      tiers: Object.fromEntries(
        env.TIERS.map((tier) => [tier, tierLimitsSchema.parse({ ...DEFAULT_TIER_LIMITS[tier], ...env.TIER_LIMITS[tier] })]),
      ),
      anonymousPerMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      streamOpsPerMinute: env.RATE_LIMIT_STREAM_OPS_PER_MINUTE,
      readCostPerMinute: env.RATE_LIMIT_READ_COST_PER_MINUTE,
      writesPerMinute: env.RATE_LIMIT_WRITES_PER_MINUTE,
      authFailures: {
        points: env.RATE_LIMIT_AUTH_FAILURES,
        durationSeconds: env.RATE_LIMIT_AUTH_WINDOW_SECONDS,
        blockSeconds: env.RATE_LIMIT_AUTH_BLOCK_SECONDS,
      },
      trustProxy: env.TRUST_PROXY,
    },
    budget: { prices: { ...DEFAULT_PRICES, ...env.MODEL_PRICES }, reservationTtlMs: env.BUDGET_RESERVATION_TTL_MS },
    auth: {
      jwtSecret,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      tiers: env.TIERS,
    },
    responseCache: {
      enabled: env.RESPONSE_CACHE_ENABLED === 'true',
      similarEnabled: env.RESPONSE_CACHE_SIMILAR_ENABLED === 'true',
      similarLookup: env.RESPONSE_CACHE_SIMILAR_LOOKUP,
      ttlMs: env.RESPONSE_CACHE_TTL_SECONDS * 1000,
      similarityThreshold: env.RESPONSE_CACHE_SIMILARITY_THRESHOLD,
      maxTemperature: env.RESPONSE_CACHE_MAX_TEMPERATURE,
      maxEntriesPerScope: env.RESPONSE_CACHE_MAX_ENTRIES_PER_SCOPE,
      sharedPrompts: env.RESPONSE_CACHE_SHARED_PROMPTS,
      hitBudgetFraction: env.RESPONSE_CACHE_HIT_BUDGET_FRACTION,
      embeddings: {
        model: env.EMBEDDINGS_MODEL,
        dimensions: env.EMBEDDINGS_DIMENSIONS === 0 ? null : env.EMBEDDINGS_DIMENSIONS,
        timeoutMs: env.EMBEDDINGS_TIMEOUT_MS,
        cooldownMs: env.EMBEDDINGS_COOLDOWN_MS,
        encoding: env.EMBEDDINGS_ENCODING,
        baseUrl: env.EMBEDDINGS_BASE_URL,
        apiKey: env.EMBEDDINGS_API_KEY,
        batchWindowMs: env.EMBEDDINGS_BATCH_WINDOW_MS,
        batchMax: env.EMBEDDINGS_BATCH_MAX,
        memoSize: env.EMBEDDINGS_MEMO_SIZE,
      },
    },
    context: {
      maxContextTokens: env.CONTEXT_MAX_TOKENS,
      maxMessages: env.CONTEXT_MESSAGES,
      summaryModel: env.CONTEXT_SUMMARY_MODEL,
      summaryMaxTokens: env.CONTEXT_SUMMARY_MAX_TOKENS,
      keepRecentTurns: env.CONTEXT_KEEP_RECENT_TURNS,
      summaryTimeoutMs: env.CONTEXT_SUMMARY_TIMEOUT_MS,
      cacheTtlSeconds: env.CONTEXT_CACHE_TTL_SECONDS,
    },
    titles: { enabled: env.TITLES_ENABLED === 'true', model: env.TITLE_MODEL ?? env.CONTEXT_SUMMARY_MODEL, timeoutMs: env.TITLE_TIMEOUT_MS },
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
    streaming: {
      generationTimeoutMs: env.GENERATION_TIMEOUT_MS,
      partialFlushMs: env.STREAM_PARTIAL_FLUSH_MS,
      replayTtlMs: env.REPLY_STREAM_TTL_SECONDS * 1000,
      replayMaxEvents: env.REPLY_STREAM_MAX_EVENTS,
      watchPollMs: env.REPLY_WATCH_POLL_MS,
      cancelWaitMs: env.CANCEL_WAIT_MS,
      subscriptionsPerUser: env.SUBSCRIPTIONS_PER_USER,
      connectionInitTimeoutMs: env.WS_CONNECTION_INIT_TIMEOUT_MS,
    },
  };
}

/** `https://app.example.com` or `http://localhost:3000`: what a browser sends as Origin. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Length × Shannon entropy per character: 0 for "ssss…", ~256 for 64 random hex digits. */
function entropyBits(secret: string): number {
  const characters = [...secret];
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * characters.length;
}
