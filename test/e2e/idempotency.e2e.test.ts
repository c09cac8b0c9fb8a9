import { startTestApp, type TestApp } from '../helpers/test-app';
import { CREATE, SEND } from '../helpers/operations';

interface Sent {
  sendMessage: { userMessage: { id: string }; assistantMessage: { id: string; content: string; status: string } };
}

describe('idempotent sendMessage (clientMessageId)', () => {
  let t: TestApp;
  let token: string;
  let conversationId: string;
  const completions = () => t.fake.requestCount('/v1/chat/completions');

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('alice');
  });
  afterAll(async () => t.stop());
  beforeEach(async () => {
    t.fake.reset();
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    conversationId = created.data!.createConversation.id;
  });

  const send = (clientMessageId: string, content = 'hello') =>
    t.gql<Sent>(token, SEND, { input: { conversationId, content, clientMessageId } });
  const stored = () => t.store.listMessages('alice', conversationId, { direction: 'asc', limit: 100 });

  it('a sequential resend returns the first result without a second model call', async () => {
    const first = await send('msg-1');
    const again = await send('msg-1', 'hello');
    expect(again.data).toEqual(first.data);
    expect(completions()).toBe(1);
    expect(await stored()).toHaveLength(2);
  });

  it('concurrent resends give one user message, one model call and the same reply to all', async () => {
    t.fake.setLatency(150);
    const results = await Promise.all(Array.from({ length: 6 }, () => send('msg-race')));
    const replies = new Set(results.map((result) => result.data?.sendMessage.assistantMessage.id));
    expect(results.every((result) => result.errors === undefined)).toBe(true);
    expect(replies.size).toBe(1);
    expect(results[0]!.data!.sendMessage.assistantMessage).toMatchObject({ status: 'COMPLETE', content: 'Echo: hello' });
    expect(completions()).toBe(1);
    expect((await stored()).map((message) => message.role)).toEqual(['USER', 'ASSISTANT']);
  });

  it('a resend in another process (only the store is shared) waits for the stored reply', async () => {
    const other = await startTestApp({ store: t.store, fake: t.fake });
    try {
      t.fake.setLatency(300);
      const [first, second] = await Promise.all([
        send('msg-shared'),
        new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
          other.gql<Sent>(token, SEND, { input: { conversationId, content: 'hello', clientMessageId: 'msg-shared' } }),
        ),
      ]);
      expect(second.data).toEqual(first.data);
      expect(completions()).toBe(1);
    } finally {
      await other.stop();
    }
  });

  it('different clientMessageIds are different messages', async () => {
    await send('a');
    await send('b');
    expect(completions()).toBe(2);
    expect(await stored()).toHaveLength(4);
  });
});
