import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import {
  ROOT, commandOf, dependenciesOf, exists, healthcheckText, interpolate, mountsOf, readCompose, readDockerfile, readText, readYaml, requiredVariables, serviceOf,
  type Compose, type Stage,
} from './ops-files';

/** The secrets `docker compose up` needs from .env; nothing else is required. */
const SECRETS = ['JWT_SECRET', 'OPENAI_API_KEY', 'GRAFANA_ADMIN_PASSWORD'];

/** A .env as an operator fills it in: generated secrets. */
const FILLED_ENV = {
  JWT_SECRET: randomBytes(48).toString('base64'),
  OPENAI_API_KEY: `sk-${randomBytes(24).toString('hex')}`,
  GRAFANA_ADMIN_PASSWORD: randomBytes(18).toString('base64'),
};

/** .env.example's assignments. */
function exampleEnv(): Record<string, string> {
  const lines = readText('.env.example').split('\n').filter((line) => /^[A-Z_]+=/.test(line));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** Parley's environment as `docker compose up` passes it with `env` in .env. */
function parleyEnvironment(compose: Compose, env: Record<string, string> = FILLED_ENV): Record<string, string> {
  const environment = serviceOf(compose, 'parley').environment ?? {};
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, interpolate(String(value), env)]));
}

/** Every string anywhere in the file, for the "no variable without a default" rule. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)]);
  return [];
}

describe('docker-compose.yml', () => {
  const compose = readCompose();
  const services = Object.entries(compose.services);

  it('is a Compose-spec file (no version key) with the whole stack, and the fake model only under the demo profile', () => {
    expect(readYaml('docker-compose.yml')).not.toHaveProperty('version');
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['parley', 'mongo', 'redis', 'redis-cache', 'prometheus', 'grafana', 'fake-openai']));
    expect(serviceOf(compose, 'fake-openai').profiles).toEqual(['demo']);
    const profiled = services.filter(([, svc]) => svc.profiles !== undefined).map(([name]) => name);
    expect(profiled).toEqual(['fake-openai']);
  });

  it('needs only the secrets from .env: every other ${VAR} has a default, each secret stops compose with a message (issue 10, finding 9)', () => {
    const references = strings(readYaml('docker-compose.yml')).filter((text) => text.includes('$'));
    expect(references.length).toBeGreaterThan(0);
    expect([...new Set(references.flatMap(requiredVariables))].sort()).toEqual([...SECRETS].sort());
    for (const text of references) expect(() => interpolate(text, FILLED_ENV)).not.toThrow();
    for (const secret of SECRETS) {
      const { [secret]: _missing, ...without } = FILLED_ENV as Record<string, string>;
      const failures = references.flatMap((text) => {
        try {
          interpolate(text, without);
          return [];
        } catch (error: unknown) {
          return [(error as Error).message];
        }
      });
      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) expect(failure).toMatch(new RegExp(`^${secret}: set ${secret} in \\.env`));
    }
    expect(Object.keys(exampleEnv()).sort()).toEqual([...SECRETS].sort());
  });

  it('.env.example is refused as it is: production mode takes none of its placeholders', () => {
    expect(() => loadConfig(parleyEnvironment(compose, exampleEnv()))).toThrow(/JWT_SECRET: is a placeholder[\s\S]*OPENAI_API_KEY: is a placeholder/);
  });

  it('publishes ports on 127.0.0.1 only, never the fake model (its control API shows prompts and keys), Grafana without anonymous access', () => {
    for (const [name, svc] of services) {
      for (const mapping of svc.ports ?? []) expect({ name, mapping: interpolate(mapping, FILLED_ENV) }).toEqual({ name, mapping: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
    }
    expect(serviceOf(compose, 'fake-openai').ports ?? []).toEqual([]);
    for (const name of ['mongo', 'redis', 'redis-cache']) expect(serviceOf(compose, name).ports ?? []).toEqual([]);
    const grafana = serviceOf(compose, 'grafana').environment ?? {};
    expect(String(grafana.GF_AUTH_ANONYMOUS_ENABLED)).toBe('false');
    expect(requiredVariables(String(grafana.GF_SECURITY_ADMIN_PASSWORD))).toEqual(['GRAFANA_ADMIN_PASSWORD']);
  });

  it('starts Parley only once MongoDB and Redis are healthy, and never waits on a profile-only service', () => {
    expect(dependenciesOf(serviceOf(compose, 'parley'))).toMatchObject({
      mongo: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'redis-cache': { condition: 'service_healthy' },
    });
    for (const [name, svc] of services) {
      for (const dependency of Object.keys(dependenciesOf(svc))) {
        expect({ service: name, dependency, profiles: serviceOf(compose, dependency).profiles }).toEqual({ service: name, dependency, profiles: undefined });
      }
    }
  });

  it('gives every service that others wait on a healthcheck, and checks Parley on /readyz', () => {
    const awaited = new Set(services.flatMap(([, svc]) => Object.keys(dependenciesOf(svc))));
    for (const name of awaited) expect({ name, test: healthcheckText(serviceOf(compose, name)) }).toEqual({ name, test: expect.stringMatching(/\S/) });
    expect(healthcheckText(serviceOf(compose, 'parley'))).toContain('/readyz');
  });

  it('runs MongoDB as replica set rs0, initiated by its healthcheck, and points Parley at that set', () => {
    const mongo = serviceOf(compose, 'mongo');
    expect(commandOf(mongo).join(' ')).toMatch(/--replSet rs0\b/);
    expect(commandOf(mongo)).toContain('--bind_ip_all');
    const check = healthcheckText(mongo);
    expect(check).toMatch(/rs\.initiate\(\{\s*_id: 'rs0', members: \[\{ _id: 0, host: 'mongo:27017' \}\]/);
    expect(check).toContain('isWritablePrimary');
    const uri = new URL(parleyEnvironment(compose).MONGODB_URI ?? '');
    expect(uri.protocol).toBe('mongodb:');
    expect(uri.host).toBe('mongo:27017');
    expect(uri.searchParams.get('replicaSet')).toBe('rs0');
  });

  it('splits Redis: limits and budgets on a persistent one that never evicts, caches on a bounded one that does (issue 10, finding 9)', () => {
    const redis = serviceOf(compose, 'redis');
    const persistent = commandOf(redis).join(' ');
    expect(persistent).toMatch(/--appendonly yes\b/);
    expect(persistent).toMatch(/--maxmemory-policy noeviction\b/);
    expect(persistent).not.toMatch(/--maxmemory \S/);
    expect(mountsOf(redis)).toContainEqual({ source: 'redis-data', target: '/data', named: true });

    const cache = serviceOf(compose, 'redis-cache');
    const bounded = interpolate(commandOf(cache).join(' '), FILLED_ENV);
    expect(bounded).toMatch(/--maxmemory \d+(mb|gb)\b/);
    expect(bounded).toMatch(/--maxmemory-policy allkeys-(lru|lfu)\b/);
    expect(bounded).toMatch(/--appendonly no\b/);
    expect(mountsOf(cache)).toEqual([]);
    for (const svc of [redis, cache]) expect(healthcheckText(svc)).toMatch(/redis-cli.*ping/);

    const environment = parleyEnvironment(compose);
    expect(new URL(environment.REDIS_URL ?? '').host).toBe('redis:6379');
    expect(new URL(environment.CACHE_REDIS_URL ?? '').host).toBe('redis-cache:6379');
    expect(loadConfig(environment).redis).toMatchObject({ url: environment.REDIS_URL, cacheUrl: environment.CACHE_REDIS_URL });
  });

  it('serves metrics on their own port inside the network and publishes only the API port (issue 10, finding 9)', () => {
    const parley = serviceOf(compose, 'parley');
    const config = loadConfig(parleyEnvironment(compose));
    expect(config.http.metricsPort).toBeDefined();
    expect(config.http.metricsPort).not.toBe(config.http.port);
    const published = (parley.ports ?? []).map((mapping) => interpolate(mapping, FILLED_ENV).split(':').at(-1));
    expect(published).toEqual([String(config.http.port)]);
    for (const [name, svc] of services) {
      for (const mapping of svc.ports ?? []) expect({ name, target: interpolate(mapping, FILLED_ENV).split(':').at(-1) }).not.toEqual({ name, target: String(config.http.metricsPort) });
    }
  });

  it('declares every named volume it uses and uses every one it declares', () => {
    const used = new Set(services.flatMap(([, svc]) => mountsOf(svc).filter((mount) => mount.named).map((mount) => mount.source)));
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    expect([...used].sort()).toEqual([...declared].sort());
    for (const name of ['mongo', 'redis', 'prometheus', 'grafana']) {
      expect(mountsOf(serviceOf(compose, name)).some((mount) => mount.named)).toBe(true);
    }
  });

  it('mounts and builds only paths that exist in the repository', () => {
    for (const [name, svc] of services) {
      for (const mount of mountsOf(svc).filter((item) => !item.named)) expect({ name, mount, exists: exists(mount.source) }).toMatchObject({ exists: true });
      const context = typeof svc.build === 'string' ? svc.build : svc.build?.context;
      if (context !== undefined) expect({ name, context, dockerfile: exists(join(context, 'Dockerfile')) }).toMatchObject({ dockerfile: true });
    }
  });

  it("gives Parley an environment that production-mode config accepts, naming only real variables", () => {
    const environment = parleyEnvironment(compose);
    expect(environment.NODE_ENV).toBe('production');
    const config = loadConfig(environment);
    expect(config.isProduction).toBe(true);
    expect(config.mongo.uri).toBe(environment.MONGODB_URI);
    expect(config.redis.url).toBe(environment.REDIS_URL);
    // zod drops keys it does not know, so a misspelt variable would load silently: each key must
    // be a field of the environment schema in src/config.ts.
    const schema = readText('src/config.ts');
    for (const key of Object.keys(environment)) expect({ key, known: new RegExp(`^\\s+${key}:`, 'm').test(schema) }).toEqual({ key, known: true });
  });

  it('publishes Parley on the port it listens on', () => {
    const parley = serviceOf(compose, 'parley');
    const port = String(loadConfig(parleyEnvironment(compose)).http.port);
    expect((parley.ports ?? []).map((mapping) => interpolate(mapping, FILLED_ENV).split(':').at(-1))).toContain(port);
  });
});

describe('Dockerfile', () => {
  const stages = readDockerfile();
  const runtime = stages.at(-1)!;
  const args = (stage: Stage, keyword: string) => stage.instructions.filter((item) => item.keyword === keyword).map((item) => item.args);
  const stage = (name: string) => stages.find((item) => item.name === name);

  it('builds the runtime last, from node:20-bookworm-slim, running dist/main.js as the node user in production mode', () => {
    expect(runtime.from).toBe('node:20-bookworm-slim');
    expect(args(runtime, 'CMD')).toEqual(['["node", "dist/main.js"]']);
    expect(args(runtime, 'USER')).toEqual(['node']);
    expect(args(runtime, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    expect(args(runtime, 'EXPOSE')).toEqual(['4000']);
    expect(args(runtime, 'HEALTHCHECK').join(' ')).toMatch(/CMD \["node", "-e", ".*\/healthz/);
  });

  it('compiles with npm ci and npm run build, prunes dev dependencies, and ships the schema', () => {
    const runs = stages.flatMap((item) => args(item, 'RUN')).join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm prune --omit=dev\b/);
    const copies = args(runtime, 'COPY');
    expect(copies).toContain('schema ./schema');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies).toContain('--from=prod-deps /app/node_modules ./node_modules');
  });

  it('puts main.js where CMD looks: the build compiles src/ into dist/', () => {
    const build = readYaml('tsconfig.build.json') as { compilerOptions?: { rootDir?: string; outDir?: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(exists('src/main.ts')).toBe(true);
    expect(readText('package.json')).toMatch(/"build": "tsc -p tsconfig\.build\.json/);
  });

  it('has the stage compose builds for the demo model, running what `npm run fake-openai` runs, and keeps what it copies out of .dockerignore', () => {
    const fake = serviceOf(readCompose(), 'fake-openai').build;
    const target = typeof fake === 'object' ? fake.target : undefined;
    expect(target).toBeDefined();
    const script = (JSON.parse(readText('package.json')) as { scripts: Record<string, string> }).scripts['fake-openai'];
    const entry = script?.split(/\s+/).find((word) => word.endsWith('.ts'));
    expect(args(stage(target!)!, 'CMD').join(' ')).toContain(`"${entry}"`);
    const ignored = readText('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    const copied = stages.flatMap((item) => args(item, 'COPY')).filter((copy) => !copy.startsWith('--from')).flatMap((copy) => copy.split(/\s+/).slice(0, -1));
    for (const source of copied) {
      expect({ source, exists: exists(source), ignored: ignored.includes(source.split('/')[0]!) }).toEqual({ source, exists: true, ignored: false });
    }
  });
});

describe('the demo model in its container', () => {
  /** Runs the fake the way the fake-openai stage does and returns the address it reports. */
  function startFake(env: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/dev/fake-openai-main.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
      let output = '';
      const timer = setTimeout(() => finish(new Error(`no address within 15 s; output: ${output}`)), 15_000);
      const finish = (result: string | Error) => {
        clearTimeout(timer);
        child.kill('SIGTERM');
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening at (\S+)/.exec(output);
        if (match) finish(match[1]!);
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('error', finish);
    });
  }

  it('listens on every interface when FAKE_OPENAI_HOST=0.0.0.0, as compose sets it', async () => {
    const compose = serviceOf(readCompose(), 'fake-openai').environment ?? {};
    expect(compose.FAKE_OPENAI_HOST).toBe('0.0.0.0');
    const url = new URL(await startFake({ FAKE_OPENAI_HOST: '0.0.0.0', FAKE_OPENAI_PORT: '0' }));
    expect(url.hostname).toBe('0.0.0.0');
  });
});
