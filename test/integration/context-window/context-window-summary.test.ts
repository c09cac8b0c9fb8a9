import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { OpenAiLlmClient } from '../../../src/adapters/openai/openai-llm-client';
import { connectRedis } from '../../../src/adapters/redis/redis-connection';
import { RedisContextCache } from '../../../src/adapters/redis/redis-context-cache';
import { FakeOpenAiServer } from '../../../src/dev/fake-openai-server';
import type { ChatTurn } from '../../../src/ports/llm-client';
import { ContextWindowService } from '../../../src/services/context-window/context-window.service';
import { SUMMARY_NOTE_PREFIX } from '../../../src/services/context-window/window-fitter';
import { TokenCounter } from '../../../src/services/token-counter';
import { captureLog } from '../../helpers/captured-log';
import { testRedisUrl } from '../../setup/test-services';
import { ALICE, CountingChatStore, longText, runExchange } from '../../unit/context-window/context-window-fixtures';

const MODEL = 'gpt-4o';
const BUDGET = 400;
const RESERVE = 40;
const PROMPT = 'You are a patient travel agent.';
const tokens = new TokenCounter();
const fake = new FakeOpenAiServer();

/** The long conversation of this suite: user turns of ~45 tokens, echoed back at the same length. */
const question = (index: number) => `Question ${index}: ${longText(`city${index}x`, 10)}`;

describe('ContextWindowService summarising through the fake model over HTTP', () => {
  let redis: Redis;
  let prefix: string;
  let store: CountingChatStore;
  let service: ContextWindowService;
  let captured: ReturnType<typeof captureLog>;

  beforeAll(async () => {
    await fake.start();
    redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
  });
  afterAll(async () => {
    await fake.stop();
    await redis.quit();
  });
  beforeEach(() => {
    fake.reset();
    prefix = `parley-test:ctx:${randomUUID()}:`;
    store = new CountingChatStore();
    captured = captureLog('info');
    service = new ContextWindowService({
      store,
      cache: new RedisContextCache(redis, { prefix }),
      tokens,
      summarizer: new OpenAiLlmClient({ apiKey: 'sk-test', baseUrl: fake.url, timeoutMs: 5_000, maxRetries: 0 }),
      log: captured.log,
      options: { maxContextTokens: BUDGET, keepRecentTurns: 2, summaryMaxTokens: 40 },
    });
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  const summaryRequests = () => fake.requests.filter((request) => request.path === '/v1/chat/completions');
  const conversationId = async () =>
    (await store.createConversation({ userId: ALICE.id, title: 'Trip', systemPrompt: PROMPT, model: MODEL })).id;
  const talk = async (id: string, count: number) => {
    const windows: ChatTurn[][] = [];
    for (let index = 0; index < count; index += 1) {
      windows.push((await runExchange(service, store, ALICE, id, question(index), { reserveTokens: RESERVE })).window);
    }
    return windows;
  };
  const expectWithinBudget = (window: ChatTurn[]) => {
    expect(window[0]).toEqual({ role: 'system', content: PROMPT });
    expect(tokens.countChat(MODEL, window)).toBeLessThanOrEqual(BUDGET - RESERVE);
  };

  it('summarises the older turns with the cheap model, stores the summary and keeps every window in budget', async () => {
    const id = await conversationId();
    const windows = await talk(id, 8);
    windows.forEach(expectWithinBudget);

    const requests = summaryRequests();
    // Only the windows that outgrew the budget summarised: not one call per exchange.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(windows.length / 2);
    expect(requests.every((request) => request.model === 'gpt-4o-mini' && request.status === 200)).toBe(true);
    expect(requests[0]?.messages?.at(-1)?.content).toContain(`User: ${question(0)}`);

    const conversation = (await store.getConversation(ALICE.id, id))!;
    expect(conversation.summary).toMatch(/^Echo: Previous summary:/);
    expect(conversation.summaryThroughSeq).toBeGreaterThan(0);
    const next = await service.window(ALICE, conversation, RESERVE);
    expectWithinBudget(next);
    // This window may have summarised again; either way it carries the summary now stored.
    const summary = (await store.getConversation(ALICE.id, id))!.summary;
    expect(next[1]).toEqual({ role: 'system', content: SUMMARY_NOTE_PREFIX + summary });
    expect(next.at(-1)).toEqual({ role: 'assistant', content: `Echo: ${question(7)}` });
    expect(captured.lines().some((line) => line.message === 'conversation summarised')).toBe(true);
  });

  it('a short conversation calls no summariser and sends everything', async () => {
    const id = await conversationId();
    const windows = await talk(id, 2);
    expect(windows[1]).toEqual([
      { role: 'system', content: PROMPT },
      { role: 'user', content: question(0) },
      { role: 'assistant', content: `Echo: ${question(0)}` },
    ]);
    expect(summaryRequests()).toHaveLength(0);
  });

  it('when the summariser answers 500, drops the oldest turns instead and still stays in budget', async () => {
    fake.enqueueFaults(Array.from({ length: 50 }, () => ({ type: 'status' as const, status: 500 as const })));
    const id = await conversationId();
    const windows = await talk(id, 8);
    windows.forEach(expectWithinBudget);
    expect(summaryRequests().length).toBeGreaterThan(0);
    expect(summaryRequests().every((request) => request.status === 500)).toBe(true);
    expect(await store.getConversation(ALICE.id, id)).toMatchObject({ summary: null, summaryThroughSeq: 0 });
    expect(windows.at(-1)?.at(-1)).toEqual({ role: 'assistant', content: `Echo: ${question(6)}` });
    expect(windows.at(-1)?.some((turn) => turn.content === question(0))).toBe(false);
    expect(captured.lines().some((line) => String(line.message).includes('summary failed'))).toBe(true);
  });
});
