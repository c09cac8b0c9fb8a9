import { codes, startTestApp, type TestApp } from '../helpers/test-app';

const FIELDS = 'id title systemPrompt systemPromptVersion model temperature maxTokens';
const CREATE = `mutation Create($input: CreateConversationInput!) { createConversation(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateConversationInput!) { updateConversation(id: $id, input: $input) { ${FIELDS} } }`;
const SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { assistantMessage { status cache { hit } } } }`;
const MODELS = '{ models { id contextWindow maxOutputTokens inputPerMTokUsd outputPerMTokUsd isDefault } }';

interface Settings { id: string; title: string; systemPrompt: string | null; systemPromptVersion: number; model: string; temperature: number | null; maxTokens: number | null }

describe('conversation settings and the model list (issue 11)', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        OPENAI_MODELS: 'gpt-4o-mini,gpt-4o,local-llama',
        OPENAI_MAX_COMPLETION_TOKENS: '512',
        CONTEXT_MAX_TOKENS: '8000',
        RESPONSE_CACHE_ENABLED: 'true',
      },
    });
    token = await t.token('settings-user');
  });
  afterAll(async () => t.stop());

  const create = async (input: Record<string, unknown> = {}) => {
    const result = await t.gql<{ createConversation: Settings }>(token, CREATE, { input });
    expect(result.errors).toBeUndefined();
    return result.data!.createConversation;
  };
  const update = (id: string, input: Record<string, unknown>, as = token) => t.gql<{ updateConversation: Settings }>(as, UPDATE, { id, input });
  const send = async (conversationId: string, content: string) => {
    const result = await t.gql<{ sendMessage: { assistantMessage: { status: string; cache: { hit: string } | null } } }>(token, SEND, { input: { conversationId, content } });
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage.assistantMessage;
  };
  const lastChat = () => t.fake.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!;

  it('lists the allowed models with their limits, prices and the default', async () => {
    const result = await t.gql<{ models: unknown[] }>(token, MODELS);
    expect(result.data!.models).toEqual([
      { id: 'gpt-4o-mini', contextWindow: 8000, maxOutputTokens: 512, inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6, isDefault: true },
      { id: 'gpt-4o', contextWindow: 8000, maxOutputTokens: 512, inputPerMTokUsd: 2.5, outputPerMTokUsd: 10, isDefault: false },
      { id: 'local-llama', contextWindow: 8000, maxOutputTokens: 512, inputPerMTokUsd: null, outputPerMTokUsd: null, isDefault: false },
    ]);
    expect(codes(await t.gql(null, MODELS))).toEqual(['UNAUTHENTICATED']);
  });

  it('sends the conversation\'s model, temperature and reply length upstream, and the server\'s defaults once reset', async () => {
    const conversation = await create({ temperature: 0.2, maxTokens: 100 });
    await send(conversation.id, 'Describe the sea.');
    expect(lastChat()).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, maxTokens: 100 });
    const updated = await update(conversation.id, { model: 'gpt-4o', temperature: 1.3, maxTokens: 64 });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateConversation).toMatchObject({ model: 'gpt-4o', temperature: 1.3, maxTokens: 64, systemPromptVersion: conversation.systemPromptVersion + 1 });
    await send(conversation.id, 'And the sky?');
    expect(lastChat()).toMatchObject({ model: 'gpt-4o', temperature: 1.3, maxTokens: 64 });
    const reset = await update(conversation.id, { temperature: null, maxTokens: null });
    expect(reset.data!.updateConversation).toMatchObject({ temperature: null, maxTokens: null, model: 'gpt-4o' });
    await send(conversation.id, 'And the land?');
    expect(lastChat()).toMatchObject({ model: 'gpt-4o', temperature: null, maxTokens: 512 });
  });

  it('a new model or system prompt is not answered from replies cached under the old one', async () => {
    const first = await create();
    await send(first.id, 'What is a lighthouse?');
    const second = await create();
    expect((await send(second.id, 'What is a lighthouse?')).cache).toEqual({ hit: 'EXACT' });
    const third = await create();
    await update(third.id, { model: 'gpt-4o' });
    const calls = t.fake.requestCount('/v1/chat/completions');
    expect((await send(third.id, 'What is a lighthouse?')).cache).toBeNull();
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(calls + 1);
    const fourth = await create();
    await update(fourth.id, { systemPrompt: 'Answer like a pirate.' });
    expect((await send(fourth.id, 'What is a lighthouse?')).cache).toBeNull();
    expect(lastChat().messages![0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
  });

  it('refuses bad settings with BAD_USER_INPUT naming the argument, writing nothing; another user\'s conversation is NOT_FOUND', async () => {
    const conversation = await create({ title: 'Keep me' });
    const refused = async (input: Record<string, unknown>, argument?: string) => {
      const result = await update(conversation.id, input);
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      if (argument) expect(result.errors![0]!.extensions!.argument).toBe(argument);
    };
    await refused({ temperature: 2.5 }, 'temperature');
    await refused({ temperature: -0.1 }, 'temperature');
    await refused({ maxTokens: 0 }, 'maxTokens');
    await refused({ maxTokens: 513 }, 'maxTokens');
    await refused({ model: 'gpt-5-ultra' }, 'model');
    await refused({ title: null }, 'title');
    await refused({ title: '   ' }, 'title');
    await refused({});
    // One bad value refuses the whole change.
    await refused({ title: 'Half', temperature: 9 }, 'temperature');
    expect(codes(await t.gql(token, CREATE, { input: { maxTokens: 10_000 } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await update(conversation.id, { title: 'Mine' }, await t.token('intruder')))).toEqual(['NOT_FOUND']);
    const now = await t.store.getConversation('settings-user', conversation.id);
    expect(now).toMatchObject({ title: 'Keep me', temperature: null, maxTokens: null, model: 'gpt-4o-mini', version: 0 });
  });

  it('keeps renameConversation and updateSystemPrompt as short forms', async () => {
    const conversation = await create();
    const renamed = await t.gql<{ renameConversation: { title: string } }>(token, 'mutation($id: ID!) { renameConversation(id: $id, title: "Trip notes") { title } }', { id: conversation.id });
    expect(renamed.data!.renameConversation.title).toBe('Trip notes');
    const prompted = await t.gql<{ updateSystemPrompt: { systemPrompt: string; systemPromptVersion: number } }>(token, 'mutation($id: ID!) { updateSystemPrompt(id: $id, systemPrompt: "Be terse.") { systemPrompt systemPromptVersion } }', { id: conversation.id });
    expect(prompted.data!.updateSystemPrompt).toEqual({ systemPrompt: 'Be terse.', systemPromptVersion: 2 });
    expect(await t.store.getConversation('settings-user', conversation.id)).toMatchObject({ titleSource: 'USER' });
  });
});
