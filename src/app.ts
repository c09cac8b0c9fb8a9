import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import { MemoryChatStore } from './adapters/memory/memory-chat-store';
import { MongoChatStore } from './adapters/mongo/mongo-chat-store';
import { connectMongo } from './adapters/mongo/mongo-connection';
import { guardUnavailable } from './adapters/mongo/unavailable-guard';
import { OpenAiLlmClient } from './adapters/openai/openai-llm-client';
import { connectRedis } from './adapters/redis/redis-connection';
import { RedisConcurrencyLimiter } from './adapters/redis/redis-concurrency-limiter';
import { MemoryConcurrencyLimiter } from './adapters/memory/memory-concurrency-limiter';
import { memoryRateLimiter, redisRateLimiter } from './adapters/flexible/flexible-rate-limiter';
import type { RateLimiterSpec } from './ports/rate-limiter';
import { InsuredConcurrencyLimiter, InsuredRateLimiter } from './services/insured-limiters';
import { RateLimitService } from './services/rate-limit.service';
import { contextFactory, type GraphQLContext } from './graphql/context';
import { formatError } from './graphql/format-error';
import { createHttpApp } from './graphql/http-app';
import { ReadinessProbe, type ReadinessCheck } from './graphql/readiness';
import { requestLogPlugin } from './graphql/request-log.plugin';
import { resolvers } from './graphql/resolvers';
import { loadTypeDefs } from './graphql/schema';
import { createLogger, type Logger } from './observability/logger';
import type { ChatStore } from './ports/chat-store';
import type { LlmClient } from './ports/llm-client';
import { ChatService } from './services/chat.service';
import { ConversationService } from './services/conversation.service';
import { PendingSweeper } from './services/pending-sweeper';
import { TokenVerifier } from './services/token-verifier';
import { BudgetService } from './services/budget.service';
import { TokenCounter } from './services/token-counter';
import { ResilientLlmClient, type ResilienceEvents } from './services/model-router';
import { RedisBudgetStore } from './adapters/redis/redis-budget-store';
import { MemoryBudgetStore } from './adapters/memory/memory-budget-store';

/** Replaceable parts, for tests and the dev launcher; anything not given is built from config. */
export interface AppOverrides {
  log?: Logger;
  store?: ChatStore;
  llm?: LlmClient;
  /** Headers the Sandbox landing page starts with (the dev launcher pre-fills a token). */
  sandboxHeaders?: Record<string, string>;
}

export interface App {
  httpServer: Server;
  store: ChatStore;
  log: Logger;
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(port?: number, host?: string): Promise<string>;
  /** Drains in-flight requests, then closes every connection. Safe to call twice. */
  stop(): Promise<void>;
}

/** The composition root: the only place adapters are wired into services. */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, pretty: !config.isProduction });
  const store = overrides.store ?? (await createStore(config, log));
  const redis = config.redis.url ? await createRedis(config, log) : null;
  const ownLlm = overrides.llm ? null : createLlm(config, log);
  const llm = overrides.llm ?? ownLlm!;
  const limits = { ...config.chat, models: config.openai.models, defaultModel: config.openai.defaultModel };
  const conversations = new ConversationService({
    store,
    limits,
    pages: { defaultSize: config.chat.pageSizeDefault, maxSize: config.chat.pageSizeMax },
  });
  const limitsService = createRateLimits(config, redis, log);
  const budget = createBudget(config, redis, log);
  const chat = new ChatService({
    store, llm, log, limits: limitsService, budget, tokens: new TokenCounter(),
    options: { ...limits, ...config.resilience, maxCompletionTokens: config.openai.maxCompletionTokens },
  });
  const tokens = new TokenVerifier({ secret: config.auth.jwtSecret, jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience, tiers: config.auth.tiers });
  const httpServer = createServer();
  const apollo = createApollo(config, log, httpServer, overrides.sandboxHeaders);
  await apollo.start();
  const readiness = new ReadinessProbe(readinessChecks(store, redis));
  httpServer.on('request', createHttpApp({ apollo, readiness, log, trustProxy: config.limits.trustProxy, context: contextFactory({ tokens, limits: limitsService, conversations, chat, budget, log }) }));
  const sweeper = new PendingSweeper(store, log, config.chat.pendingStaleMs);
  sweeper.start();
  let stopping: Promise<void> | null = null;
  return {
    httpServer, store, log,
    listen: (port = config.http.port, host = config.http.host) => listen(httpServer, port, host),
    stop: () =>
      (stopping ??= shutdown(apollo, log, [
        async () => sweeper.stop(),
        async () => ownLlm?.close(),
        async () => (overrides.store ? undefined : store.close()),
        async () => closeRedis(redis),
      ])),
  };
}

function createApollo(config: Config, log: Logger, httpServer: Server, sandboxHeaders?: Record<string, string>) {
  const landing = config.isProduction
    ? ApolloServerPluginLandingPageDisabled()
    : ApolloServerPluginLandingPageLocalDefault({ embed: true, headers: sandboxHeaders });
  return new ApolloServer<GraphQLContext>({
    schema: makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers }),
    introspection: !config.isProduction,
    includeStacktraceInErrorResponses: false,
    // main.ts owns signals: it drains, then closes the store and Redis before exiting.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.http.shutdownGraceMs }),
      landing,
      requestLogPlugin(log),
    ],
  });
}

async function createStore(config: Config, log: Logger): Promise<ChatStore> {
  if (!config.mongo.uri) {
    log.warn('MONGODB_URI is not set: using the in-memory store. NOTHING WILL PERSIST across restarts.');
    return new MemoryChatStore();
  }
  const store = new MongoChatStore(await connectMongo({ uri: config.mongo.uri, poolSize: config.mongo.poolSize }));
  await store.init();
  return guardUnavailable(store);
}

async function createRedis(config: Config, log: Logger): Promise<Redis> {
  const redis = await connectRedis({ url: config.redis.url!, commandTimeoutMs: config.redis.commandTimeoutMs });
  let lastWarned = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastWarned < 10_000) return;
    lastWarned = Date.now();
    log.warn('redis connection error', { err: error.message });
  });
  return redis;
}

function createRateLimits(config: Config, redis: Redis | null, log: Logger): RateLimitService {
  const prefix = config.redis.keyPrefix;
  const warned = new Map<string, number>();
  const onInsurance = (limiter: string, error: unknown) => {
    if (Date.now() - (warned.get(limiter) ?? 0) < 10_000) return;
    warned.set(limiter, Date.now());
    log.warn('rate limiter fell back to in-process limits', { limiter, err: error instanceof Error ? error.message : String(error) });
  };
  const createLimiter = (spec: RateLimiterSpec) =>
    redis ? new InsuredRateLimiter(spec.name, redisRateLimiter(redis, spec, `${prefix}rl`), memoryRateLimiter(spec), onInsurance) : memoryRateLimiter(spec);
  const local = new MemoryConcurrencyLimiter();
  const concurrency = redis ? new InsuredConcurrencyLimiter(new RedisConcurrencyLimiter(redis, `${prefix}slots:`), local, onInsurance) : local;
  return new RateLimitService({
    createLimiter,
    concurrency,
    options: { ...config.limits, generationTtlMs: config.chat.pendingStaleMs },
  });
}

/** The resilient client over every configured upstream: primary provider, then LLM_FALLBACKS. */
function createLlm(config: Config, log: Logger): ResilientLlmClient {
  const { openai, resilience } = config;
  if (openai.apiKeys.length === 0) {
    throw new Error('OPENAI_API_KEY is not set (npm run dev starts a local fake model when it is unset)');
  }
  const primary = { provider: 'openai', baseUrl: openai.baseUrl, model: openai.defaultModel, apiKeys: openai.apiKeys };
  const fallbacks = openai.fallbacks.map((target) => ({
    provider: target.provider ?? (target.baseUrl ? new URL(target.baseUrl).host : 'openai'),
    baseUrl: target.baseUrl ?? openai.baseUrl,
    model: target.model,
    apiKeys: target.apiKeys ?? openai.apiKeys,
  }));
  return new ResilientLlmClient({
    targets: [primary, ...fallbacks],
    createClient: (settings) => new OpenAiLlmClient({ ...settings, maxRetries: openai.maxRetries }),
    breaker: resilience.breaker,
    retry: resilience.retry,
    keyCooldownMs: resilience.keyCooldownMs,
    maxInFlight: resilience.maxInFlight,
    maxQueue: resilience.maxQueue,
    queueTimeoutMs: resilience.queueTimeoutMs,
    events: resilienceLog(log),
  });
}

function resilienceLog(log: Logger): ResilienceEvents {
  return {
    onBreakerState: (upstream, state) => log.warn('circuit breaker changed state', { upstream, state }),
    onFallback: (event) => log.warn('model fallback taken', { ...event }),
    onKeyCooldown: (event) => log.warn('api key cooling down', { ...event }),
    onQuotaExhausted: (event) => log.error('model provider quota exhausted', { ...event }),
    onQueueRejected: (event) => log.warn('upstream queue full: request refused', { ...event }),
    onExhausted: (failures) => log.error('every model upstream failed', { failures }),
  };
}

function createBudget(config: Config, redis: Redis | null, log: Logger): BudgetService {
  const fallback = new MemoryBudgetStore();
  return new BudgetService({
    store: redis ? new RedisBudgetStore(redis, { prefix: `${config.redis.keyPrefix}budget:` }) : fallback,
    fallback,
    tiers: config.limits.tiers,
    prices: config.budget.prices,
    reservationTtlMs: config.budget.reservationTtlMs,
    storeTimeoutMs: config.redis.commandTimeoutMs,
    log,
  });
}

function readinessChecks(store: ChatStore, redis: Redis | null): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
  if (redis) checks.push({ name: 'redis', check: async () => void (await redis.ping()) });
  return checks;
}

function listen(httpServer: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      const address = httpServer.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

/** Closes only what this app opened: a store handed in belongs to the caller. */
/** Drains HTTP first, then closes only what this app opened (a store handed in is the caller's). */
async function shutdown(apollo: ApolloServer<GraphQLContext>, log: Logger, closers: Array<() => Promise<unknown>>): Promise<void> {
  await apollo.stop();
  for (const close of closers) {
    await close().catch((error: unknown) => log.warn('error while closing', { err: error }));
  }
  log.info('parley stopped');
}

async function closeRedis(redis: Redis | null): Promise<void> {
  if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis?.disconnect();
}
