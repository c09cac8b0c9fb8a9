import { randomUUID } from 'node:crypto';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { FakeOpenAiServer } from '../../src/dev/fake-openai-server';
import { CREATE } from '../helpers/operations';
import { CANCEL, collectSse, collectWs, joined, SEND, until, wsClient, type Sent } from '../helpers/stream-clients';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** Two Parley instances behind one load balancer: one store, one Redis (same key prefix), one model. */
describe('streaming across two instances', () => {
  const fake = new FakeOpenAiServer({ chunkDelayMs: 25, replyWords: 60 });
  const store = new MemoryChatStore();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    await fake.start();
    const env = { REDIS_KEY_PREFIX: `parley-test:${randomUUID()}:` };
    a = await startTestApp({ fake, store, env });
    b = await startTestApp({ fake, store, env });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await fake.stop();
  });

  async function startOnA(user: string, content: string) {
    const token = await a.token(user);
    const created = await a.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const sent = await a.gql<Sent>(token, SEND, { input: { conversationId: created.data!.createConversation.id, content, stream: true } });
    return { token, id: sent.data!.sendMessage.assistantMessage.id };
  }

  it('a subscriber on B receives the reply generated on A, whole and in order', async () => {
    const { token, id } = await startOnA('multi-a', 'generated on A');
    const client = wsClient(b.url, token);
    const { events, errors } = await collectWs(client, id);
    await client.dispose();
    expect(errors).toBeNull();
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)!.message).toMatchObject({ status: 'COMPLETE' });
    expect(joined(events)).toBe(events.at(-1)!.message!.content);
    expect(events.at(-1)!.message!.content).toMatch(/^Echo: generated on A word1 /);
  });

  it('resuming on B after a drop on A misses and repeats nothing (SSE on B)', async () => {
    const { token, id } = await startOnA('multi-b', 'resume across instances');
    const onA = wsClient(a.url, token);
    const before = await collectWs(onA, id, { stopAfter: 5 });
    await onA.dispose();
    const after = await collectSse(b.url, token, id, { afterSeq: 5 });
    const all = [...before.events, ...after.events];
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    expect(joined(all)).toBe(after.events.at(-1)!.message!.content);
  });

  it('cancelReply sent to B stops the generation running on A: upstream aborted, CANCELLED with the streamed text', async () => {
    const { token, id } = await startOnA('multi-c', 'stop me from the other instance');
    const client = wsClient(b.url, token);
    const watching = collectWs(client, id);
    await until(async () => ((await store.getMessage('multi-c', id))?.content.length ?? 0) > 0, 3_000);
    const cancelled = await b.gql<{ cancelReply: { status: string; content: string } }>(token, CANCEL, { id });
    const { events } = await watching;
    await client.dispose();
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelReply.status).toBe('CANCELLED');
    expect(joined(events)).toBe(cancelled.data!.cancelReply.content);
    expect(events.at(-1)!.message).toMatchObject({ status: 'CANCELLED' });
    await until(() => fake.requests.some((request) => request.aborted && request.messages?.at(-1)?.content === 'stop me from the other instance'), 2_000);
    expect(await a.metrics()).toMatch(/parley_reply_cancellations_total\{reason="user"\} 1/);
  });
});
