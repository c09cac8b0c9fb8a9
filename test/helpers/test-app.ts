import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-http';
import type { ExecutionResult } from 'graphql';
import { createApp, type App } from '../../src/app';
import { DEV_JWT_SECRET, loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/observability/logger';
import type { ChatStore } from '../../src/ports/chat-store';
import type { Embedder } from '../../src/ports/embedder';
import { signDevToken } from '../../src/services/dev-tokens';
import { FakeOpenAiServer, type FakeOpenAiServerOptions } from '../../src/dev/fake-openai-server';
import { testMongo, testRedisUrl } from '../setup/test-services';
import { MongoChatStore } from '../../src/adapters/mongo/mongo-chat-store';
import { connectMongo } from '../../src/adapters/mongo/mongo-connection';
import { guardUnavailable } from '../../src/adapters/mongo/unavailable-guard';
import { CREATE } from './operations';

export interface TestApp {
  app: App;
  url: string;
  fake: FakeOpenAiServer;
  store: ChatStore;
  token(userId: string, tier?: string): Promise<string>;
  /** Runs one operation through graphql-http's client, as a frontend would. */
  gql<T = Record<string, unknown>>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<ExecutionResult<T>>;
  /** GET /metrics as text. */
  metrics(): Promise<string>;
  /** Raw POST /graphql, for assertions on HTTP status and headers. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  store?: ChatStore;
  fake?: FakeOpenAiServer;
  log?: Logger;
  embedder?: Embedder;
  /** For the fake model this helper starts (ignored when `fake` is given). */
  fakeOptions?: FakeOpenAiServerOptions;
}

/** Parley on an ephemeral loopback port, with the real Redis from global setup and a fake model. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const fake = options.fake ?? new FakeOpenAiServer(options.fakeOptions);
  const ownsFake = !options.fake;
  if (ownsFake) await fake.start(0);
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: testRedisUrl(),
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    OPENAI_MAX_RETRIES: '0',
    OPENAI_TIMEOUT_MS: '2000',
    BREAKER_TIMEOUT_MS: '2000',
    RETRY_BASE_DELAY_MS: '10',
    RETRY_MAX_DELAY_MS: '50',
    // Each app its own keys, so parallel test files never share limits or budgets.
    REDIS_KEY_PREFIX: `parley-test:${randomUUID()}:`,
    // The response cache changes how many model calls repeats make; tests about it turn it on.
    RESPONSE_CACHE_ENABLED: 'false',
    // Generated titles add a model call after a first reply; tests about them turn them on.
    TITLES_ENABLED: 'false',
    // Limits out of the way unless a test is about them.
    TIER_LIMITS: JSON.stringify({
      free: { sendPerMinute: 100_000, maxConcurrentGenerations: 1_000 },
      pro: { sendPerMinute: 100_000, maxConcurrentGenerations: 1_000 },
    }),
    ...options.env,
  });
  const mongo = options.store ? null : await mongoStoreForTests();
  const app = await createApp(config, {
    log: options.log ?? createLogger({ level: 'error', pretty: false, silent: true }),
    store: options.store ?? mongo?.store,
    embedder: options.embedder,
  });
  const url = await app.listen(0, '127.0.0.1');
  const clients = new Map<string, Client>();
  const client = (token: string | null) => {
    const key = token ?? '';
    if (!clients.has(key)) {
      clients.set(key, createClient({ url: `${url}/graphql`, headers: token ? { authorization: `Bearer ${token}` } : {} }));
    }
    return clients.get(key)!;
  };
  return {
    app, url, fake, store: app.store,
    token: (userId, tier) => signDevToken({ secret: DEV_JWT_SECRET, userId, tier }),
    gql: (token, query, variables) => execute(client(token), query, variables),
    metrics: async () => (await fetch(app.metricsUrl())).text(),
    post: (body, headers = {}) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
    stop: async () => {
      await app.stop();
      await mongo?.drop();
      if (ownsFake) await fake.stop();
    },
  };
}

let databases = 0;

/**
 * With PARLEY_TEST_STORE=mongo (npm run test:mongo), each test app gets a MongoDB database of its
 * own, dropped when it stops; otherwise null (the app uses the memory store).
 */
async function mongoStoreForTests(): Promise<{ store: ChatStore; drop: () => Promise<void> } | null> {
  if (process.env.PARLEY_TEST_STORE !== 'mongo') return null;
  const mongo = testMongo();
  if (mongo.kind === 'skipped') throw new Error(`PARLEY_TEST_STORE=mongo but no MongoDB: ${mongo.reason}`);
  const url = new URL(mongo.uri);
  databases += 1;
  url.pathname = `/parley_e2e_${process.pid}_${databases}`;
  const connection = await connectMongo({ uri: url.toString(), poolSize: 5 });
  const store = new MongoChatStore(connection);
  await store.init();
  return {
    store: guardUnavailable(store),
    drop: async () => {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** Runs `test` against an app of its own, stopped afterwards whatever happens. */
export async function withTestApp(options: TestAppOptions, test: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startTestApp(options);
  try {
    await test(t);
  } finally {
    await t.stop();
  }
}

function execute<T>(client: Client, query: string, variables?: Record<string, unknown>): Promise<ExecutionResult<T>> {
  return new Promise((resolve, reject) => {
    let result: ExecutionResult<T> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => void (result = value as ExecutionResult<T>),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('no result'))),
      },
    );
  });
}

/** The `extensions.code` of each error, in order. */
export function codes(result: { errors?: ExecutionResult['errors'] }): unknown[] {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}

/** A new conversation of the token's user (createConversation through the API); its id. */
export async function conversationOf(t: TestApp, token: string, input: { model?: string; title?: string; systemPrompt?: string } = {}): Promise<string> {
  const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input });
  return created.data!.createConversation.id;
}
