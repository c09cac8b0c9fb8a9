import { codes, startTestApp, type TestApp } from '../helpers/test-app';
import { CONVERSATIONS, CREATE, DELETE, MESSAGES, RENAME, SEND } from '../helpers/operations';

interface Created { createConversation: { id: string; title: string; systemPrompt: string | null; model: string } }
interface Sent {
  sendMessage: {
    userMessage: { id: string; content: string; status: string };
    assistantMessage: { id: string; content: string; status: string; model: string; usage: { totalTokens: number } };
    usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  };
}
interface History {
  conversation: {
    messageCount: number;
    messages: { edges: Array<{ node: { role: string; content: string; status: string } }> };
  } | null;
}

describe('a conversation, end to end over HTTP', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('alice');
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  it('creates a conversation, sends two messages and reads the history back', async () => {
    const created = await t.gql<Created>(token, CREATE, { input: { title: 'Trip', systemPrompt: 'Be brief.' } });
    const id = created.data!.createConversation.id;
    expect(created.data!.createConversation).toMatchObject({ title: 'Trip', systemPrompt: 'Be brief.', model: 'gpt-4o-mini' });

    const first = await t.gql<Sent>(token, SEND, { input: { conversationId: id, content: 'Where is Lisbon?' } });
    const second = await t.gql<Sent>(token, SEND, { input: { conversationId: id, content: 'And Porto?' } });
    expect(first.errors).toBeUndefined();
    expect(first.data!.sendMessage.assistantMessage).toMatchObject({ content: 'Echo: Where is Lisbon?', status: 'COMPLETE' });
    const { usage } = second.data!.sendMessage;
    expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
    expect(usage.totalTokens).toBeGreaterThan(0);

    const history = await t.gql<History>(token, MESSAGES, { id, first: 10 });
    const nodes = history.data!.conversation!.messages.edges.map((edge) => edge.node);
    expect(nodes.map((node) => [node.role, node.content])).toEqual([
      ['USER', 'Where is Lisbon?'],
      ['ASSISTANT', 'Echo: Where is Lisbon?'],
      ['USER', 'And Porto?'],
      ['ASSISTANT', 'Echo: And Porto?'],
    ]);
    expect(history.data!.conversation!.messageCount).toBe(4);
  });

  it('sends the system prompt and earlier turns to the model as context', async () => {
    const created = await t.gql<Created>(token, CREATE, { input: { systemPrompt: 'You are terse.' } });
    const id = created.data!.createConversation.id;
    await t.gql<Sent>(token, SEND, { input: { conversationId: id, content: 'one' } });
    await t.gql<Sent>(token, SEND, { input: { conversationId: id, content: 'two' } });
    const upstream = t.fake.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(upstream).toHaveLength(2);
    expect(upstream[1]!.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'Echo: one' },
      { role: 'user', content: 'two' },
    ]);
  });

  it('renames and deletes; a deleted conversation and its messages are gone', async () => {
    const id = (await t.gql<Created>(token, CREATE, { input: { title: 'Old' } })).data!.createConversation.id;
    await t.gql<Sent>(token, SEND, { input: { conversationId: id, content: 'hi' } });
    const renamed = await t.gql<{ renameConversation: { title: string } }>(token, RENAME, { id, title: '  New  ' });
    expect(renamed.data!.renameConversation.title).toBe('New');

    const deleted = await t.gql<{ deleteConversation: { deletedConversationId: string } }>(token, DELETE, { id });
    expect(deleted.data!.deleteConversation.deletedConversationId).toBe(id);
    expect((await t.gql<History>(token, MESSAGES, { id })).data!.conversation).toBeNull();
    expect(await t.store.listMessages('alice', id, { direction: 'asc', limit: 10 })).toEqual([]);
    const listed = await t.gql<{ conversations: { edges: Array<{ node: { id: string } }> } }>(token, CONVERSATIONS, { first: 200 });
    expect(listed.data!.conversations.edges.map((edge) => edge.node.id)).not.toContain(id);
    expect(codes(await t.gql(token, DELETE, { id }))).toEqual(['NOT_FOUND']);
  });

  it('answers me with the token subject and tier', async () => {
    const result = await t.gql<{ me: { id: string; tier: string } }>(await t.token('bob', 'pro'), '{ me { id tier } }');
    expect(result.data!.me).toEqual({ id: 'bob', tier: 'pro' });
  });

  it('serves health, readiness and a request id on every response', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, checks: { store: 'ok', redis: 'ok' } });
    const response = await t.post({ query: '{ __typename }' }, { 'x-request-id': 'req-123' });
    expect(response.headers.get('x-request-id')).toBe('req-123');
  });
});
