import type { ExecutionResult } from 'graphql';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { codes, startTestApp, type TestApp } from '../helpers/test-app';
import { CREATE, SEND } from '../helpers/operations';

interface Sent { sendMessage: { assistantMessage: { content: string; status: string } } }

describe('when the model fails (DEGRADED_MODE=error, no retries)', () => {
  let t: TestApp;
  let token: string;
  let conversationId: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { OPENAI_TIMEOUT_MS: '400', BREAKER_TIMEOUT_MS: '400', RETRY_MAX_ATTEMPTS: '1', DEGRADED_MODE: 'error', BREAKER_VOLUME_THRESHOLD: '1000' },
    });
    token = await t.token('alice');
  });
  afterAll(async () => t.stop());
  beforeEach(async () => {
    t.fake.reset();
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    conversationId = created.data!.createConversation.id;
  });

  const send = (content: string, clientMessageId?: string) =>
    t.gql<Sent>(token, SEND, { input: { conversationId, content, clientMessageId } });
  const stored = () => t.store.listMessages('alice', conversationId, { direction: 'asc', limit: 100 });

  const expectFailedAndKept = async (result: ExecutionResult<Sent>, content: string) => {
    expect(codes(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
    const [user, reply] = await stored();
    expect(user).toMatchObject({ role: 'USER', content, status: 'COMPLETE' });
    expect(reply).toMatchObject({ role: 'ASSISTANT', status: 'FAILED', usage: null });
    expect(result.errors![0]!.extensions).toMatchObject({ userMessageId: user!.id, assistantMessageId: reply!.id });
  };

  it('a 500 leaves the user message and a FAILED reply, and answers UPSTREAM_UNAVAILABLE', async () => {
    t.fake.enqueueFaults([{ type: 'status', status: 500 }]);
    await expectFailedAndKept(await send('will fail'), 'will fail');
    const conversation = await t.store.getConversation('alice', conversationId);
    expect(conversation?.usage.totalTokens).toBe(0);
  });

  it('a hung model is cut off at the timeout with a FAILED reply', async () => {
    t.fake.enqueueFaults([{ type: 'hang' }]);
    const startedAt = Date.now();
    const result = await send('will hang');
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    await expectFailedAndKept(result, 'will hang');
  });

  it('a failure triggered by message content (end-to-end fault directive) is handled the same way', async () => {
    await expectFailedAndKept(await send('[[fake:500]] boom'), '[[fake:500]] boom');
  });

  it('keeps serving after failures, and the failed turn is left out of the next context', async () => {
    t.fake.enqueueFaults([{ type: 'status', status: 503 }]);
    await send('first try');
    const next = await send('second try');
    expect(next.data!.sendMessage.assistantMessage).toMatchObject({ status: 'COMPLETE', content: 'Echo: second try' });
    const lastCall = t.fake.requests.at(-1)!;
    expect(lastCall.messages).toEqual([
      { role: 'user', content: 'first try' },
      { role: 'user', content: 'second try' },
    ]);
  });

  it('resending a failed clientMessageId returns the stored failure without calling the model again', async () => {
    t.fake.enqueueFaults([{ type: 'status', status: 500 }]);
    const first = await send('once', 'c-1');
    const again = await send('once', 'c-1');
    expect(codes(again)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(again.errors![0]!.extensions).toEqual(first.errors![0]!.extensions);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(1);
  });
});

describe('when something unexpected breaks', () => {
  it('masks the error as INTERNAL_SERVER_ERROR and keeps the process serving', async () => {
    const store = new MemoryChatStore();
    const t = await startTestApp({ store });
    try {
      const token = await t.token('alice');
      jest.spyOn(store, 'listConversations').mockRejectedValueOnce(new Error('disk on fire at /secret/path'));
      const broken = await t.gql(token, '{ conversations { edges { cursor } } }');
      expect(codes(broken)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(broken.errors)).not.toContain('secret');
      const healthy = await t.gql(token, '{ conversations { edges { cursor } } }');
      expect(healthy.errors).toBeUndefined();
    } finally {
      await t.stop();
    }
  });
});
