import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createApp } from '../app';
import { ConfigError, loadConfig, type Config } from '../config';
import { stopOnSignals } from '../main';
import { signDevToken } from '../services/dev-tokens';
import { startEmbeddedMongo } from './embedded-mongo';
import { FakeOpenAiServer } from './fake-openai-server';
import { startRedisServer } from './redis-process';

type Stop = () => Promise<void>;
const DEV_USER = 'dev-user';
const FAKE_KEY = 'sk-fake-dev';

const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `npm run dev`: Parley with embedded defaults. Whatever the environment does not name is
 * started here (MongoDB replica set or the memory store, redis-server, the fake model) and
 * stopped again on Ctrl-C.
 */
async function main(): Promise<void> {
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    // A laptop's dev server is for this machine only (its token is on the landing page); HOST opens it up.
    let config = loadConfig({ HOST: '127.0.0.1', ...process.env });
    config = await withMongo(config, stops);
    config = await withRedis(config, stops);
    config = await withModel(config, stops);
    const token = await signDevToken({ secret: config.auth.jwtSecret ?? '', userId: DEV_USER, issuer: config.auth.issuer, audience: config.auth.audience });
    const app = await createApp(config, { sandboxHeaders: { Authorization: `Bearer ${token}` } });
    const url = await app.listen();
    stopOnSignals(app, stopAll);
    banner(url, token, config);
  } catch (error: unknown) {
    // Nothing this launcher started may outlive a failed start.
    await stopAll();
    throw error;
  }
}

/** Where a failed attempt to get a mongod is remembered, so later starts do not try again for a day. */
const NO_MONGOD_FILE = join(__dirname, '..', '..', 'node_modules', '.cache', 'parley', 'no-mongod.json');
const REMEMBER_MS = 24 * 60 * 60 * 1000;

async function withMongo(config: Config, stops: Stop[]): Promise<Config> {
  if (config.mongo.uri) return config;
  if (process.env.PARLEY_STORE === 'memory') {
    say('Store: in-memory (PARLEY_STORE=memory): nothing persists across restarts.');
    return config;
  }
  const remembered = rememberedFailure();
  if (remembered) {
    say(`!!! No MongoDB (found none on ${remembered.at}: ${remembered.reason}); using the IN-MEMORY store, nothing persists. Set MONGODB_URI, or delete ${NO_MONGOD_FILE} to try again.`);
    return config;
  }
  say('Starting an embedded MongoDB replica set (mongodb-memory-server)...');
  const mongo = await startEmbeddedMongo(120_000, true);
  if (mongo.kind === 'started') {
    stops.push(mongo.stop);
    return { ...config, mongo: { ...config.mongo, uri: mongo.uri } };
  }
  remember(mongo.reason);
  say(`!!! No MongoDB (${mongo.reason}); using the IN-MEMORY store, nothing persists. Set MONGODB_URI to keep data, or PARLEY_STORE=memory to skip this check.`);
  return config;
}

function rememberedFailure(): { reason: string; at: string } | null {
  try {
    const saved = JSON.parse(readFileSync(NO_MONGOD_FILE, 'utf8')) as { reason?: unknown; at?: unknown };
    if (typeof saved.reason !== 'string' || typeof saved.at !== 'string') return null;
    return Date.now() - Date.parse(saved.at) < REMEMBER_MS ? { reason: saved.reason, at: saved.at } : null;
  } catch {
    return null;
  }
}

function remember(reason: string): void {
  try {
    mkdirSync(dirname(NO_MONGOD_FILE), { recursive: true });
    writeFileSync(NO_MONGOD_FILE, JSON.stringify({ reason, at: new Date().toISOString() }));
  } catch {
    // Not remembered: the next start tries again, which is only slower.
  }
}

async function withRedis(config: Config, stops: Stop[]): Promise<Config> {
  if (config.redis.url || config.redis.clusterNodes.length > 0) return config;
  const redis = await startRedisServer();
  stops.push(redis.stop);
  return { ...config, redis: { ...config.redis, url: redis.url } };
}

async function withModel(config: Config, stops: Stop[]): Promise<Config> {
  if (config.openai.apiKey) return config;
  const fake = new FakeOpenAiServer();
  const baseUrl = await fake.start(0);
  stops.push(() => fake.stop());
  say(`OPENAI_API_KEY is not set: using the fake model at ${baseUrl} (control API under /_control).`);
  return { ...config, openai: { ...config.openai, apiKey: FAKE_KEY, apiKeys: [FAKE_KEY], baseUrl } };
}

function banner(url: string, token: string, config: Config): void {
  say('');
  say(`Parley is running: ${url}/graphql  (open it in a browser for Apollo Sandbox)`);
  say(`Store: ${config.mongo.uri ? 'MongoDB' : 'in-memory (not persisted)'} · Redis: ${config.redis.url} · Model: ${config.openai.baseUrl ?? 'OpenAI'}`);
  say(`Dev token for "${DEV_USER}" (Sandbox already sends it):`);
  say(`  export TOKEN=${token}`);
  say(`Try: curl -s ${url}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`);
  say(`       -d '{"query":"{ me { id tier } }"}'`);
  say('Ctrl-C stops Parley and everything it started.');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
