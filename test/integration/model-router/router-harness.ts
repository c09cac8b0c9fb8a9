import { OpenAiLlmClient } from '../../../src/adapters/openai/openai-llm-client';
import { FakeOpenAiServer, type RecordedRequest } from '../../../src/dev/fake-openai-server';
import { LlmError } from '../../../src/errors';
import type { CompletionRequest, LlmClient } from '../../../src/ports/llm-client';
import { ResilientLlmClient, type ResilientLlmOptions } from '../../../src/services/model-router';
import type { ClientSettings, UpstreamTarget } from '../../../src/services/model-router';

export const PRIMARY_MODEL = 'primary-model';
export const FALLBACK_MODEL = 'fallback-model';

const routers: ResilientLlmClient[] = [];

export interface Fakes {
  primary: FakeOpenAiServer;
  fallback: FakeOpenAiServer;
}

/** Two fake providers for the whole file, reset before each test; routers are closed after each. */
export function useFakes(): Fakes {
  const fakes: Fakes = { primary: new FakeOpenAiServer(), fallback: new FakeOpenAiServer() };
  beforeAll(async () => {
    await Promise.all([fakes.primary.start(), fakes.fallback.start()]);
  });
  afterAll(async () => {
    await Promise.all([fakes.primary.stop(), fakes.fallback.stop()]);
  });
  beforeEach(() => {
    fakes.primary.reset();
    fakes.fallback.reset();
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((router) => router.close()));
  });
  return fakes;
}

export function openAiFactory(settings: ClientSettings): LlmClient {
  return new OpenAiLlmClient({ ...settings, maxRetries: 0 });
}

export function targetsFor(fakes: Fakes, primaryKeys = ['sk-primary'], fallbackKeys = ['sk-fallback']): UpstreamTarget[] {
  return [
    { provider: 'primary', baseUrl: fakes.primary.url, model: PRIMARY_MODEL, apiKeys: primaryKeys },
    { provider: 'backup', baseUrl: fakes.fallback.url, model: FALLBACK_MODEL, apiKeys: fallbackKeys },
  ];
}

export type RouterOverrides = Partial<Omit<ResilientLlmOptions, 'breaker' | 'retry'>> & {
  breaker?: Partial<ResilientLlmOptions['breaker']>;
  retry?: Partial<ResilientLlmOptions['retry']>;
};

/** A router over both fakes through the real OpenAI adapter, with small timeouts; closed after the test. */
export function createRouter(fakes: Fakes, overrides: RouterOverrides = {}): ResilientLlmClient {
  const { breaker, retry, ...rest } = overrides;
  const router = new ResilientLlmClient({
    targets: targetsFor(fakes),
    createClient: openAiFactory,
    keyCooldownMs: 5_000,
    maxInFlight: 10,
    maxQueue: 10,
    queueTimeoutMs: 1_000,
    ...rest,
    breaker: {
      timeoutMs: 1_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 2,
      rollingCountTimeoutMs: 10_000,
      resetTimeoutMs: 300,
      ...breaker,
    },
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, ...retry },
  });
  routers.push(router);
  return router;
}

export function ask(extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return { model: PRIMARY_MODEL, messages: [{ role: 'user', content: 'Where is Porto?' }], ...extra };
}

export function chatRequests(fake: FakeOpenAiServer): RecordedRequest[] {
  return fake.requests.filter((recorded) => recorded.path === '/v1/chat/completions');
}

export async function llmError(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof LlmError) return error;
    throw new Error(`expected an LlmError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the model call to fail');
}

export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function healthOf(router: ResilientLlmClient, upstream: string) {
  const found = router.health().find((entry) => entry.upstream === upstream);
  if (!found) throw new Error(`no breaker for ${upstream}`);
  return found;
}

export const PRIMARY = `primary/${PRIMARY_MODEL}`;
export const FALLBACK = `backup/${FALLBACK_MODEL}`;
