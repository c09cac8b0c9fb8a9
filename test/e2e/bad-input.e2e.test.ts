import { codes, startTestApp, type TestApp } from '../helpers/test-app';
import { CONVERSATIONS, CREATE, RENAME, SEND } from '../helpers/operations';
import { postGraphQL } from '../helpers/raw-graphql';

const MAX_CHARS = 100;

describe('bad input is refused before anything is stored or sent upstream', () => {
  let t: TestApp;
  let userCount = 0;
  let user: string;
  let token: string;
  let conversationId: string;
  const completions = () => t.fake.requestCount('/v1/chat/completions');

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_MESSAGE_CHARS: String(MAX_CHARS) } });
  });
  afterAll(async () => t.stop());
  beforeEach(async () => {
    t.fake.reset();
    userCount += 1;
    user = `careless-${userCount}`;
    token = await t.token(user);
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { title: 'Draft' } });
    conversationId = created.data!.createConversation.id;
  });

  /** Everything the user could have changed: the conversation's count and title, and its messages. */
  async function stored() {
    const conversation = await t.store.getConversation(user, conversationId);
    const messages = await t.store.listMessages(user, conversationId, { direction: 'asc', limit: 100 });
    return { title: conversation?.title, messageCount: conversation?.messageCount, messages: messages.length };
  }

  const untouched = { title: 'Draft', messageCount: 0, messages: 0 };

  async function expectNothingHappened(): Promise<void> {
    expect(completions()).toBe(0);
    expect(await stored()).toEqual(untouched);
  }

  async function conversationIds(): Promise<string[]> {
    const listed = await t.gql<{ conversations: { edges: Array<{ node: { id: string } }> } }>(token, CONVERSATIONS, { first: 50 });
    return listed.data!.conversations.edges.map((edge) => edge.node.id);
  }

  describe('sendMessage', () => {
    it.each<[string, Record<string, unknown>]>([
      ['empty content', { content: '' }],
      ['whitespace-only content', { content: ' \n\t  ' }],
      ['content one character over the maximum', { content: 'x'.repeat(MAX_CHARS + 1) }],
      ['a 200-character clientMessageId', { content: 'hello', clientMessageId: 'a'.repeat(200) }],
      ['a clientMessageId with spaces', { content: 'hello', clientMessageId: 'my message 1' }],
      ['an empty clientMessageId', { content: 'hello', clientMessageId: '' }],
    ])('%s is BAD_USER_INPUT', async (_name, input) => {
      const result = await t.gql(token, SEND, { input: { conversationId, ...input } });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      await expectNothingHappened();
    });

    it('content of exactly the maximum length is accepted', async () => {
      const content = 'y'.repeat(MAX_CHARS);
      const result = await t.gql<{ sendMessage: { userMessage: { content: string } } }>(token, SEND, {
        input: { conversationId, content },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!.sendMessage.userMessage.content).toBe(content);
      expect(completions()).toBe(1);
      expect(await stored()).toEqual({ title: 'Draft', messageCount: 2, messages: 2 });
    });

    it.each([
      ['a well-formed id that does not exist', '0123456789abcdef01234567'],
      ['a garbage id', 'garbage'],
    ])('%s is NOT_FOUND', async (_name, id) => {
      const result = await t.gql(token, SEND, { input: { conversationId: id, content: 'anyone?' } });
      expect(codes(result)).toEqual(['NOT_FOUND']);
      await expectNothingHappened();
      expect(await t.store.listMessages(user, id, { direction: 'asc', limit: 10 })).toEqual([]);
    });

    it.each<[string, (id: string) => Record<string, unknown>]>([
      ['no input variable at all', () => ({})],
      ['input without content', (id) => ({ input: { conversationId: id } })],
      ['content of the wrong type', (id) => ({ input: { conversationId: id, content: 42 } })],
      ['an unknown input field', (id) => ({ input: { conversationId: id, content: 'hi', priority: 'high' } })],
    ])('%s fails GraphQL validation as BAD_USER_INPUT', async (_name, variables) => {
      const response = await postGraphQL(t, token, SEND, variables(conversationId));
      expect(response.codes).toEqual(['BAD_USER_INPUT']);
      expect(response.status).toBe(400);
      await expectNothingHappened();
    });
  });

  describe('createConversation', () => {
    it.each<[string, Record<string, unknown>]>([
      ['an unknown model', { model: 'gpt-9-imaginary' }],
      ['an empty title', { title: '' }],
      ['a whitespace-only title', { title: '   ' }],
      ['a title over 200 characters', { title: 't'.repeat(201) }],
    ])('%s is BAD_USER_INPUT and creates nothing', async (_name, input) => {
      const result = await t.gql(token, CREATE, { input });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(await conversationIds()).toEqual([conversationId]);
    });
  });

  describe('renameConversation', () => {
    it.each([
      ['an empty title', ''],
      ['a whitespace-only title', ' \t '],
    ])('to %s is BAD_USER_INPUT and keeps the old title', async (_name, title) => {
      const result = await t.gql(token, RENAME, { id: conversationId, title });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(await stored()).toEqual(untouched);
    });
  });
});

describe('a message is limited in tokens as well as characters (issue 10, finding 8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());

  it('16,000 CJK characters (within MAX_MESSAGE_CHARS, ~30,000 tokens) are BAD_USER_INPUT with no write and no model call', async () => {
    const token = await t.token('cjk-writer');
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const conversationId = created.data!.createConversation.id;
    const content = '漢字仮名交じり文の長い文章を送る'.repeat(1_000).slice(0, 16_000);
    const refused = await t.gql(token, SEND, { input: { conversationId, content } });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors![0]!.message).toMatch(/^The message is \d+ tokens; .* at most \d+ fit/);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(0);
    expect(await t.store.listMessages('cjk-writer', conversationId, { direction: 'asc', limit: 10 })).toEqual([]);
    // The same number of Latin characters fits (≈ 4 characters a token).
    const fits = await t.gql(token, SEND, { input: { conversationId, content: 'plain words in a sentence. '.repeat(500).slice(0, 16_000) } });
    expect(fits.errors).toBeUndefined();
  });

  it('a long system prompt leaves less room, and the refusal says how much', async () => {
    const token = await t.token('prompt-writer');
    const prompted = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { systemPrompt: '丁寧に正確に答えてください。'.repeat(600).slice(0, 7_900) } });
    const plain = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const content = 'a short question';
    const calls = t.fake.requestCount('/v1/chat/completions');
    const refused = await t.gql(token, SEND, { input: { conversationId: prompted.data!.createConversation.id, content } });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(calls);
    expect((await t.gql(token, SEND, { input: { conversationId: plain.data!.createConversation.id, content } })).errors).toBeUndefined();
  });
});
