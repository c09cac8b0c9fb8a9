import { sample } from '../helpers/prometheus-text';
import { SEND } from '../helpers/operations';
import { captureLog } from '../helpers/captured-log';
import { conversationOf, startTestApp, type TestApp } from '../helpers/test-app';

const CONVERSATION = 'query($id: ID!) { conversation(id: $id) { title } }';
const USAGE = 'query { usage { day { usedTokens } } }';

describe('generated titles (issue 11)', () => {
  let t: TestApp;
  const captured = captureLog('warn');
  beforeAll(async () => {
    t = await startTestApp({ log: captured.log, env: { TITLES_ENABLED: 'true', TITLE_MODEL: 'gpt-4.1-nano' } });
  });
  afterAll(async () => t.stop());
  afterEach(() => t.fake.reset());

  const titleOf = async (token: string, id: string) => (await t.gql<{ conversation: { title: string } }>(token, CONVERSATION, { id })).data!.conversation.title;
  const titleRequests = () => t.fake.requests.filter((request) => request.path === '/v1/chat/completions' && request.model === 'gpt-4.1-nano');
  const until = async (check: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 5_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('titles a conversation created without one after its first reply, with the title model, without charging the user', async () => {
    const token = await t.token('titled');
    const id = await conversationOf(t, token);
    expect(await titleOf(token, id)).toBe('New conversation');
    const sent = await t.gql<{ sendMessage: { usage: { totalTokens: number } } }>(token, SEND, { input: { conversationId: id, content: 'How do tides work?' } });
    expect(sent.errors).toBeUndefined();
    await until(async () => (await titleOf(token, id)) !== 'New conversation');
    // The fake model echoes what it was asked: the first exchange, after the title instructions.
    expect(await titleOf(token, id)).toMatch(/^Echo: User: How do tides work\?/);
    const [request] = titleRequests();
    expect(request!.messages![0]!.content).toMatch(/^Write a title/);
    expect(request!.maxTokens).toBe(24);
    const used = (await t.gql<{ usage: { day: { usedTokens: number } } }>(token, USAGE)).data!.usage.day.usedTokens;
    expect(used).toBe(sent.data!.sendMessage.usage.totalTokens);
    expect(sample(await t.metrics(), 'parley_conversation_titles_total', { outcome: 'stored' })).toBe(1);
    // Titled once: later replies do not ask again.
    await t.gql(token, SEND, { input: { conversationId: id, content: 'And the moon?' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(titleRequests()).toHaveLength(1);
  });

  it('never replaces a title the user gave, at creation or while the title was being written', async () => {
    const token = await t.token('named');
    const given = await conversationOf(t, token, { title: 'My tides' });
    await t.gql(token, SEND, { input: { conversationId: given, content: 'Tides?' } });
    const id = await conversationOf(t, token);
    t.fake.setLatency(300);
    await t.gql(token, SEND, { input: { conversationId: id, content: 'Waves?' } });
    // The title request is on its way; the user renames first.
    await t.gql(token, 'mutation($id: ID!) { renameConversation(id: $id, title: "Mine") { id } }', { id });
    await until(async () => (sample(await t.metrics(), 'parley_conversation_titles_total', { outcome: 'kept' }) ?? 0) >= 1);
    expect(await titleOf(token, given)).toBe('My tides');
    expect(await titleOf(token, id)).toBe('Mine');
  });

  it('keeps the default title and logs when the title call fails', async () => {
    const token = await t.token('untitled');
    const id = await conversationOf(t, token);
    // The reply's request passes; the title's fails (with every retry).
    t.fake.enqueueFaults([{ type: 'latency', ms: 0 }, ...Array.from({ length: 5 }, () => ({ type: 'status' as const, status: 400 as const }))]);
    const sent = await t.gql(token, SEND, { input: { conversationId: id, content: 'Currents?' } });
    expect(sent.errors).toBeUndefined();
    await until(async () => (sample(await t.metrics(), 'parley_conversation_titles_total', { outcome: 'failed' }) ?? 0) >= 1);
    expect(await titleOf(token, id)).toBe('New conversation');
    expect(captured.lines().some((line) => line.message === 'conversation title not generated; the default stays' && line.conversationId === id)).toBe(true);
  });
});
