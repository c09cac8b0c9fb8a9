import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { CREATE } from '../helpers/operations';
import { deleteKeys } from '../helpers/redis-prefix';
import { SEND, until, type Sent } from '../helpers/stream-clients';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { testRedisUrl } from '../setup/test-services';

/** What this user still holds in Redis: in-flight slots and budget reservations. */
async function held(redis: Redis, prefix: string, user: string): Promise<{ slots: number; reservations: number }> {
  const slots = await redis.zcard(`${prefix}slots:generations:${user}`);
  const reservations = await redis.zcard(`${prefix}budget:{${user}}:reservations`);
  return { slots, reservations };
}

describe('SIGTERM during streamed replies', () => {
  let redis: Redis;
  const prefix = `parley-test:${randomUUID()}:`;

  beforeAll(async () => {
    redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function start(t: TestApp, user: string, content: string): Promise<string> {
    const token = await t.token(user);
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const sent = await t.gql<Sent>(token, SEND, { input: { conversationId: created.data!.createConversation.id, content, stream: true } });
    return sent.data!.sendMessage.assistantMessage.id;
  }

  it('a reply that ends within the grace is stored COMPLETE; one that does not is FAILED with its text; nothing stays held', async () => {
    const store = new MemoryChatStore();
    // 80 words at 20 ms: ~1.6 s, within the 2.5 s grace; 400 words: ~8 s, far past it.
    const t = await startTestApp({ store, fakeOptions: { chunkDelayMs: 20, replyWords: 80 }, env: { REDIS_KEY_PREFIX: prefix, SHUTDOWN_GRACE_MS: '2500' } });
    const short = await start(t, 'sigterm-short', 'finishes in time');
    // The fake fixes a reply's length when its request arrives; let the short one arrive first.
    await until(async () => ((await store.getMessage('sigterm-short', short))?.content.length ?? 0) > 0, 3_000);
    t.fake.setStream({ replyWords: 400 });
    const long = await start(t, 'sigterm-long', 'runs past the grace');
    await until(async () => ((await store.getMessage('sigterm-long', long))?.content.length ?? 0) > 0, 3_000);
    expect(await held(redis, prefix, 'sigterm-long')).toEqual({ slots: 1, reservations: 1 });
    const stoppedAt = Date.now();
    await t.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(6_000);

    expect(await store.getMessage('sigterm-short', short)).toMatchObject({ status: 'COMPLETE', content: expect.stringMatching(/^Echo: finishes in time word1 .* word7\d$/) });
    const interrupted = await store.getMessage('sigterm-long', long);
    expect(interrupted).toMatchObject({ status: 'FAILED', error: expect.stringContaining('interrupted') });
    expect(interrupted!.content).toMatch(/^Echo: runs past the grace word1 /);
    expect(interrupted!.content.split(' ').length).toBeLessThan(400);
    for (const user of ['sigterm-short', 'sigterm-long']) expect(await held(redis, prefix, user)).toEqual({ slots: 0, reservations: 0 });
    expect(t.fake.requests.find((request) => request.messages?.at(-1)?.content === 'runs past the grace')).toMatchObject({ aborted: true });
  });

  it('refuses new sends while draining', async () => {
    const t = await startTestApp({ fakeOptions: { chunkDelayMs: 20, replyWords: 200 }, env: { REDIS_KEY_PREFIX: prefix, SHUTDOWN_GRACE_MS: '1500' } });
    const token = await t.token('sigterm-late');
    await start(t, 'sigterm-late', 'keeps the instance busy');
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
    const stopping = t.stop();
    const late = await t.gql(token, SEND, { input: { conversationId: created.data!.createConversation.id, content: 'too late' } }).catch((error: unknown) => ({ errors: [error] }));
    await stopping;
    // Either the listener was already closed (the request failed) or the send was refused: never a new generation.
    expect(t.fake.requests.filter((request) => request.messages?.at(-1)?.content === 'too late')).toEqual([]);
    expect(late.errors).toBeDefined();
  });
});
