import { TokenCounter } from '../../src/services/token-counter';
import { CREATE, SEND } from '../helpers/operations';
import { startTestApp, type TestApp } from '../helpers/test-app';

const UPDATE_PROMPT = `mutation Update($id: ID!, $systemPrompt: String) {
  updateSystemPrompt(id: $id, systemPrompt: $systemPrompt) { id systemPrompt systemPromptVersion }
}`;
const SUMMARY = `query Summary($id: ID!) { conversation(id: $id) { summary systemPromptVersion } }`;

describe('context window through the API', () => {
  let t: TestApp;
  let token: string;
  const counter = new TokenCounter();
  const chatCalls = () => t.fake.requests.filter((request) => request.path === '/v1/chat/completions');

  beforeAll(async () => {
    t = await startTestApp({
      env: { CONTEXT_MAX_TOKENS: '500', OPENAI_MAX_COMPLETION_TOKENS: '60', CONTEXT_KEEP_RECENT_TURNS: '2', CONTEXT_SUMMARY_MAX_TOKENS: '40' },
    });
    token = await t.token('long-talker');
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  it('summarises a long conversation, keeps the system prompt, and stays within the context budget', async () => {
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { systemPrompt: 'You are a travel guide.' } });
    const id = created.data!.createConversation.id;
    for (let turn = 0; turn < 8; turn += 1) {
      const content = `Turn ${turn}: ${'tell me about the old town and its long history '.repeat(6)}`;
      const sent = await t.gql(token, SEND, { input: { conversationId: id, content } });
      expect(sent.errors).toBeUndefined();
    }
    const summary = await t.gql<{ conversation: { summary: string | null } }>(token, SUMMARY, { id });
    expect(summary.data!.conversation.summary).toEqual(expect.any(String));
    const replies = chatCalls().filter((call) => call.messages?.[0]?.content === 'You are a travel guide.');
    const last = replies.at(-1)!;
    expect(last.messages?.[0]).toEqual({ role: 'system', content: 'You are a travel guide.' });
    expect((last.messages ?? []).some((message) => message.role === 'system' && message.content !== 'You are a travel guide.')).toBe(true);
    const turns = (last.messages ?? []).map((message) => ({ role: message.role as 'system' | 'user' | 'assistant', content: String(message.content) }));
    expect(counter.countChat('gpt-4o-mini', turns) + 60).toBeLessThanOrEqual(500);
  });

  it('updateSystemPrompt bumps the version and the next call uses the new prompt', async () => {
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { systemPrompt: 'Old prompt.' } });
    const id = created.data!.createConversation.id;
    await t.gql(token, SEND, { input: { conversationId: id, content: 'hello' } });
    const updated = await t.gql<{ updateSystemPrompt: { systemPromptVersion: number } }>(token, UPDATE_PROMPT, { id, systemPrompt: 'New prompt.' });
    expect(updated.data!.updateSystemPrompt.systemPromptVersion).toBe(2);
    await t.gql(token, SEND, { input: { conversationId: id, content: 'again' } });
    expect(chatCalls().at(-1)!.messages?.[0]).toEqual({ role: 'system', content: 'New prompt.' });
  });
});
