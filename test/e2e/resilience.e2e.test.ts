import { FakeOpenAiServer } from '../../src/dev/fake-openai-server';
import { SEND } from '../helpers/operations';
import { conversationOf, codes, startTestApp, type TestApp } from '../helpers/test-app';

interface Sent {
  sendMessage: {
    assistantMessage: { content: string; status: string; model: string; usage: { totalTokens: number } | null };
    usage: { totalTokens: number };
  };
}

const USED_TODAY = '{ usage { day { usedTokens } } }';

describe('model trouble, end to end', () => {
  let backup: FakeOpenAiServer;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    backup = new FakeOpenAiServer();
    await backup.start(0);
    t = await startTestApp({
      env: {
        LLM_FALLBACKS: JSON.stringify([{ model: 'backup-model', provider: 'backup', baseUrl: backup.url, apiKeys: ['sk-backup'] }]),
        BREAKER_TIMEOUT_MS: '500',
        BREAKER_VOLUME_THRESHOLD: '2',
        BREAKER_RESET_TIMEOUT_MS: '400',
        RETRY_MAX_ATTEMPTS: '2',
        DEGRADED_REPLY_TEXT: 'Degraded: try later.',
      },
    });
    token = await t.token('resilient-user');
  });
  afterAll(async () => {
    await t.stop();
    await backup.stop();
  });
  beforeEach(() => {
    t.fake.reset();
    backup.reset();
  });

  it('a failing primary is replaced by the fallback model, and the reply says which model answered', async () => {
    t.fake.enqueueFaults(Array.from({ length: 4 }, () => ({ type: 'status' as const, status: 500 as const })));
    const sent = await t.gql<Sent>(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'anyone?' } });
    expect(sent.data!.sendMessage.assistantMessage).toMatchObject({ status: 'COMPLETE', model: 'backup-model' });
    expect(backup.requestCount('/v1/chat/completions')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 450));
  });

  it('everything down: a stored DEGRADED reply, never charged, and left out of later context', async () => {
    const everything = Array.from({ length: 10 }, () => ({ type: 'status' as const, status: 503 as const }));
    t.fake.enqueueFaults(everything);
    backup.enqueueFaults(everything);
    const conversationId = await conversationOf(t, token);
    const usedBefore = await t.gql<{ usage: { day: { usedTokens: number } } }>(token, USED_TODAY);
    const sent = await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'hello?' } });
    expect(sent.errors).toBeUndefined();
    expect(sent.data!.sendMessage.assistantMessage).toEqual(
      expect.objectContaining({ status: 'DEGRADED', content: 'Degraded: try later.', usage: null }),
    );
    expect(sent.data!.sendMessage.usage.totalTokens).toBe(0);
    const usedAfter = await t.gql<{ usage: { day: { usedTokens: number } } }>(token, USED_TODAY);
    expect(usedAfter.data!.usage.day.usedTokens).toBe(usedBefore.data!.usage.day.usedTokens);
    const stored = await t.store.listMessages('resilient-user', conversationId, { direction: 'asc', limit: 10 });
    expect(stored.map((message) => message.status)).toEqual(['COMPLETE', 'DEGRADED']);

    t.fake.reset();
    backup.reset();
    await new Promise((resolve) => setTimeout(resolve, 450));
    await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'now?' } });
    const lastCall = [...t.fake.requests, ...backup.requests].at(-1)!;
    expect(lastCall.messages).toEqual([
      { role: 'user', content: 'hello?' },
      { role: 'user', content: 'now?' },
    ]);
  });
});

describe('rate limited by the provider', () => {
  it('429 with Retry-After: one delayed retry within the breaker timeout, then the reply', async () => {
    const t = await startTestApp({ env: { BREAKER_TIMEOUT_MS: '3000', OPENAI_TIMEOUT_MS: '3000' } });
    try {
      const token = await t.token('patient');
      t.fake.enqueueFaults([{ type: 'rate_limit', retryAfterSeconds: 1 }]);
      const startedAt = Date.now();
      const sent = await t.gql<Sent>(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'patience' } });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
      expect(sent.data!.sendMessage.assistantMessage).toMatchObject({ status: 'COMPLETE', content: 'Echo: patience' });
      expect(t.fake.requestCount('/v1/chat/completions')).toBe(2);
    } finally {
      await t.stop();
    }
  });
});

describe('upstream capacity', () => {
  it('beyond the in-flight cap and its queue, fails fast with SERVICE_UNAVAILABLE', async () => {
    const t = await startTestApp({ env: { UPSTREAM_MAX_IN_FLIGHT: '1', UPSTREAM_MAX_QUEUE: '0' } });
    try {
      const token = await t.token('crowd');
      const ids = await Promise.all([conversationOf(t, token), conversationOf(t, token)]);
      t.fake.setLatency(300);
      const results = await Promise.all(ids.map((conversationId) => t.gql<Sent>(token, SEND, { input: { conversationId, content: 'x' } })));
      expect(results.map((result) => codes(result)).sort()).toEqual([[], ['SERVICE_UNAVAILABLE']]);
      expect(t.fake.requestCount('/v1/chat/completions')).toBe(1);
    } finally {
      await t.stop();
    }
  });
});
