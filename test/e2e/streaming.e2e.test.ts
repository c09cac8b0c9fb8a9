import type { ExecutionResult } from 'graphql';
import { buildChatReply } from '../../src/dev/fake-openai-replies';
import { CREATE } from '../helpers/operations';
import { CANCEL, collectSse, collectWs, joined, REPLY_STREAM, SEND, sendInNewConversation, until, wsClient, type Sent, type StreamedEvent } from '../helpers/stream-clients';
import { codes, startTestApp, withTestApp, type TestApp } from '../helpers/test-app';

interface Cancelled {
  cancelReply: { id: string; status: string; content: string; usage: { totalTokens: number } | null };
}

const WORDS = 40;
const CHUNK_MS = 15;
const upstreamText = (content: string) =>
  buildChatReply({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream: true, includeUsage: true, maxTokens: null }, WORDS).text;

/** Seqs 1..n in order, deltas on all but the last, which carries the message. */
function expectWellFormed(events: StreamedEvent[], from = 1): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => from + index));
  expect(events.slice(0, -1).every((event) => event.delta !== null && event.message === null)).toBe(true);
  expect(events.at(-1)).toMatchObject({ delta: null, message: expect.any(Object) });
}

describe('streamed replies over graphql-ws and graphql-sse', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      fakeOptions: { chunkDelayMs: CHUNK_MS, replyWords: WORDS },
      env: {
        WS_CONNECTION_INIT_TIMEOUT_MS: '300',
        SUBSCRIPTIONS_PER_USER: '3',
        TIER_LIMITS: JSON.stringify({ free: { sendPerMinute: 100_000, maxConcurrentGenerations: 1 } }),
      },
    });
  });
  afterAll(async () => t.stop());

  async function streamedSend(user: string, content: string) {
    const token = await t.token(user);
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const conversationId = created.data!.createConversation.id;
    const startedAt = Date.now();
    const sent = await t.gql<Sent>(token, SEND, { input: { conversationId, content, stream: true } });
    return { token, conversationId, sent, ms: Date.now() - startedAt, reply: sent.data?.sendMessage.assistantMessage };
  }

  it('stream: true answers PENDING at once; the subscription yields 1..n then COMPLETE; deltas = stored = upstream text', async () => {
    const { token, sent, ms, reply } = await streamedSend('stream-a', 'tell me a story');
    expect(sent.errors).toBeUndefined();
    expect(reply).toMatchObject({ status: 'PENDING', content: '' });
    expect(ms).toBeLessThan((WORDS * CHUNK_MS) / 2);
    const client = wsClient(t.url, token);
    const { events, errors } = await collectWs(client, reply!.id);
    await client.dispose();
    expect(errors).toBeNull();
    expect(events.length).toBeGreaterThan(3);
    expectWellFormed(events);
    const final = events.at(-1)!.message!;
    expect(final).toMatchObject({ id: reply!.id, status: 'COMPLETE', usage: { totalTokens: expect.any(Number) } });
    expect(joined(events)).toBe(final.content);
    expect(final.content).toBe(upstreamText('tell me a story'));
    expect((await t.store.getMessage('stream-a', reply!.id))?.content).toBe(final.content);
    expect(t.fake.requests.at(-1)).toMatchObject({ stream: true, aborted: false });
  });

  it('resume over WebSocket: after k events and a drop, afterSeq: k gives k+1.. with no gap or repeat', async () => {
    const { token, reply } = await streamedSend('stream-b', 'resume me over a socket');
    const first = wsClient(t.url, token);
    const before = await collectWs(first, reply!.id, { stopAfter: 3 });
    await first.dispose();
    const second = wsClient(t.url, token);
    const after = await collectWs(second, reply!.id, { afterSeq: 3 });
    await second.dispose();
    expectWellFormed(before.events.concat(after.events));
    expect(joined(before.events) + joined(after.events)).toBe(after.events.at(-1)!.message!.content);
    expect(after.events.at(-1)!.message!.content).toBe(upstreamText('resume me over a socket'));
  });

  it('resume over SSE works the same', async () => {
    const { token, reply } = await streamedSend('stream-c', 'resume me over server-sent events');
    const before = await collectSse(t.url, token, reply!.id, { stopAfter: 4 });
    const after = await collectSse(t.url, token, reply!.id, { afterSeq: 4 });
    expect(before.errors).toBeNull();
    expect(after.errors).toBeNull();
    expectWellFormed(before.events.concat(after.events));
    expect(joined(before.events) + joined(after.events)).toBe(upstreamText('resume me over server-sent events'));
  });

  it('subscribing to a finished reply yields its final event at once', async () => {
    const { token, reply } = await streamedSend('stream-d', 'finish first');
    const client = wsClient(t.url, token);
    await collectWs(client, reply!.id);
    const startedAt = Date.now();
    const again = await collectWs(client, reply!.id, { afterSeq: 1000 });
    await client.dispose();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(again.events).toHaveLength(1);
    expect(again.events[0]).toMatchObject({ seq: 1001, delta: null, message: { status: 'COMPLETE' } });
  });

  it('cancel after 3 deltas: CANCELLED with the streamed prefix, upstream aborted, charged less than a full reply, slot free at once', async () => {
    const { token, conversationId, reply } = await streamedSend('stream-e', 'a reply to stop early');
    const client = wsClient(t.url, token);
    const events: StreamedEvent[] = [];
    let cancelling: Promise<ExecutionResult<Cancelled>> | undefined;
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ replyStream: StreamedEvent }>(
        { query: REPLY_STREAM, variables: { messageId: reply!.id } },
        {
          next: (result) => {
            events.push(result.data!.replyStream);
            if (events.length === 3) cancelling = t.gql<Cancelled>(token, CANCEL, { id: reply!.id });
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    const cancelled = await cancelling!;
    await client.dispose();
    expect(cancelled.errors).toBeUndefined();
    const message = cancelled.data!.cancelReply;
    expect(message.status).toBe('CANCELLED');
    expect(upstreamText('a reply to stop early').startsWith(message.content)).toBe(true);
    expect(message.content.length).toBeLessThan(upstreamText('a reply to stop early').length);
    expect(joined(events)).toBe(message.content);
    expect(events.filter((event) => event.delta !== null).length).toBeGreaterThanOrEqual(3);
    expect(events.at(-1)!.message).toMatchObject({ status: 'CANCELLED', content: message.content });
    await until(async () => t.fake.requests.at(-1)?.aborted === true, 2_000);
    expect(t.fake.requests.at(-1)).toMatchObject({ aborted: true });
    const full = (await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'a reply to stop early' } })).data!.sendMessage.usage.totalTokens;
    expect(message.usage!.totalTokens).toBeLessThanOrEqual(full);
    // maxConcurrentGenerations is 1: the full send above only ran because the slot was freed.
    expect(full).toBeGreaterThan(0);
    expect((await t.gql(token, CANCEL, { id: reply!.id })).data).toEqual({ cancelReply: message });
  });

  it('a client that drops mid-stream changes nothing: the reply completes and is stored', async () => {
    const { token, reply } = await streamedSend('stream-f', 'keep going without me');
    const client = wsClient(t.url, token);
    await collectWs(client, reply!.id, { stopAfter: 2 });
    await client.dispose();
    await until(async () => (await t.store.getMessage('stream-f', reply!.id))?.status === 'COMPLETE', 5_000);
    expect(await t.store.getMessage('stream-f', reply!.id)).toMatchObject({ status: 'COMPLETE', content: upstreamText('keep going without me') });
  });

  it('the text so far is written to the store while the reply streams', async () => {
    const { reply } = await streamedSend('stream-g', 'show progress in the store');
    await until(async () => (await t.store.getMessage('stream-g', reply!.id))?.content.length !== 0, 3_000);
    const partial = await t.store.getMessage('stream-g', reply!.id);
    expect(partial?.status).toBe('PENDING');
    expect(upstreamText('show progress in the store').startsWith(partial!.content)).toBe(true);
    await until(async () => (await t.store.getMessage('stream-g', reply!.id))?.status === 'COMPLETE', 5_000);
  });

  describe('refusals', () => {
    it('no token closes the socket with 4401, a bad token with 4403', async () => {
      const { reply } = await streamedSend('stream-h', 'who may watch');
      const anonymous = await collectWs(wsClient(t.url, null), reply!.id);
      expect(anonymous).toMatchObject({ events: [], errors: { code: 4401 } });
      const forged = await collectWs(wsClient(t.url, 'not-a-jwt'), reply!.id);
      expect(forged).toMatchObject({ events: [], errors: { code: 4403 } });
    });

    it('a socket that sends no connection_init is closed with 4408', async () => {
      const { WebSocket } = await import('ws');
      const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      const code = await new Promise<number>((resolve) => socket.once('close', (closeCode: number) => resolve(closeCode)));
      expect(code).toBe(4408);
    });

    it('the socket closes when its token expires', async () => {
      const shortLived = await signShort('stream-i', 2);
      const client = wsClient(t.url, shortLived);
      const { reply } = await streamedSend('stream-i', 'x');
      await collectWs(client, reply!.id);
      const startedAt = Date.now();
      // A long reply, so the stream is still open when the token runs out.
      t.fake.setStream({ chunkDelayMs: 200 });
      try {
        const long = await streamedSend('stream-i', 'outlive my token');
        const watched = await collectWs(client, long.reply!.id);
        expect(watched.errors).toMatchObject({ code: 4403, reason: 'Token expired' });
        expect(Date.now() - startedAt).toBeLessThan(4_000);
        await t.gql(long.token, CANCEL, { id: long.reply!.id });
      } finally {
        t.fake.setStream({ chunkDelayMs: CHUNK_MS });
        await client.dispose();
      }
    });

    it("another user's reply is NOT_FOUND with no events, on both transports and for cancelReply", async () => {
      const { reply } = await streamedSend('stream-owner', 'mine only');
      const intruder = await t.token('stream-intruder');
      const client = wsClient(t.url, intruder);
      const overWs = await collectWs(client, reply!.id);
      await client.dispose();
      expect(overWs.events).toEqual([]);
      expect(overWs.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
      const overSse = await collectSse(t.url, intruder, reply!.id);
      expect(overSse).toMatchObject({ events: [], errors: [{ extensions: { code: 'NOT_FOUND' } }] });
      expect(codes(await t.gql(intruder, CANCEL, { id: reply!.id }))).toEqual(['NOT_FOUND']);
      expect((await t.store.getMessage('stream-owner', reply!.id))?.status).not.toBe('CANCELLED');
    });

    it('over SSE a request without a token is 401, and the stream speaks text/event-stream', async () => {
      const { token, reply } = await streamedSend('stream-j', 'curl me');
      const body = JSON.stringify({ query: `subscription { replyStream(messageId: "${reply!.id}") { seq delta message { status } } }` });
      const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
      const anonymous = await fetch(`${t.url}/graphql`, { method: 'POST', headers, body });
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
      const streamed = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body });
      expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await streamed.text();
      expect(text).toMatch(/event: next\ndata: \{"data":\{"replyStream":\{"seq":1,/);
      expect(text).toMatch(/"status":"COMPLETE"[\s\S]*event: complete/);
    });

    it('the socket serves subscriptions only and validates like HTTP; afterSeq must be zero or more', async () => {
      const token = await t.token('stream-k');
      const client = wsClient(t.url, token);
      const run = (query: string, variables?: Record<string, unknown>) =>
        new Promise<unknown>((resolve) => client.subscribe({ query, variables }, { next: (result) => resolve(result.errors), error: resolve, complete: () => resolve(null) }));
      expect(await run('{ me { id } }')).toMatchObject([{ extensions: { code: 'BAD_REQUEST' } }]);
      expect(await run('subscription { replyStream(messageId: "x") { nope } }')).toMatchObject([{ message: expect.stringContaining('nope') }]);
      const { reply } = await streamedSend('stream-k', 'z');
      expect(await run('subscription($id: ID!) { replyStream(messageId: $id, afterSeq: -1) { seq } }', { id: reply!.id }))
        .toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
      await client.dispose();
    });

    it('a user may follow at most SUBSCRIPTIONS_PER_USER replies at once', async () => {
      t.fake.setStream({ chunkDelayMs: 100 });
      const token = await t.token('stream-l');
      const clients = [1, 2, 3, 4].map(() => wsClient(t.url, token));
      try {
        const sent = await sendInNewConversation(t, token, 'watched by many', { stream: true });
        const id = sent.data!.sendMessage.assistantMessage.id;
        const open = clients.slice(0, 3).map((client) => collectWs(client, id, { stopAfter: 1 }));
        await Promise.all(open);
        const held = clients.slice(0, 3).map((client) => collectWs(client, id));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const refused = await collectWs(clients[3]!, id);
        expect(refused.errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } }]);
        await t.gql(token, CANCEL, { id });
        await Promise.all(held);
      } finally {
        t.fake.setStream({ chunkDelayMs: CHUNK_MS });
        await Promise.all(clients.map((client) => client.dispose()));
      }
    });
  });

  async function signShort(userId: string, ttlSeconds: number): Promise<string> {
    const { signDevToken } = await import('../../src/services/dev-tokens');
    const { DEV_JWT_SECRET } = await import('../../src/config');
    return signDevToken({ secret: DEV_JWT_SECRET, userId, ttlSeconds });
  }
});

describe('a cache hit with stream: true', () => {
  it('is finished at once: COMPLETE in the payload, and its subscription yields the final event at once', async () => {
    await withTestApp({ env: { RESPONSE_CACHE_ENABLED: 'true' } }, async (t) => {
      const token = await t.token('stream-cache');
      const send = async () => {
        const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
        return t.gql<Sent>(token, SEND, { input: { conversationId: created.data!.createConversation.id, content: 'cached question', stream: true } });
      };
      const first = await send();
      const firstClient = wsClient(t.url, token);
      await collectWs(firstClient, first.data!.sendMessage.assistantMessage.id);
      await firstClient.dispose();
      const hit = (await send()).data!.sendMessage.assistantMessage;
      expect(hit).toMatchObject({ status: 'COMPLETE', cache: { hit: 'EXACT' }, content: 'Echo: cached question' });
      const client = wsClient(t.url, token);
      const { events } = await collectWs(client, hit.id);
      await client.dispose();
      expect(joined(events)).toBe('Echo: cached question');
      expect(events.at(-1)!.message).toMatchObject({ status: 'COMPLETE', content: 'Echo: cached question' });
      expect(t.fake.requestCount('/v1/chat/completions')).toBe(1);
    });
  });
});

describe('a provider failing mid-reply', () => {
  it('before the first token the call is retried; after it the reply ends FAILED with its text, uncharged, slot free', async () => {
    await withTestApp({ fakeOptions: { chunkDelayMs: 10, replyWords: 20 }, env: { OPENAI_MAX_RETRIES: '0', RETRY_MAX_ATTEMPTS: '2', TIER_LIMITS: JSON.stringify({ free: { sendPerMinute: 1000, maxConcurrentGenerations: 1 } }) } }, async (t) => {
      const token = await t.token('cut-user');
      const usage = async () => (await t.gql<{ usage: { day: { usedTokens: number } } }>(token, '{ usage { day { usedTokens } } }')).data!.usage.day.usedTokens;
      const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
      const conversationId = created.data!.createConversation.id;
      t.fake.enqueueFaults([{ type: 'status', status: 503 }]);
      const retried = await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'first fails, then works' } });
      expect(retried.data!.sendMessage.assistantMessage.status).toBe('COMPLETE');
      expect(t.fake.requests.filter((request) => request.messages?.at(-1)?.content === 'first fails, then works').map((request) => request.status)).toEqual([503, 200]);
      const before = await usage();
      t.fake.enqueueFaults([{ type: 'cut', afterChunks: 4 }]);
      const sent = await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'breaks half way', stream: true } });
      const client = wsClient(t.url, token);
      const { events } = await collectWs(client, sent.data!.sendMessage.assistantMessage.id);
      await client.dispose();
      const final = events.at(-1)!.message!;
      expect(final.status).toBe('FAILED');
      expect(final.content).toMatch(/^Echo: breaks/);
      expect(joined(events)).toBe(final.content);
      expect(await usage()).toBe(before);
      // maxConcurrentGenerations is 1: this send runs only because the failed one freed its slot.
      expect((await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'after the cut' } })).errors).toBeUndefined();
    });
  });
});

describe('a server that ignores stream_options.include_usage', () => {
  it('sends no usage, so Parley counts the prompt and reply with the tokenizer and charges that', async () => {
    await withTestApp({}, async (t) => {
      t.fake.setStream({ sendUsage: false });
      const token = await t.token('no-usage');
      const sent = await sendInNewConversation(t, token, 'count me please');
      expect(sent.data!.sendMessage.usage.totalTokens).toBeGreaterThan(5);
      const used = await t.gql<{ usage: { day: { usedTokens: number } } }>(token, '{ usage { day { usedTokens } } }');
      expect(used.data!.usage.day.usedTokens).toBe(sent.data!.sendMessage.usage.totalTokens);
    });
  });
});

describe('RATE_LIMIT_STREAM_OPS_PER_MINUTE', () => {
  it('limits subscriptions started plus cancels per user, with RATE_LIMITED and retryAfterSeconds', async () => {
    await withTestApp({ env: { RATE_LIMIT_STREAM_OPS_PER_MINUTE: '2' } }, async (t) => {
      const token = await t.token('stream-ops');
      const sent = await sendInNewConversation(t, token, 'limit me');
      const id = sent.data!.sendMessage.assistantMessage.id;
      const client = wsClient(t.url, token);
      expect((await collectWs(client, id)).errors).toBeNull();
      expect((await t.gql(token, CANCEL, { id })).errors).toBeUndefined();
      const refused = await t.gql(token, CANCEL, { id });
      expect(refused.errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }]);
      expect((await collectWs(client, id)).errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED' } }]);
      await client.dispose();
      expect(await t.metrics()).toMatch(/parley_rate_limit_rejections_total\{limiter="stream-ops"\} 2/);
    });
  });
});

describe('what a watcher leaves behind', () => {
  let t: TestApp;
  const prefix = `parley-test:${Date.now()}-watch:`;
  beforeAll(async () => {
    t = await startTestApp({ fakeOptions: { chunkDelayMs: 100, replyWords: 60 }, env: { REDIS_KEY_PREFIX: prefix } });
  });
  afterAll(async () => t.stop());

  it('unsubscribing while the reply is quiet drops its Redis subscription at once', async () => {
    const { connectRedis } = await import('../../src/adapters/redis/redis-connection');
    const { testRedisUrl } = await import('../setup/test-services');
    const redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
    try {
      const token = await t.token('quiet-watch');
      const sent = await sendInNewConversation(t, token, 'slow one', { stream: true });
      const id = sent.data!.sendMessage.assistantMessage.id;
      const channel = `${prefix}reply-events:${id}`;
      const subscribers = async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
      const client = wsClient(t.url, token);
      await collectWs(client, id, { stopAfter: 1 });
      await until(async () => (await subscribers()) === 0, 500);
      expect(await subscribers()).toBe(0);
      await client.dispose();
      await t.gql(token, CANCEL, { id });
    } finally {
      await redis.quit();
    }
  });

  it('deleting the conversation mid-stream stops the model call, charges what was streamed, and ends watchers with NOT_FOUND', async () => {
    const token = await t.token('delete-mid-stream');
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const conversationId = created.data!.createConversation.id;
    const sent = await t.gql<Sent>(token, SEND, { input: { conversationId, content: 'delete me while I talk', stream: true } });
    const id = sent.data!.sendMessage.assistantMessage.id;
    const client = wsClient(t.url, token);
    const watching = collectWs(client, id);
    await until(async () => ((await t.store.getMessage('delete-mid-stream', id))?.content.length ?? 0) > 0, 3_000);
    await t.gql(token, 'mutation($id: ID!) { deleteConversation(id: $id) { deletedConversationId } }', { id: conversationId });
    const { errors } = await watching;
    await client.dispose();
    expect(errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
    await until(() => t.fake.requests.find((request) => request.messages?.at(-1)?.content === 'delete me while I talk')?.aborted === true, 2_000);
    const used = await t.gql<{ usage: { day: { usedTokens: number; remainingTokens: number; limitTokens: number } } }>(token, '{ usage { day { usedTokens remainingTokens limitTokens } } }');
    const day = used.data!.usage.day;
    expect(day.usedTokens).toBeGreaterThan(0);
    // Nothing is still held: all that is not remaining was used.
    expect(day.remainingTokens).toBe(day.limitTokens - day.usedTokens);
  });
});

describe('SSE and token expiry', () => {
  it('an event stream ends when its token expires', async () => {
    await withTestApp({ fakeOptions: { chunkDelayMs: 200, replyWords: 60 } }, async (t) => {
      const { signDevToken } = await import('../../src/services/dev-tokens');
      const { DEV_JWT_SECRET } = await import('../../src/config');
      const token = await signDevToken({ secret: DEV_JWT_SECRET, userId: 'sse-expiry', ttlSeconds: 2 });
      const sent = await sendInNewConversation(t, token, 'outlive my token', { stream: true });
      const startedAt = Date.now();
      const watched = await collectSse(t.url, token, sent.data!.sendMessage.assistantMessage.id);
      expect(Date.now() - startedAt).toBeLessThan(4_000);
      expect(watched.events.length).toBeGreaterThan(0);
      expect(watched.events.every((event) => event.message === null)).toBe(true);
      await t.gql(await t.token('sse-expiry'), CANCEL, { id: sent.data!.sendMessage.assistantMessage.id });
    });
  });
});

describe('SSE request errors', () => {
  it('a query that does not parse is a 400 with the syntax error, not a server error', async () => {
    await withTestApp({}, async (t) => {
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${await t.token('sse-syntax')}` },
        body: JSON.stringify({ query: 'subscription { replyStream(' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Syntax Error/);
    });
  });
});
