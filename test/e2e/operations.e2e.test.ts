import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { captureLog, type CapturedLog } from '../helpers/captured-log';
import { CREATE, SEND } from '../helpers/operations';
import { codes, startTestApp, type TestApp } from '../helpers/test-app';

describe('operations: logs, bodies and shutdown', () => {
  let t: TestApp;
  let captured: CapturedLog;
  let token: string;
  const store = new MemoryChatStore();

  beforeAll(async () => {
    captured = captureLog();
    t = await startTestApp({ log: captured.log, store });
    token = await t.token('alice');
  });
  afterAll(async () => t.stop());

  it('writes one request line with id, user, operation, outcome and duration — and no secrets or bodies', async () => {
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { systemPrompt: 'SECRET-PROMPT' } });
    const conversationId = created.data!.createConversation.id;
    await t.gql(token, SEND, { input: { conversationId, content: 'PRIVATE-MESSAGE-BODY' } });
    const line = captured.lines().find((entry) => entry.operationName === 'Send');
    expect(line).toMatchObject({ message: 'graphql request', userId: 'alice', operationType: 'mutation', outcome: 'ok' });
    expect(typeof line!.requestId).toBe('string');
    expect(typeof line!.durationMs).toBe('number');
    const everything = captured.text();
    for (const secret of [token, 'PRIVATE-MESSAGE-BODY', 'SECRET-PROMPT', 'sk-test']) expect(everything).not.toContain(secret);
  });

  it('logs error codes on the request line and the full error, with stack, only server side', async () => {
    jest.spyOn(store, 'getConversation').mockRejectedValueOnce(new Error('inner detail'));
    const result = await t.gql(token, 'query Broken { conversation(id: "0123456789abcdef01234567") { id } }');
    expect(codes(result)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(result)).not.toContain('inner detail');
    const logged = captured.lines().find((entry) => entry.message === 'unexpected error');
    expect(logged?.err).toMatchObject({ message: 'inner detail', stack: expect.stringContaining('Error: inner detail') });
    const line = captured.lines().find((entry) => entry.operationName === 'Broken');
    expect(line).toMatchObject({ outcome: 'error', errorCodes: ['INTERNAL_SERVER_ERROR'] });
  });

  it('answers a malformed JSON body with a 400 GraphQL-shaped error, not an HTML page', async () => {
    const response = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'Malformed request body', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('rejects a bad token with 401 and logs the refusal without the token', async () => {
    const response = await t.post({ query: '{ me { id } }' }, { authorization: 'Bearer not.a.jwt' });
    expect(response.status).toBe(401);
    expect(captured.text()).not.toContain('not.a.jwt');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight sendMessage finish, then refuses new connections', async () => {
    const t = await startTestApp();
    const token = await t.token('alice');
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    t.fake.setLatency(300);
    const inFlight = t.gql<{ sendMessage: { assistantMessage: { status: string } } }>(token, SEND, {
      input: { conversationId: created.data!.createConversation.id, content: 'finish me' },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = t.stop();
    const result = await inFlight;
    await stopping;
    expect(result.data?.sendMessage.assistantMessage.status).toBe('COMPLETE');
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
  });
});
