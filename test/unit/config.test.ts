import { ConfigError, DEV_JWT_SECRET, loadConfig } from '../../src/config';

/** What a correct production deployment sets; tests remove or spoil one thing at a time. */
const production = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-of-more-than-32-bytes',
  MONGODB_URI: 'mongodb://db.internal:27017/parley?replicaSet=rs0',
  REDIS_URL: 'redis://cache.internal:6379',
  OPENAI_API_KEY: 'sk-live-key',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

/** The variable each problem names (problems read "NAME: reason"). */
function named(error: ConfigError): string[] {
  return error.problems.map((problem) => problem.split(':')[0] ?? '');
}

describe('loadConfig defaults', () => {
  it('an empty environment gives a working development configuration', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      isProduction: false,
      http: { host: '0.0.0.0', port: 4000 },
      logLevel: 'info',
      mongo: { uri: undefined, poolSize: 20 },
      redis: { url: undefined, commandTimeoutMs: 500 },
      openai: { defaultModel: 'gpt-4o-mini', models: ['gpt-4o-mini'], timeoutMs: 30_000, maxRetries: 0 },
      auth: { jwtSecret: DEV_JWT_SECRET, tiers: ['free', 'pro'] },
      chat: { pageSizeDefault: 50, pageSizeMax: 200, maxMessageChars: 16_000, maxTitleChars: 200 },
    });
  });

  it('reads numbers from their string form', () => {
    const config = loadConfig({ PORT: '8080', MAX_MESSAGE_CHARS: '100', OPENAI_MAX_RETRIES: '0' });
    expect(config.http.port).toBe(8080);
    expect(config.chat.maxMessageChars).toBe(100);
    expect(config.openai.maxRetries).toBe(0);
  });

  it('treats blank optional settings as unset', () => {
    const config = loadConfig({ MONGODB_URI: '', REDIS_URL: '  ', OPENAI_BASE_URL: '' });
    expect(config.mongo.uri).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.openai.baseUrl).toBeUndefined();
  });

  it('uses no development secret once a JWKS URL is configured', () => {
    const config = loadConfig({ JWT_JWKS_URL: 'https://issuer.example/.well-known/jwks.json' });
    expect(config.auth).toMatchObject({ jwtSecret: undefined, jwksUrl: 'https://issuer.example/.well-known/jwks.json' });
  });
});

describe('loadConfig problems', () => {
  it('names every bad variable in one ConfigError', () => {
    const error = configError({ PORT: 'eighty', LOG_LEVEL: 'loud', OPENAI_BASE_URL: 'not a url' });
    expect(named(error)).toEqual(expect.arrayContaining(['PORT', 'LOG_LEVEL', 'OPENAI_BASE_URL']));
    for (const variable of ['PORT', 'LOG_LEVEL', 'OPENAI_BASE_URL']) expect(error.message).toContain(variable);
  });

  it('refuses a port no socket can listen on', () => {
    expect(named(configError({ PORT: '70000' }))).toEqual(['PORT']);
  });

  it('puts each problem on its own line of the message', () => {
    const error = configError({ PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(error.message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(error.problems.length);
  });

  it('reports invalid values and cross-setting problems together', () => {
    const error = configError({ ...production, MONGODB_URI: '', PORT: 'eighty' });
    expect(named(error)).toEqual(expect.arrayContaining(['PORT', 'MONGODB_URI']));
  });

  it('refuses a default page size above the maximum', () => {
    expect(named(configError({ PAGE_SIZE_DEFAULT: '300', PAGE_SIZE_MAX: '200' }))).toContain('PAGE_SIZE_DEFAULT');
  });

  it('refuses a stale-reply window shorter than the longest model call', () => {
    const error = configError({ OPENAI_TIMEOUT_MS: '60000', OPENAI_MAX_RETRIES: '1', PENDING_STALE_MS: '120000' });
    expect(named(error)).toContain('PENDING_STALE_MS');
  });
});

describe('loadConfig in production', () => {
  it('accepts a complete production environment and keeps its secret', () => {
    const config = loadConfig(production);
    expect(config.isProduction).toBe(true);
    expect(config.auth.jwtSecret).toBe(production.JWT_SECRET);
  });

  it('accepts a JWKS URL instead of a secret', () => {
    const { JWT_SECRET: _secret, ...withoutSecret } = production;
    const config = loadConfig({ ...withoutSecret, JWT_JWKS_URL: 'https://issuer.example/jwks.json' });
    expect(config.auth.jwtSecret).toBeUndefined();
  });

  it('lists every missing service and the missing secret at once', () => {
    const error = configError({ NODE_ENV: 'production' });
    expect(named(error)).toEqual(
      expect.arrayContaining(['JWT_SECRET or JWT_JWKS_URL', 'MONGODB_URI', 'REDIS_URL', 'OPENAI_API_KEY']),
    );
  });

  it.each(['MONGODB_URI', 'REDIS_URL', 'OPENAI_API_KEY'] as const)('refuses a missing %s', (variable) => {
    expect(named(configError({ ...production, [variable]: '' }))).toEqual([variable]);
  });

  it('refuses a secret shorter than 32 bytes and accepts one of exactly 32', () => {
    expect(named(configError({ ...production, JWT_SECRET: 'Kx9#mQ2$vL7@pR4!wZ8&nT3*bY6^cF1' }))).toEqual(['JWT_SECRET']);
    expect(loadConfig({ ...production, JWT_SECRET: 'Kx9#mQ2$vL7@pR4!wZ8&nT3*bY6^cF1%' }).auth.jwtSecret).toHaveLength(32);
  });

  it('counts the secret in bytes, not characters', () => {
    const sixteenTwoByteChars = 'é'.repeat(16);
    const error = configError({ ...production, JWT_SECRET: sixteenTwoByteChars });
    // Long enough in bytes; refused only for being predictable.
    expect(error.problems).toEqual([expect.stringContaining('too predictable')]);
  });

  it('refuses predictable secrets and the placeholders of the examples (issue 10, finding 9)', () => {
    for (const secret of ['s'.repeat(64), 'abababababababababababababababab', 'compose-local-only-jwt-secret-CHANGE-ME-7f3a9c1e5b', 'your-secret-here-that-is-long-enough-123']) {
      expect(named(configError({ ...production, JWT_SECRET: secret }))).toEqual(['JWT_SECRET']);
    }
    expect(named(configError({ ...production, OPENAI_API_KEY: 'sk-placeholder-set-OPENAI_API_KEY' }))).toEqual(['OPENAI_API_KEY']);
    // What `openssl rand -base64 48` and `openssl rand -hex 32` print pass.
    expect(() => loadConfig({ ...production, JWT_SECRET: 'q1f0Vx7Z0c9mZ3o2gXq4cH6sQ2j3bV1u9pYw8kL5eR4tN7aD2fG6hJ0kM3nB5vC8' })).not.toThrow();
    expect(() => loadConfig({ ...production, JWT_SECRET: '3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f0a9c1e3b5d7f9a2c4e6b8d0f1a' })).not.toThrow();
  });

  it('serves /metrics on port 9464 by default, apart from the API; elsewhere on the API port unless METRICS_PORT is set', () => {
    expect(loadConfig(production).http.metricsPort).toBe(9464);
    expect(loadConfig({ ...production, METRICS_PORT: '9100' }).http.metricsPort).toBe(9100);
    expect(loadConfig({}).http.metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9100' }).http.metricsPort).toBe(9100);
    expect(named(configError({ ...production, METRICS_PORT: '4000' }))).toEqual(['METRICS_PORT']);
  });

  it('keeps the caches on REDIS_URL unless CACHE_REDIS_URL names their own Redis', () => {
    expect(loadConfig(production).redis).toMatchObject({ url: production.REDIS_URL, cacheUrl: undefined });
    expect(loadConfig({ ...production, CACHE_REDIS_URL: 'redis://lru.internal:6379' }).redis).toMatchObject({ url: production.REDIS_URL, cacheUrl: 'redis://lru.internal:6379' });
  });

  it('refuses the development secret', () => {
    const error = configError({ ...production, JWT_SECRET: DEV_JWT_SECRET });
    expect(error.problems).toEqual([expect.stringContaining('development secret')]);
  });

  it('never falls back to the development secret', () => {
    const { JWT_SECRET: _secret, ...withoutSecret } = production;
    expect(named(configError(withoutSecret))).toEqual(['JWT_SECRET or JWT_JWKS_URL']);
  });
});

describe('model allowlist', () => {
  it('OPENAI_MODELS adds to the default model, trimmed and without duplicates', () => {
    const config = loadConfig({ OPENAI_MODEL: 'gpt-4o-mini', OPENAI_MODELS: ' gpt-4.1 , gpt-4o-mini,,o3-mini ' });
    expect(config.openai.defaultModel).toBe('gpt-4o-mini');
    expect(config.openai.models).toEqual(['gpt-4o-mini', 'gpt-4.1', 'o3-mini']);
  });

  it('always allows the configured default model', () => {
    expect(loadConfig({ OPENAI_MODEL: 'gpt-4.1-nano' }).openai.models).toEqual(['gpt-4.1-nano']);
  });
});

describe('similar-query level settings', () => {
  it('is off by default, requests float embeddings of 256 dimensions from the primary provider', () => {
    expect(loadConfig({}).responseCache).toMatchObject({
      enabled: true,
      similarEnabled: false,
      embeddings: { dimensions: 256, encoding: 'float', cooldownMs: 1_000, baseUrl: undefined, apiKey: undefined },
    });
  });

  it('takes its own endpoint, encoding, and 0 for the model\'s own length', () => {
    const config = loadConfig({
      RESPONSE_CACHE_SIMILAR_ENABLED: 'true', EMBEDDINGS_DIMENSIONS: '0', EMBEDDINGS_ENCODING: 'base64',
      EMBEDDINGS_BASE_URL: 'http://127.0.0.1:11434/v1', EMBEDDINGS_API_KEY: 'sk-embeddings',
    });
    expect(config.responseCache).toMatchObject({
      similarEnabled: true,
      embeddings: { dimensions: null, encoding: 'base64', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'sk-embeddings' },
    });
  });

  it('refuses unusable values, naming each', () => {
    const error = configError({ EMBEDDINGS_DIMENSIONS: '4', EMBEDDINGS_ENCODING: 'xml', EMBEDDINGS_BASE_URL: 'not a url', RESPONSE_CACHE_SIMILAR_ENABLED: 'yes' });
    expect(named(error).sort()).toEqual(['EMBEDDINGS_BASE_URL', 'EMBEDDINGS_DIMENSIONS', 'EMBEDDINGS_ENCODING', 'RESPONSE_CACHE_SIMILAR_ENABLED']);
  });
});
