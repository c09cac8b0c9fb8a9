import { MemoryContextCache } from '../../../src/adapters/memory/memory-context-cache';
import { ErrorCode, NotFoundError } from '../../../src/errors';
import type { ConversationRecord, MessageStatus } from '../../../src/ports/chat-store';
import type { ContextCache } from '../../../src/ports/context-cache';
import { ContextWindowService } from '../../../src/services/context-window/context-window.service';
import { TokenCounter } from '../../../src/services/token-counter';
import {
  ALICE, BOB, CountingChatStore, ScriptedLlm, loadContextToday, quietLog, runExchange,
} from './context-window-fixtures';

const noSummaries = new ScriptedLlm(async () => {
  throw new Error('no summary expected here');
});

describe('ContextWindowService: windows and their cache', () => {
  let store: CountingChatStore;
  let cache: MemoryContextCache;
  let service: ContextWindowService;
  let events: string[];

  const newService = (withCache: ContextCache = cache) =>
    new ContextWindowService({
      store, cache: withCache, tokens: new TokenCounter(), summarizer: noSummaries, log: quietLog(),
      options: { maxMessages: 50 }, onCache: (_level, result) => events.push(result),
    });
  /** A window built from the store alone, as a cold instance would. */
  const rebuilt = async (conversation: ConversationRecord) => newService(new MemoryContextCache()).window(ALICE, conversation);
  const fresh = async (id: string) => (await store.getConversation(ALICE.id, id))!;
  const create = (systemPrompt: string | null = 'You are terse.') =>
    store.createConversation({ userId: ALICE.id, title: 't', systemPrompt, model: 'gpt-4o-mini' });
  const send = (id: string, content: string, status?: Exclude<MessageStatus, 'PENDING'>) =>
    runExchange(service, store, ALICE, id, content, { status });

  beforeEach(() => {
    store = new CountingChatStore();
    cache = new MemoryContextCache();
    events = [];
    service = newService();
  });

  it('equals what loadContext gave for short conversations: prompt, then turns, failed and degraded replies left out', async () => {
    for (const prompt of ['You are terse.', null, '']) {
      const conversation = await create(prompt);
      const statuses: Array<Exclude<MessageStatus, 'PENDING'>> = ['COMPLETE', 'FAILED', 'DEGRADED', 'COMPLETE'];
      for (const [index, status] of statuses.entries()) {
        const expected = await loadContextToday(store, ALICE, await fresh(conversation.id), 50);
        const { window } = await send(conversation.id, `question ${index}`, status);
        expect(window).toEqual(expected);
      }
      await store.beginExchange({ userId: ALICE.id, conversationId: conversation.id, content: 'in flight', clientMessageId: null, model: 'm' });
      const current = await fresh(conversation.id);
      expect(await service.window(ALICE, current)).toEqual(await loadContextToday(store, ALICE, current, 50));
      expect(await rebuilt(current)).toEqual(await loadContextToday(store, ALICE, current, 50));
    }
  });

  it('reads the history once, then serves windows from the cache', async () => {
    const conversation = await create();
    await send(conversation.id, 'hello');
    events = [];
    const reads = store.listMessagesCalls;
    const first = await service.window(ALICE, await fresh(conversation.id));
    const second = await service.window(ALICE, await fresh(conversation.id));
    expect(second).toEqual(first);
    expect(store.listMessagesCalls).toBe(reads);
    expect(events).toEqual(['hit', 'hit']);
  });

  it('a cold cache is filled by the first window', async () => {
    const conversation = await create();
    await send(conversation.id, 'hello');
    await cache.invalidate(conversation.id);
    events = [];
    await service.window(ALICE, await fresh(conversation.id));
    await service.window(ALICE, await fresh(conversation.id));
    expect(events).toEqual(['miss', 'hit']);
  });

  it('writes through every exchange, so the cache always equals a rebuild and is never read from the store again', async () => {
    const conversation = await create();
    const statuses: Array<Exclude<MessageStatus, 'PENDING'>> = ['COMPLETE', 'COMPLETE', 'FAILED', 'DEGRADED', 'COMPLETE', 'FAILED', 'COMPLETE'];
    await service.window(ALICE, conversation);
    const reads = store.listMessagesCalls;
    for (const [index, status] of statuses.entries()) {
      await send(conversation.id, `turn ${index}`, status);
      const current = await fresh(conversation.id);
      expect(await service.window(ALICE, current)).toEqual(await rebuilt(current));
      expect((await cache.get(conversation.id))?.throughSeq).toBe(current.lastMessageSeq);
    }
    expect(store.listMessagesCalls - reads).toBe(statuses.length);
    // The window of the empty conversation is not looked up at all; each rebuild() above is a miss.
    expect(events.filter((event) => event === 'miss')).toHaveLength(statuses.length);
  });

  it('concurrent exchanges in one conversation never leave a window that differs from a rebuild', async () => {
    const conversation = await create();
    await send(conversation.id, 'first');
    const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    const answer = async () => {
      await pause();
      return 'a reply';
    };
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        runExchange(service, store, ALICE, conversation.id, `parallel ${index}`, { answer, status: index % 4 === 3 ? 'FAILED' : 'COMPLETE' }),
      ),
    );
    const current = await fresh(conversation.id);
    expect(await service.window(ALICE, current)).toEqual(await rebuilt(current));
    expect(await service.window(ALICE, current)).toEqual(await loadContextToday(store, ALICE, current, 50));
  });

  it('a reply still being generated is cached by no one; the window after it completes has it', async () => {
    const conversation = await create();
    await send(conversation.id, 'one');
    const begun = await store.beginExchange({ userId: ALICE.id, conversationId: conversation.id, content: 'two', clientMessageId: null, model: 'm' });
    if (begun.kind !== 'created') throw new Error('not created');
    const during = await service.window(ALICE, await fresh(conversation.id));
    expect(during.at(-1)).toEqual({ role: 'user', content: 'two' });
    await store.finishExchange({
      userId: ALICE.id, conversationId: conversation.id, assistantMessageId: begun.exchange.assistantMessage.id,
      status: 'COMPLETE', content: 'late answer', model: 'm', usage: null, error: null, costMicroUsd: 0,
    });
    const after = await service.window(ALICE, await fresh(conversation.id));
    expect(after.at(-1)).toEqual({ role: 'assistant', content: 'late answer' });
  });

  it('a cached window behind the conversation is rebuilt, not served', async () => {
    const conversation = await create();
    await send(conversation.id, 'one');
    const stale = await cache.get(conversation.id);
    await send(conversation.id, 'two');
    await cache.set(conversation.id, stale!);
    events = [];
    const window = await service.window(ALICE, await fresh(conversation.id));
    expect(events).toEqual(['miss']);
    expect(window.slice(-2)).toEqual([{ role: 'user', content: 'two' }, { role: 'assistant', content: 'Echo: two' }]);
  });

  it('a system prompt update bumps its version, and no window built on the old prompt is reused', async () => {
    const conversation = await create('Old prompt.');
    await send(conversation.id, 'hello');
    const updated = await store.updateSystemPrompt(ALICE.id, conversation.id, 'New prompt.');
    expect(updated?.systemPromptVersion).toBe(conversation.systemPromptVersion + 1);
    events = [];
    const window = await service.window(ALICE, updated!);
    expect(window[0]).toEqual({ role: 'system', content: 'New prompt.' });
    expect(window.some((turn) => turn.content === 'Old prompt.')).toBe(false);
    expect(events).toEqual(['miss']);
    expect((await cache.get(conversation.id))?.systemPromptVersion).toBe(updated!.systemPromptVersion);
    const removed = await store.updateSystemPrompt(ALICE.id, conversation.id, null);
    expect((await service.window(ALICE, removed!))[0]).toEqual({ role: 'user', content: 'hello' });
  });

  it('a summary stored since the window was cached makes the next window rebuild on it', async () => {
    const conversation = await create();
    for (const content of ['one', 'two', 'three']) await send(conversation.id, content);
    expect(await store.saveSummary(ALICE.id, conversation.id, 'They counted.', 4, 0)).toBe(true);
    events = [];
    const window = await service.window(ALICE, await fresh(conversation.id));
    expect(events).toEqual(['miss']);
    expect(window).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'system', content: 'Summary of the earlier conversation:\nThey counted.' },
      { role: 'user', content: 'three' },
      { role: 'assistant', content: 'Echo: three' },
    ]);
  });

  it("refuses another user's conversation and never writes its cache", async () => {
    const conversation = await create();
    await send(conversation.id, 'private');
    const before = await cache.get(conversation.id);
    const refused = service.window(BOB, conversation);
    await expect(refused).rejects.toBeInstanceOf(NotFoundError);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await service.appendExchange(BOB, conversation, { role: 'user', content: 'x' }, null, 99);
    expect(await cache.get(conversation.id)).toEqual(before);
  });

  it('reserveTokens is what the new user turn adds to countChat, plus the completion cap', () => {
    const tokens = new TokenCounter();
    const window = [{ role: 'system' as const, content: 'You are terse.' }];
    const withTurn = tokens.countChat('gpt-4o-mini', [...window, { role: 'user', content: 'How far is Porto?' }]);
    expect(tokens.countChat('gpt-4o-mini', window) + service.reserveTokens('gpt-4o-mini', 'How far is Porto?', 100)).toBe(withTurn + 100);
  });
});
