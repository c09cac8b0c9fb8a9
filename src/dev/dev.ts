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

async function withMongo(config: Config, stops: Stop[]): Promise<Config> {
  if (config.mongo.uri) return config;
  say('Starting an embedded MongoDB replica set (mongodb-memory-server)...');
  const mongo = await startEmbeddedMongo();
  if (mongo.kind === 'started') {
    stops.push(mongo.stop);
    return { ...config, mongo: { ...config.mongo, uri: mongo.uri } };
  }
  say(`\n!!! No MongoDB: ${mongo.reason}`);
  say('!!! Falling back to the IN-MEMORY store: nothing persists across restarts. Set MONGODB_URI to keep data.\n');
  return config;
}

async function withRedis(config: Config, stops: Stop[]): Promise<Config> {
  if (config.redis.url) return config;
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
