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
  const llm = overrides.llm ?? createLlm(config);
  const limits = { ...config.chat, models: config.openai.models, defaultModel: config.openai.defaultModel };
  const conversations = new ConversationService({
    store,
    limits,
    pages: { defaultSize: config.chat.pageSizeDefault, maxSize: config.chat.pageSizeMax },
  });
  const limitsService = createRateLimits(config, redis, log);
  const chat = new ChatService({
    store, llm, log, limits: limitsService,
    options: { ...limits, maxCompletionTokens: config.openai.maxCompletionTokens },
  });
  const tokens = new TokenVerifier({ secret: config.auth.jwtSecret, jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience, tiers: config.auth.tiers });
  const httpServer = createServer();
  const apollo = createApollo(config, log, httpServer, overrides.sandboxHeaders);
  await apollo.start();
  const readiness = new ReadinessProbe(readinessChecks(store, redis));
  httpServer.on('request', createHttpApp({ apollo, readiness, log, trustProxy: config.limits.trustProxy, context: contextFactory({ tokens, limits: limitsService, conversations, chat, log }) }));
  const sweeper = new PendingSweeper(store, log, config.chat.pendingStaleMs);
  sweeper.start();
  let stopping: Promise<void> | null = null;
  return {
    httpServer, store, log,
    listen: (port = config.http.port, host = config.http.host) => listen(httpServer, port, host),
    stop: () => (stopping ??= shutdown(apollo, sweeper, overrides.store ? null : store, redis, log)),
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

function createLlm(config: Config): LlmClient {
  if (!config.openai.apiKey) {
    throw new Error('OPENAI_API_KEY is not set (npm run dev starts a local fake model when it is unset)');
  }
  return new OpenAiLlmClient({
    apiKey: config.openai.apiKey,
    baseUrl: config.openai.baseUrl,
    timeoutMs: config.openai.timeoutMs,
    maxRetries: config.openai.maxRetries,
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
async function shutdown(apollo: ApolloServer<GraphQLContext>, sweeper: PendingSweeper, ownStore: ChatStore | null, redis: Redis | null, log: Logger): Promise<void> {
  sweeper.stop();
  await apollo.stop();
  await ownStore?.close();
  if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis?.disconnect();
  log.info('parley stopped');
}
