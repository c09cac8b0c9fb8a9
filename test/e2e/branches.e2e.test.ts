import { codes, conversationOf, startTestApp, type TestApp } from '../helpers/test-app';
import { sample } from '../helpers/prometheus-text';

const MESSAGE = 'id role content status parentId siblings siblingIndex cache { hit }';
const PAYLOAD = `userMessage { ${MESSAGE} } assistantMessage { ${MESSAGE} }`;
const SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { ${PAYLOAD} } }`;
const REGENERATE = `mutation Regenerate($id: ID!, $clientMessageId: ID, $stream: Boolean) { regenerateReply(messageId: $id, clientMessageId: $clientMessageId, stream: $stream) { ${PAYLOAD} } }`;
const EDIT = `mutation Edit($id: ID!, $content: String!, $clientMessageId: ID) { editMessage(messageId: $id, content: $content, clientMessageId: $clientMessageId) { ${PAYLOAD} } }`;
const SELECT = `mutation Select($id: ID!) { selectBranch(messageId: $id) { id activeLeafId messageCount } }`;
const HISTORY = `query History($id: ID!) { conversation(id: $id) { activeLeafId messages(first: 50) { edges { node { ${MESSAGE} } } } } }`;

interface Msg { id: string; role: string; content: string; status: string; parentId: string | null; siblings: string[]; siblingIndex: number; cache: { hit: string } | null }
interface Payload { userMessage: Msg; assistantMessage: Msg }

describe('regenerate, edit and branches through GraphQL (issue 11)', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    // The response cache is on: a regenerate must still call the model.
    t = await startTestApp({ env: { RESPONSE_CACHE_ENABLED: 'true' } });
    token = await t.token('brancher');
  });
  afterAll(async () => t.stop());

  const chatCalls = () => t.fake.requestCount('/v1/chat/completions');
  const lastPrompt = () => t.fake.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.messages!.map((message) => `${message.role}: ${message.content}`);
  const send = async (conversationId: string, content: string) => {
    const result = await t.gql<{ sendMessage: Payload }>(token, SEND, { input: { conversationId, content } });
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage;
  };
  const history = async (conversationId: string) => {
    const result = await t.gql<{ conversation: { activeLeafId: string; messages: { edges: Array<{ node: Msg }> } } }>(token, HISTORY, { id: conversationId });
    expect(result.errors).toBeUndefined();
    return { leaf: result.data!.conversation.activeLeafId, messages: result.data!.conversation.messages.edges.map((edge) => edge.node) };
  };

  it('regenerate calls the model again (never the cache) and adds a sibling reply that becomes the active branch', async () => {
    const conversationId = await conversationOf(t, token);
    const first = await send(conversationId, 'Name a prime number.');
    // The same question again in a new conversation is a cache hit: the cache is live.
    const repeat = await send(await conversationOf(t, token), 'Name a prime number.');
    expect(repeat.assistantMessage.cache).toEqual({ hit: 'EXACT' });
    const calls = chatCalls();
    const regenerated = await t.gql<{ regenerateReply: Payload }>(token, REGENERATE, { id: first.assistantMessage.id });
    expect(regenerated.errors).toBeUndefined();
    const { userMessage, assistantMessage } = regenerated.data!.regenerateReply;
    expect(chatCalls()).toBe(calls + 1);
    expect(userMessage.id).toBe(first.userMessage.id);
    expect(assistantMessage).toMatchObject({ status: 'COMPLETE', cache: null, parentId: first.userMessage.id, siblings: [first.assistantMessage.id, assistantMessage.id], siblingIndex: 1 });
    expect(lastPrompt().at(-1)).toBe('user: Name a prime number.');
    const { leaf, messages } = await history(conversationId);
    expect(leaf).toBe(assistantMessage.id);
    expect(messages.map((message) => message.id)).toEqual([first.userMessage.id, assistantMessage.id]);
  });

  it('edit forks the thread; the model reads only the new branch; selectBranch brings the old one back and sends continue it', async () => {
    const conversationId = await conversationOf(t, token);
    const one = await send(conversationId, 'My cat is called Tom.');
    const two = await send(conversationId, 'My dog is called Rex.');
    const edited = await t.gql<{ editMessage: Payload }>(token, EDIT, { id: two.userMessage.id, content: 'My dog is called Max.' });
    expect(edited.errors).toBeUndefined();
    const fork = edited.data!.editMessage;
    expect(fork.userMessage).toMatchObject({ content: 'My dog is called Max.', parentId: one.assistantMessage.id, siblings: [two.userMessage.id, fork.userMessage.id], siblingIndex: 1 });
    expect(lastPrompt().filter((line) => line.startsWith('user:'))).toEqual(['user: My cat is called Tom.', 'user: My dog is called Max.']);
    expect((await history(conversationId)).messages.map((message) => message.id)).toEqual([one.userMessage.id, one.assistantMessage.id, fork.userMessage.id, fork.assistantMessage.id]);

    // "< 1/2": back to the first version of the second message, with its reply.
    const selected = await t.gql<{ selectBranch: { activeLeafId: string } }>(token, SELECT, { id: two.userMessage.id });
    expect(selected.errors).toBeUndefined();
    expect(selected.data!.selectBranch.activeLeafId).toBe(two.assistantMessage.id);
    const back = await history(conversationId);
    expect(back.messages.map((message) => message.id)).toEqual([one.userMessage.id, one.assistantMessage.id, two.userMessage.id, two.assistantMessage.id]);
    expect(back.messages[2]).toMatchObject({ siblings: [two.userMessage.id, fork.userMessage.id], siblingIndex: 0 });
    const three = await send(conversationId, 'What are my pets called?');
    expect(three.userMessage.parentId).toBe(two.assistantMessage.id);
    expect(lastPrompt().filter((line) => line.startsWith('user:'))).toEqual(['user: My cat is called Tom.', 'user: My dog is called Rex.', 'user: What are my pets called?']);
    // And forward again: the edited branch's newest leaf.
    const forward = await t.gql<{ selectBranch: { activeLeafId: string } }>(token, SELECT, { id: fork.userMessage.id });
    expect(forward.data!.selectBranch.activeLeafId).toBe(fork.assistantMessage.id);
    await send(conversationId, 'And now?');
    expect(lastPrompt().filter((line) => line.startsWith('user:'))).toEqual(['user: My cat is called Tom.', 'user: My dog is called Max.', 'user: And now?']);
  });

  it('is idempotent by clientMessageId: a repeated regenerate or edit calls no model and returns the first result', async () => {
    const conversationId = await conversationOf(t, token);
    const first = await send(conversationId, 'Say something.');
    const once = await t.gql<{ regenerateReply: Payload }>(token, REGENERATE, { id: first.assistantMessage.id, clientMessageId: 'regen-a' });
    const calls = chatCalls();
    const twice = await t.gql<{ regenerateReply: Payload }>(token, REGENERATE, { id: first.assistantMessage.id, clientMessageId: 'regen-a' });
    expect(twice.data!.regenerateReply.assistantMessage.id).toBe(once.data!.regenerateReply.assistantMessage.id);
    const editOnce = await t.gql<{ editMessage: Payload }>(token, EDIT, { id: first.userMessage.id, content: 'Say anything.', clientMessageId: 'edit-a' });
    const editCalls = chatCalls();
    const editTwice = await t.gql<{ editMessage: Payload }>(token, EDIT, { id: first.userMessage.id, content: 'Say anything.', clientMessageId: 'edit-a' });
    expect(editTwice.data!.editMessage.userMessage.id).toBe(editOnce.data!.editMessage.userMessage.id);
    expect(chatCalls()).toBe(editCalls);
    expect(editCalls).toBe(calls + 1);
  });

  it('refuses bad input before any write or model call, and another user\'s messages as NOT_FOUND', async () => {
    const conversationId = await conversationOf(t, token);
    const first = await send(conversationId, 'Hello there.');
    const before = { calls: chatCalls(), history: await history(conversationId) };
    expect(codes(await t.gql(token, EDIT, { id: first.userMessage.id, content: '   ' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(token, EDIT, { id: first.assistantMessage.id, content: 'an assistant message is not edited' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(token, REGENERATE, { id: first.userMessage.id }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(token, REGENERATE, { id: first.assistantMessage.id, clientMessageId: 'has spaces' }))).toEqual(['BAD_USER_INPUT']);
    const mallory = await t.token('mallory');
    expect(codes(await t.gql(mallory, REGENERATE, { id: first.assistantMessage.id }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(mallory, EDIT, { id: first.userMessage.id, content: 'mine now' }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(mallory, SELECT, { id: first.userMessage.id }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(null, REGENERATE, { id: first.assistantMessage.id }))).toEqual(['UNAUTHENTICATED']);
    // Two model calls in one operation are refused whole.
    const both = `mutation { a: regenerateReply(messageId: "${first.assistantMessage.id}") { assistantMessage { id } } b: editMessage(messageId: "${first.userMessage.id}", content: "x") { assistantMessage { id } } }`;
    const refused = await t.post({ query: both }, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(400);
    expect(codes((await refused.json()) as { errors?: never[] })).toEqual(['BAD_USER_INPUT']);
    expect(chatCalls()).toBe(before.calls);
    expect(await history(conversationId)).toEqual(before.history);
  });

  it('streams a regenerated reply like a send: PENDING at once, then COMPLETE', async () => {
    const conversationId = await conversationOf(t, token);
    const first = await send(conversationId, 'Count to three.');
    const streamed = await t.gql<{ regenerateReply: Payload }>(token, REGENERATE, { id: first.assistantMessage.id, stream: true });
    expect(streamed.errors).toBeUndefined();
    expect(streamed.data!.regenerateReply.assistantMessage.status).toBe('PENDING');
    const id = streamed.data!.regenerateReply.assistantMessage.id;
    const deadline = Date.now() + 5_000;
    while ((await t.store.getMessage('brancher', id))?.status === 'PENDING' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await t.store.getMessage('brancher', id)).toMatchObject({ status: 'COMPLETE', active: true });
    expect(sample(await t.metrics(), 'parley_graphql_operations_total', { field: 'regenerateReply', type: 'mutation', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });
});

describe('limits on the new mutations (issue 11)', () => {
  it('regenerate and edit count against the send limit; branch, settings, archive and rating writes against the write limit', async () => {
    const t = await startTestApp({
      env: {
        TIER_LIMITS: JSON.stringify({ free: { sendPerMinute: 2, maxConcurrentGenerations: 5 }, pro: { sendPerMinute: 100, maxConcurrentGenerations: 5 } }),
        RATE_LIMIT_WRITES_PER_MINUTE: '5',
      },
    });
    try {
      const token = await t.token('limited');
      const conversationId = await conversationOf(t, token); // write 1
      const sent = await t.gql<{ sendMessage: Payload }>(token, SEND, { input: { conversationId, content: 'One.' } });
      const { userMessage, assistantMessage } = sent.data!.sendMessage;
      expect(codes(await t.gql(token, REGENERATE, { id: assistantMessage.id }))).toEqual([]);
      const calls = t.fake.requestCount('/v1/chat/completions');
      const refused = await t.gql(token, EDIT, { id: userMessage.id, content: 'Two.' });
      expect(codes(refused)).toEqual(['RATE_LIMITED']);
      expect(t.fake.requestCount('/v1/chat/completions')).toBe(calls);
      const writes = [
        () => t.gql(token, SELECT, { id: assistantMessage.id }),
        () => t.gql(token, 'mutation($id: ID!) { updateConversation(id: $id, input: { temperature: 0.5 }) { id } }', { id: conversationId }),
        () => t.gql(token, 'mutation($id: ID!) { archiveConversation(id: $id, archived: true) { id } }', { id: conversationId }),
        () => t.gql(token, 'mutation($id: ID!) { rateMessage(messageId: $id, rating: UP) { id } }', { id: assistantMessage.id }),
      ];
      for (const write of writes) expect(codes(await write())).toEqual([]);
      const over = await t.post({ query: 'mutation($id: ID!) { rateMessage(messageId: $id, rating: DOWN) { id } }', variables: { id: assistantMessage.id } }, { authorization: `Bearer ${token}` });
      expect(over.status).toBe(429);
      expect(await t.store.getMessage('limited', assistantMessage.id)).toMatchObject({ rating: 'UP' });
    } finally {
      await t.stop();
    }
  });
});
