import type { LlmClient } from '../../../src/ports/llm-client';
import { ResilientLlmClient, type ResilientLlmOptions } from '../../../src/services/model-router';

const unusedClient = (): LlmClient => {
  throw new Error('no call expected');
};

const valid: ResilientLlmOptions = {
  targets: [{ provider: 'openai', model: 'gpt-4o-mini', apiKeys: ['k'] }],
  createClient: unusedClient,
  breaker: { timeoutMs: 1, errorThresholdPercentage: 50, volumeThreshold: 0, rollingCountTimeoutMs: 1, resetTimeoutMs: 1 },
  retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  keyCooldownMs: 0,
  maxInFlight: 1,
  maxQueue: 0,
  queueTimeoutMs: 0,
};

describe('ResilientLlmClient options', () => {
  it('accepts the smallest sensible settings', async () => {
    await new ResilientLlmClient(valid).close();
  });

  it('refuses bad settings with one error naming each of them', () => {
    const bad: ResilientLlmOptions = {
      ...valid,
      targets: [{ provider: 'openai', model: '', apiKeys: [] }],
      retry: { ...valid.retry, maxAttempts: 0 },
      maxInFlight: Number.NaN,
    };
    expect(() => new ResilientLlmClient(bad)).toThrow(
      /targets\[0\]\.model.*targets\[0\]\.apiKeys.*retry\.maxAttempts.*maxInFlight/,
    );
  });

  it('needs at least one target', () => {
    expect(() => new ResilientLlmClient({ ...valid, targets: [] })).toThrow(/at least one upstream/);
  });
});
