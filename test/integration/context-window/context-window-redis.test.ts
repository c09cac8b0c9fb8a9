import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryContextCache } from '../../../src/adapters/memory/memory-context-cache';
import { connectRedis } from '../../../src/adapters/redis/redis-connection';
import { RedisContextCache } from '../../../src/adapters/redis/redis-context-cache';
import { startRedisServer, type RedisProcess } from '../../../src/dev/redis-process';
import type { ConversationRecord, MessageStatus } from '../../../src/ports/chat-store';
import type { ContextCache } from '../../../src/ports/context-cache';
import { ContextWindowService } from '../../../src/services/context-window/context-window.service';
import { TokenCounter } from '../../../src/services/token-counter';
import { testRedisUrl } from '../../setup/test-services';
import {
  ALICE, CountingChatStore, ScriptedLlm, loadContextToday, quietLog, runExchange,
} from '../../unit/context-window/context-window-fixtures';

const noSummaries = new ScriptedLlm(async () => {
  throw new Error('no summary expected here');
});

describe('ContextWindowService on Redis', () => {
  let connections: Redis[];
  let prefix: string;
  let store: CountingChatStore;
  let events: string[];

  const serviceOn = (cache: ContextCache, recorded = true) =>
    new ContextWindowService({
      store, cache, tokens: new TokenCounter(), summarizer: noSummaries, log: quietLog(),
      onCache: recorded ? (_level, result) => events.push(result) : undefined,
    });
  /** Two app instances sharing one Redis and one store. */
  const instances = () => connections.map((redis) => serviceOn(new RedisContextCache(redis, { prefix })));
  const rebuilt = (conversation: ConversationRecord) => serviceOn(new MemoryContextCache(), false).window(ALICE, conversation);
  const fresh = async (id: string) => (await store.getConversation(ALICE.id, id))!;
  const create = (systemPrompt: string | null = 'You are terse.') =>
    store.createConversation({ userId: ALICE.id, title: 't', systemPrompt, model: 'gpt-4o-mini' });

  beforeAll(async () => {
    connections = await Promise.all([1, 2].map(() => connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 })));
  });
  afterAll(async () => Promise.all(connections.map((redis) => redis.quit())));
  beforeEach(() => {
    prefix = `parley-test:ctx:${randomUUID()}:`;
    store = new CountingChatStore();
    events = [];
  });
  afterEach(async () => {
    const keys = await connections[0]!.keys(`${prefix}*`);
    if (keys.length > 0) await connections[0]!.del(...keys);
  });

  it('writes through every exchange: the cached window equals a rebuild and no window reads the store', async () => {
    const [service] = instances();
    const conversation = await create();
    await service!.window(ALICE, conversation);
    events = [];
    const statuses: Array<Exclude<MessageStatus, 'PENDING'>> = ['COMPLETE', 'FAILED', 'COMPLETE', 'DEGRADED', 'COMPLETE'];
    for (const [index, status] of statuses.entries()) {
      await runExchange(service!, store, ALICE, conversation.id, `turn ${index} "quoted" 😀`, { status });
      const reads = store.listMessagesCalls;
      const current = await fresh(conversation.id);
      const window = await service!.window(ALICE, current);
      expect(store.listMessagesCalls).toBe(reads);
      expect(window).toEqual(await rebuilt(current));
    }
    expect(events.every((event) => event === 'hit')).toBe(true);
  });

  it('concurrent exchanges on two instances never corrupt the cached window', async () => {
    const services = instances();
    const conversation = await create();
    await runExchange(services[0]!, store, ALICE, conversation.id, 'opening');
    const answer = async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      return 'noted';
    };
    await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        runExchange(services[index % 2]!, store, ALICE, conversation.id, `parallel ${index}`, { answer, status: index % 5 === 4 ? 'DEGRADED' : 'COMPLETE' }),
      ),
    );
    const current = await fresh(conversation.id);
    const expected = await loadContextToday(store, ALICE, current, 50);
    for (const service of services) expect(await service.window(ALICE, current)).toEqual(expected);
    for (let index = 0; index < 3; index += 1) {
      await runExchange(services[index % 2]!, store, ALICE, conversation.id, `after ${index}`);
      const now = await fresh(conversation.id);
      expect(await services[(index + 1) % 2]!.window(ALICE, now)).toEqual(await loadContextToday(store, ALICE, now, 50));
    }
  });

  it('a system prompt update is seen by every instance; the window cached on the old prompt is not reused', async () => {
    const [first, second] = instances();
    const conversation = await create('Old prompt.');
    await runExchange(first!, store, ALICE, conversation.id, 'hello');
    await second!.window(ALICE, await fresh(conversation.id));
    const updated = (await store.updateSystemPrompt(ALICE.id, conversation.id, 'New prompt.'))!;
    expect(updated.systemPromptVersion).toBe(2);
    events = [];
    const window = await second!.window(ALICE, updated);
    expect(window[0]).toEqual({ role: 'system', content: 'New prompt.' });
    expect(events).toEqual(['miss']);
    expect(JSON.parse((await connections[0]!.get(`${prefix}${conversation.id}`))!)).toMatchObject({ systemPromptVersion: 2 });
  });

  describe('when Redis stops', () => {
    let own: RedisProcess;
    let redis: Redis;

    beforeEach(async () => {
      own = await startRedisServer();
      redis = await connectRedis({ url: own.url, commandTimeoutMs: 500 });
    });
    afterEach(async () => {
      redis.disconnect();
      await own.stop();
    });

    it('windows are built from the store, quickly, and exchanges still go through', async () => {
      const service = serviceOn(new RedisContextCache(redis, { prefix }));
      const conversation = await create();
      await runExchange(service, store, ALICE, conversation.id, 'before the outage');
      await service.window(ALICE, await fresh(conversation.id));
      expect(events.at(-1)).toBe('hit');
      await own.stop();
      const reads = store.listMessagesCalls;
      const started = performance.now();
      const current = await fresh(conversation.id);
      const window = await service.window(ALICE, current);
      expect(performance.now() - started).toBeLessThan(300);
      expect(store.listMessagesCalls).toBe(reads + 1);
      expect(window).toEqual(await loadContextToday(store, ALICE, current, 50));
      expect(events.at(-1)).toBe('miss');
      const { window: during } = await runExchange(service, store, ALICE, conversation.id, 'during the outage');
      expect(during).toEqual(window);
      const after = await fresh(conversation.id);
      expect(await service.window(ALICE, after)).toEqual(await loadContextToday(store, ALICE, after, 50));
    });
  });
});
