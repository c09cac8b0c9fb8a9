import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { Config } from './config';
import { contextFactory, type GraphQLContext } from './graphql/context';
import { formatError } from './graphql/format-error';
import { createHttpApp, createMetricsApp } from './graphql/http-app';
import { operationsPlugin } from './graphql/operations.plugin';
import { ReadinessProbe, type ReadinessCheck } from './graphql/readiness';
import { resolvers } from './graphql/resolvers';
import { loadTypeDefs } from './graphql/schema';
import { createLogger, type Logger } from './observability/logger';
import { Metrics } from './observability/metrics';
import type { ChatStore } from './ports/chat-store';
import type { Embedder } from './ports/embedder';
import type { LlmClient } from './ports/llm-client';
import { ChatService } from './services/chat.service';
import { ConversationService } from './services/conversation.service';
import { PendingSweeper } from './services/pending-sweeper';
import { TokenCounter } from './services/token-counter';
import { TokenVerifier } from './services/token-verifier';
import { ContextWindowService } from './services/context-window/context-window.service';
import type { ResponseCacheService } from './services/response-cache';
import { createContextCache, createResponseCache, embeddingsCheck } from './wiring/caches';
import { createBudget, createRateLimits } from './wiring/cost-control';
import { closeRedis, createRedis, createStore, type RedisConnections } from './wiring/infrastructure';
import { createLlm } from './wiring/model';
import { createStreaming } from './wiring/streaming';
import { createSseRoute } from './graphql/sse-handler';
import { startWebSocketServer } from './graphql/websocket-server';
import { validationRules, type ValidationOptions } from './graphql/validation-rules';
import { queryLimitsPlugin } from './graphql/query-limits.plugin';
import type { RateLimitService } from './services/rate-limit.service';
import { ReplyService } from './services/reply.service';
import { modelCatalog } from './services/model-catalog';
import { TitleService } from './services/title.service';
import type { GenerationRegistry } from './services/streaming/generation-registry';
import type { GraphQLSchema } from 'graphql';

/** Replaceable parts, for tests and the dev launcher; anything not given is built from config. */
export interface AppOverrides {
  log?: Logger;
  store?: ChatStore;
  llm?: LlmClient;
  /** The similar-query level's embedder (used only when that level is enabled). */
  embedder?: Embedder;
  /** Headers the Sandbox landing page starts with (the dev launcher pre-fills a token). */
  sandboxHeaders?: Record<string, string>;
}

export interface App {
  httpServer: Server;
  store: ChatStore;
  log: Logger;
  metrics: Metrics;
  /**
   * Starts listening (and the metrics listener, when METRICS_PORT is set, on the same host);
   * resolves with the API's base URL (http://host:port).
   */
  listen(port?: number, host?: string): Promise<string>;
  /** Where Prometheus scrapes, once listening: the metrics listener's /metrics, else the API's. */
  metricsUrl(): string;
  /** Drains in-flight requests, then closes every connection. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The composition root. With src/wiring/ (which builds the adapter-backed parts), the only
 * place adapters are wired into services.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, pretty: !config.isProduction });
  const metrics = new Metrics();
  const store = await createStore(config, log, metrics, overrides.store);
  const redis = await createRedis(config, log);
  const ownLlm = overrides.llm ? null : createLlm(config, log, metrics);
  const llm = overrides.llm ?? ownLlm!;
  const inputLimits = { ...config.chat, models: config.openai.models, defaultModel: config.openai.defaultModel, maxCompletionTokens: config.openai.maxCompletionTokens };
  const conversations = new ConversationService({
    store,
    limits: inputLimits,
    pages: { defaultSize: config.chat.pageSizeDefault, maxSize: config.chat.pageSizeMax },
    onRating: (model, rating) => metrics.ratings.inc({ model, rating }),
  });
  const limits = createRateLimits(config, redis.main, log, metrics);
  const budget = createBudget(config, redis.main, log, metrics);
  const tokenCounter = new TokenCounter();
  const context = new ContextWindowService({
    store, cache: createContextCache(config, redis.cache, log, metrics), tokens: tokenCounter, summarizer: llm, log,
    options: config.context,
    onCache: (level, result) => metrics.cacheRequests.inc({ level, result }),
  });
  const responseCache = createResponseCache(config, redis.cache, log, metrics, overrides.embedder);
  // Awaited (bounded by the embeddings timeout) so a dead endpoint is reported before traffic arrives.
  await responseCache?.probeEmbeddings();
  const streaming = createStreaming(config, redis.main, store, log, metrics);
  const titles = new TitleService({ store, llm, log, metrics, options: { ...config.titles, maxTitleChars: config.chat.maxTitleChars } });
  const chat = new ChatService({
    store, llm, log, metrics, limits, budget, tokens: tokenCounter, context, titles,
    bus: streaming.bus, generations: streaming.registry,
    cache: responseCache,
    options: {
      ...inputLimits, ...config.resilience, maxCompletionTokens: config.openai.maxCompletionTokens,
      sharedPrompts: config.responseCache.sharedPrompts, hitBudgetFraction: config.responseCache.hitBudgetFraction,
      partialFlushMs: config.streaming.partialFlushMs, idleTimeoutMs: config.openai.timeoutMs, deadlineMs: config.streaming.generationTimeoutMs,
    },
  });
  const replies = new ReplyService({ store, ...streaming, limits, metrics, log, options: config.streaming });
  const tokens = new TokenVerifier({ secret: config.auth.jwtSecret, jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience, tiers: config.auth.tiers });
  const httpServer = createServer();
  const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });
  const models = modelCatalog({ ...inputLimits, maxContextTokens: config.context.maxContextTokens }, budget);
  const contextDeps = { tokens, limits, conversations, chat, replies, budget, log, models };
  const validation = { introspection: config.graphql.introspection, limits: { ...config.graphql, pageSizeDefault: config.chat.pageSizeDefault, pageSizeMax: config.chat.pageSizeMax } };
  const sse = createSseRoute({ schema, context: contextDeps, log, ...validation });
  const websocket = startWebSocketServer({
    httpServer, schema, context: contextDeps, log, trustProxy: config.limits.trustProxy,
    connectionInitTimeoutMs: config.streaming.connectionInitTimeoutMs, ...validation,
  });
  const apollo = createApollo(config, schema, validation, limits, log, metrics, httpServer, overrides.sandboxHeaders, async () => {
    sse.close();
    await websocket.dispose();
  });
  await apollo.start();
  const down = new Set<string>();
  const readiness = new ReadinessProbe(
    readinessChecks(store, redis, responseCache),
    2_000,
    (name, up) => {
      metrics.dependencyUp.set({ dependency: name }, up ? 1 : 0);
      if (up) down.delete(name);
    },
    // Logged once per outage, with the driver's own words.
    (name, error) => {
      if (!down.has(name)) log.warn('readiness check failed', { dependency: name, err: error });
      down.add(name);
    },
  );
  const onScrape = async () => {
    const load = ownLlm?.load() ?? { inFlight: 0, queued: 0 };
    metrics.upstreamInFlight.set(load.inFlight);
    metrics.upstreamQueueDepth.set(load.queued);
    await readiness.check();
  };
  const requestContext = contextFactory(contextDeps);
  const { metricsPort } = config.http;
  httpServer.on('request', createHttpApp({
    apollo, readiness, log, metrics, onScrape, trustProxy: config.limits.trustProxy, context: requestContext, sse,
    corsOrigins: config.http.corsOrigins, strictCsp: config.isProduction, serveMetrics: metricsPort === undefined,
  }));
  const metricsServer = metricsPort === undefined ? null : createServer(createMetricsApp({ metrics, onScrape }));
  let apiUrl: string | undefined;
  let metricsUrl: string | undefined;
  const sweeper = new PendingSweeper(store, log, config.chat.pendingStaleMs);
  sweeper.start();
  let stopping: Promise<void> | null = null;
  return {
    httpServer, store, log, metrics,
    listen: async (port = config.http.port, host = config.http.host) => {
      apiUrl = await listen(httpServer, port, host);
      if (metricsServer) metricsUrl = `${await listen(metricsServer, metricsPort!, host)}/metrics`;
      return apiUrl;
    },
    metricsUrl: () => {
      const url = metricsUrl ?? (apiUrl && !metricsServer ? `${apiUrl}/metrics` : undefined);
      if (!url) throw new Error('metricsUrl: the app is not listening yet');
      return url;
    },
    stop: () =>
      (stopping ??= shutdown(apollo, streaming.registry, config.http.shutdownGraceMs, log, [
        async () => sweeper.stop(),
        async () => streaming.bus.close(),
        async () => titles.drain(),
        async () => ownLlm?.close(),
        async () => (overrides.store ? undefined : store.close()),
        async () => closeRedis(redis),
        async () => closeServer(metricsServer),
      ])),
  };
}

function createApollo(
  config: Config,
  schema: GraphQLSchema,
  validation: ValidationOptions,
  limits: RateLimitService,
  log: Logger,
  metrics: Metrics,
  httpServer: Server,
  sandboxHeaders: Record<string, string> | undefined,
  closeStreams: () => Promise<void>,
) {
  const landing = config.isProduction
    ? ApolloServerPluginLandingPageDisabled()
    : ApolloServerPluginLandingPageLocalDefault({ embed: true, headers: sandboxHeaders });
  return new ApolloServer<GraphQLContext>({
    schema,
    introspection: validation.introspection,
    hideSchemaDetailsFromClientErrors: !validation.introspection,
    validationRules: validationRules(validation),
    parseOptions: { maxTokens: validation.limits.maxTokens },
    includeStacktraceInErrorResponses: false,
    // main.ts owns signals: it drains, then closes the store and Redis before exiting.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.http.shutdownGraceMs }),
      landing,
      // No @cacheControl hints: every answer is the caller's own, sent as no-store (http-app.ts).
      // On, the plugin wraps every field resolver to collect hints, on every request.
      ApolloServerPluginCacheControlDisabled(),
      operationsPlugin(log, metrics),
      queryLimitsPlugin(schema, validation.limits, limits),
      // Open sockets and event streams end at the start of shutdown; clients resume elsewhere with afterSeq.
      { serverWillStart: async () => ({ drainServer: closeStreams }) },
    ],
  });
}

function readinessChecks(store: ChatStore, redis: RedisConnections, responseCache: ResponseCacheService | null): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
  const { main, cache } = redis;
  if (main) checks.push({ name: 'redis', check: async () => void (await main.client.ping()) });
  // The caches absorb their Redis' failures (they miss), so losing it costs tokens, not service.
  if (cache && cache !== main) checks.push({ name: 'cache-redis', critical: false, check: async () => void (await cache.client.ping()) });
  if (responseCache?.embeddingHealth()) checks.push(embeddingsCheck(responseCache));
  return checks;
}

function closeServer(server: Server | null): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
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

/**
 * Stops taking work, drains HTTP while running generations get the grace period to finish (the
 * rest are stopped, keeping their text), then closes only what this app opened (a store handed in
 * is the caller's).
 */
async function shutdown(
  apollo: ApolloServer<GraphQLContext>,
  generations: GenerationRegistry,
  graceMs: number,
  log: Logger,
  closers: Array<() => Promise<unknown>>,
): Promise<void> {
  await Promise.all([apollo.stop(), generations.drain(graceMs)]);
  for (const close of closers) {
    await close().catch((error: unknown) => log.warn('error while closing', { err: error }));
  }
  log.info('parley stopped');
}
