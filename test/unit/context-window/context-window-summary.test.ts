import { MemoryContextCache } from '../../../src/adapters/memory/memory-context-cache';
import type { ChatTurn } from '../../../src/ports/llm-client';
import { ContextWindowService } from '../../../src/services/context-window/context-window.service';
import { SUMMARY_NOTE_PREFIX } from '../../../src/services/context-window/window-fitter';
import { TokenCounter } from '../../../src/services/token-counter';
import { captureLog } from '../../helpers/captured-log';
import { ALICE, CountingChatStore, ScriptedLlm, longText, runExchange } from './context-window-fixtures';

const MODEL = 'gpt-4o-mini';
const BUDGET = 400;
const PROMPT = 'You are a travel agent.';
const tokens = new TokenCounter();

describe('ContextWindowService: summaries', () => {
  let store: CountingChatStore;
  let cache: MemoryContextCache;

  const serviceWith = (summarizer: ScriptedLlm, log = captureLog().log) =>
    new ContextWindowService({
      store, cache, tokens, summarizer, log,
      options: { maxContextTokens: BUDGET, keepRecentTurns: 2, summaryMaxTokens: 50, summaryModel: 'cheap-model' },
    });
  const conversation = () => store.createConversation({ userId: ALICE.id, title: 't', systemPrompt: PROMPT, model: MODEL });
  const fresh = async (id: string) => (await store.getConversation(ALICE.id, id))!;
  /** Sends long exchanges until `until` holds or `max` were sent; returns every window the model saw. */
  const talk = async (service: ContextWindowService, id: string, max: number, until = () => false) => {
    const windows: ChatTurn[][] = [];
    for (let index = 0; index < max && !until(); index += 1) {
      windows.push((await runExchange(service, store, ALICE, id, longText(`w${index}x`, 40))).window);
    }
    return windows;
  };

  beforeEach(() => {
    store = new CountingChatStore();
    cache = new MemoryContextCache();
  });

  it('summarises all but the newest keepRecentTurns with the cheap model once the budget is outgrown, and uses it from then on', async () => {
    let count = 0;
    const summarizer = new ScriptedLlm(async () => `Summary number ${++count}.`);
    const service = serviceWith(summarizer);
    const { id } = await conversation();
    const windows = await talk(service, id, 20, () => summarizer.requests.length > 0);
    expect(summarizer.requests).toHaveLength(1);
    const request = summarizer.requests[0]!;
    expect(request).toMatchObject({ model: 'cheap-model', maxTokens: 50 });
    expect(request.messages[0]?.role).toBe('system');
    expect(request.messages[1]?.content).toContain('Previous summary:\n(none)');
    expect(request.messages[1]?.content).toContain(`User: ${longText('w0x', 40)}`);

    // The summarised window was built before its own exchange: the two messages after it were not yet stored.
    const stored = await fresh(id);
    const messages = await store.listMessages(ALICE.id, id, { direction: 'asc', limit: 100 });
    const keptVerbatim = messages.slice(-4, -2);
    expect(stored).toMatchObject({ summary: 'Summary number 1.', summaryThroughSeq: keptVerbatim[0]!.seq - 1 });
    const summarised = windows.at(-1)!;
    expect(summarised).toEqual([
      { role: 'system', content: PROMPT },
      { role: 'system', content: `${SUMMARY_NOTE_PREFIX}Summary number 1.` },
      ...keptVerbatim.map((message) => ({ role: message.role === 'USER' ? 'user' : 'assistant', content: message.content })),
    ]);
    expect(tokens.countChat(MODEL, summarised)).toBeLessThanOrEqual(BUDGET);
    // Two long turns more are over this small budget again: the next summary builds on this one.
    const next = await service.window(ALICE, stored);
    expect(next[1]).toEqual({ role: 'system', content: `${SUMMARY_NOTE_PREFIX}Summary number 2.` });
    expect(tokens.countChat(MODEL, next)).toBeLessThanOrEqual(BUDGET);
    expect(summarizer.requests[1]?.messages[1]?.content).toContain('Previous summary:\nSummary number 1.');
    expect((await fresh(id)).summary).toBe('Summary number 2.');
  });

  it('keeps every window within the budget less the reserve, always opening with the system prompt', async () => {
    const service = serviceWith(new ScriptedLlm(async () => 'Short summary.'));
    const { id } = await conversation();
    for (let index = 0; index < 15; index += 1) {
      const reserve = 40 + index * 5;
      const { window } = await runExchange(service, store, ALICE, id, longText(`r${index}x`, 30), { reserveTokens: reserve });
      expect(window[0]).toEqual({ role: 'system', content: PROMPT });
      expect(tokens.countChat(MODEL, window)).toBeLessThanOrEqual(BUDGET - reserve);
    }
  });

  it('when the summariser fails, drops the oldest turns instead, stores nothing and says so in the log', async () => {
    const captured = captureLog('warn');
    const summarizer = new ScriptedLlm(async () => {
      throw new Error('model down');
    });
    const service = serviceWith(summarizer, captured.log);
    const { id } = await conversation();
    const windows = await talk(service, id, 10);
    expect(summarizer.requests.length).toBeGreaterThan(0);
    for (const window of windows) {
      expect(window[0]).toEqual({ role: 'system', content: PROMPT });
      expect(tokens.countChat(MODEL, window)).toBeLessThanOrEqual(BUDGET);
    }
    const last = windows.at(-1)!;
    expect(last.at(-1)).toEqual({ role: 'assistant', content: `Echo: ${longText('w8x', 40)}` });
    expect(await fresh(id)).toMatchObject({ summary: null, summaryThroughSeq: 0 });
    expect(captured.lines().some((line) => String(line.message).includes('summary failed'))).toBe(true);
  });

  it("a racing summariser's summary wins the store; ours serves only the window it was made for", async () => {
    let calls = 0;
    const summarizer = new ScriptedLlm(async () => {
      calls += 1;
      if (calls === 1) {
        const id = (await store.listConversations(ALICE.id, { limit: 1 }))[0]!.id;
        expect(await store.saveSummary(ALICE.id, id, 'Theirs.', 2, 0)).toBe(true);
      }
      return `Ours ${calls}.`;
    });
    const service = serviceWith(summarizer);
    const { id } = await conversation();
    const windows = await talk(service, id, 20, () => calls > 0);
    expect(windows.at(-1)![1]).toEqual({ role: 'system', content: `${SUMMARY_NOTE_PREFIX}Ours 1.` });
    const current = await fresh(id);
    expect(current).toMatchObject({ summary: 'Theirs.', summaryThroughSeq: 2 });
    const next = await service.window(ALICE, current);
    expect(next.some((turn) => turn.content.includes('Ours 1.'))).toBe(false);
    expect(tokens.countChat(MODEL, next)).toBeLessThanOrEqual(BUDGET);
  });

  it('a system prompt over budget on its own is still sent, alone', async () => {
    const service = serviceWith(new ScriptedLlm(async () => 'x'));
    const conv = await store.createConversation({ userId: ALICE.id, title: 't', systemPrompt: longText('p', 500), model: MODEL });
    await runExchange(service, store, ALICE, conv.id, 'hello');
    expect(await service.window(ALICE, await fresh(conv.id))).toEqual([{ role: 'system', content: longText('p', 500) }]);
  });
});
