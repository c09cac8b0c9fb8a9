import type { ChatStore, ConversationRecord, NewExchange } from '../../src/ports/chat-store';

export interface StoreHarness {
  store: ChatStore;
  /** Drops all data between tests; the store stays open. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const ALICE = 'user-alice';
const BOB = 'user-bob';
/** Lets the clock move so timestamps differ where a test is about time order. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const USAGE = { promptTokens: 12, completionTokens: 8, totalTokens: 20 };

/**
 * The behaviour every ChatStore adapter must share. A wrong adapter (lost uniqueness, half
 * writes, leaked ownership, unstable order) fails here before any service sees it.
 */
export function defineChatStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`ChatStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: ChatStore;

    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());
    beforeEach(async () => {
      await harness.reset();
      store = harness.store;
    });

    const conversation = (userId = ALICE, title = 'Trip') =>
      store.createConversation({ userId, title, systemPrompt: 'Be brief.', model: 'gpt-4o-mini' });
    const exchange = (conv: ConversationRecord, extra: Partial<NewExchange> = {}) =>
      store.beginExchange({
        userId: conv.userId, conversationId: conv.id, content: 'hello', clientMessageId: null,
        model: conv.model, ...extra,
      });
    const created = async (conv: ConversationRecord, extra: Partial<NewExchange> = {}) => {
      const result = await exchange(conv, extra);
      if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
      return result.exchange;
    };
    const finish = (conv: ConversationRecord, assistantMessageId: string, content = 'hi!') =>
      store.finishExchange({
        userId: conv.userId, conversationId: conv.id, assistantMessageId, status: 'COMPLETE',
        content, model: conv.model, usage: USAGE, error: null, costMicroUsd: 30,
      });
    const allMessages = (conv: ConversationRecord) =>
      store.listMessages(conv.userId, conv.id, { limit: 1000, direction: 'asc' });

    describe('conversations', () => {
      it('creates a conversation with zeroed counters and reads it back', async () => {
        const conv = await conversation();
        expect(conv.id).toMatch(/^[0-9a-f]{24}$/);
        expect(conv).toMatchObject({ userId: ALICE, title: 'Trip', systemPrompt: 'Be brief.', messageCount: 0 });
        expect(conv.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
        expect(await store.getConversation(ALICE, conv.id)).toEqual(conv);
      });

      it("treats another user's conversation and malformed ids as missing", async () => {
        const conv = await conversation();
        expect(await store.getConversation(BOB, conv.id)).toBeNull();
        expect(await store.getConversation(ALICE, 'not-an-id')).toBeNull();
        expect(await store.getConversation(ALICE, '0123456789abcdef01234567')).toBeNull();
        expect(await store.renameConversation(BOB, conv.id, 'mine now')).toBeNull();
        expect(await store.deleteConversation(BOB, conv.id)).toBe(false);
        expect(await store.getConversation(ALICE, conv.id)).toMatchObject({ title: 'Trip' });
      });

      it('returns copies: mutating a returned record changes nothing stored', async () => {
        const conv = await conversation();
        conv.title = 'tampered';
        expect((await store.getConversation(ALICE, conv.id))?.title).toBe('Trip');
      });

      it('lists newest activity first and a new message moves a conversation to the top', async () => {
        const first = await conversation(ALICE, 'first');
        await tick();
        await conversation(ALICE, 'second');
        await conversation(BOB, 'not alice');
        const before = await store.listConversations(ALICE, { limit: 10 });
        expect(before.map((item) => item.title)).toEqual(['second', 'first']);
        await tick();
        await created(first);
        const after = await store.listConversations(ALICE, { limit: 10 });
        expect(after.map((item) => item.title)).toEqual(['first', 'second']);
      });

      it('pages with a keyset that never skips or repeats, even on equal timestamps', async () => {
        const titles = Array.from({ length: 7 }, (_, index) => `c${index}`);
        await Promise.all(titles.map((title) => conversation(ALICE, title)));
        const seen: string[] = [];
        let after: { lastMessageAt: Date; id: string } | undefined;
        for (let page = 0; page < 5; page += 1) {
          const items = await store.listConversations(ALICE, { limit: 3, after });
          seen.push(...items.map((item) => item.title));
          const last = items.at(-1);
          if (!last) break;
          after = { lastMessageAt: last.lastMessageAt, id: last.id };
        }
        expect(seen).toHaveLength(7);
        expect(new Set(seen)).toEqual(new Set(titles));
      });

      it('rename bumps the version and keeps counters written by a concurrent exchange', async () => {
        const conv = await conversation();
        const [renamed, begun] = await Promise.all([
          store.renameConversation(ALICE, conv.id, 'Renamed'),
          created(conv),
        ]);
        expect(renamed?.version).toBeGreaterThan(conv.version);
        await finish(conv, begun.assistantMessage.id);
        await store.renameConversation(ALICE, conv.id, 'Renamed again');
        const stored = await store.getConversation(ALICE, conv.id);
        expect(stored).toMatchObject({ title: 'Renamed again', messageCount: 2, usage: USAGE });
      });

      it('delete removes the conversation and every message in it', async () => {
        const conv = await conversation();
        const keep = await conversation(ALICE, 'keep');
        await created(conv);
        await created(keep);
        expect(await store.deleteConversation(ALICE, conv.id)).toBe(true);
        expect(await store.getConversation(ALICE, conv.id)).toBeNull();
        expect(await store.listMessages(ALICE, conv.id, { limit: 10, direction: 'asc' })).toEqual([]);
        expect(await allMessages(keep)).toHaveLength(2);
        expect(await store.deleteConversation(ALICE, conv.id)).toBe(false);
      });
    });

    describe('exchanges', () => {
      it('stores the user message and a PENDING reply with consecutive sequence numbers', async () => {
        const conv = await conversation();
        const { userMessage, assistantMessage } = await created(conv, { content: 'Hi there', clientMessageId: 'c-1' });
        expect(userMessage).toMatchObject({ role: 'USER', status: 'COMPLETE', content: 'Hi there', clientMessageId: 'c-1' });
        expect(assistantMessage).toMatchObject({ role: 'ASSISTANT', status: 'PENDING', seq: userMessage.seq + 1 });
        const next = await created(conv);
        expect(next.userMessage.seq).toBe(assistantMessage.seq + 1);
        expect((await store.getConversation(ALICE, conv.id))?.messageCount).toBe(2);
      });

      it('refuses an exchange in a missing or foreign conversation and writes nothing', async () => {
        const conv = await conversation();
        expect(await exchange({ ...conv, userId: BOB })).toEqual({ kind: 'not_found' });
        expect(await exchange({ ...conv, id: 'not-an-id' })).toEqual({ kind: 'not_found' });
        expect(await allMessages(conv)).toEqual([]);
        expect((await store.getConversation(ALICE, conv.id))?.messageCount).toBe(0);
      });

      it('a repeated clientMessageId returns the first exchange and stores nothing new', async () => {
        const conv = await conversation();
        const first = await created(conv, { clientMessageId: 'same' });
        const before = await store.getConversation(ALICE, conv.id);
        const again = await exchange(conv, { clientMessageId: 'same', content: 'different' });
        expect(again).toEqual({ kind: 'duplicate', exchange: first });
        expect(await allMessages(conv)).toHaveLength(2);
        // Refused whole: no counter moved (a store whose abort undoes nothing fails here).
        expect(await store.getConversation(ALICE, conv.id)).toEqual(before);
        expect(await store.findExchange(ALICE, conv.id, 'same')).toEqual(first);
        expect(await store.findExchange(BOB, conv.id, 'same')).toBeNull();
        expect(await store.findExchange(ALICE, conv.id, 'other')).toBeNull();
      });

      it('concurrent identical clientMessageIds create exactly one exchange', async () => {
        const conv = await conversation();
        const results = await Promise.all(
          Array.from({ length: 8 }, () => exchange(conv, { clientMessageId: 'race' })),
        );
        expect(results.filter((result) => result.kind === 'created')).toHaveLength(1);
        expect(results.filter((result) => result.kind === 'duplicate')).toHaveLength(7);
        expect(await allMessages(conv)).toHaveLength(2);
        expect(await store.getConversation(ALICE, conv.id)).toMatchObject({ lastMessageSeq: 2, messageCount: 1, version: 1 });
      });

      it('clientMessageId is unique per conversation only, and absent ids never collide', async () => {
        const one = await conversation();
        const two = await conversation();
        expect((await exchange(one, { clientMessageId: 'x' })).kind).toBe('created');
        expect((await exchange(two, { clientMessageId: 'x' })).kind).toBe('created');
        expect((await exchange(one)).kind).toBe('created');
        expect((await exchange(one)).kind).toBe('created');
        expect(await allMessages(one)).toHaveLength(6);
      });

      it('finishing a reply writes it and the counters once; a second finish is refused', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        const reply = await finish(conv, assistantMessage.id, 'Hello back');
        expect(reply).toMatchObject({ status: 'COMPLETE', content: 'Hello back', usage: USAGE });
        const settled = await store.getConversation(ALICE, conv.id);
        expect(await finish(conv, assistantMessage.id, 'again')).toBeNull();
        const stored = await store.getConversation(ALICE, conv.id);
        expect(stored).toEqual(settled);
        expect(stored).toMatchObject({ messageCount: 2, usage: USAGE });
        const day = stored!.lastMessageAt.toISOString().slice(0, 10);
        expect(await store.listUsage(ALICE, day, day)).toEqual([expect.objectContaining({ totalTokens: USAGE.totalTokens, replies: 1 })]);
        expect(stored!.lastMessageAt.getTime()).toBeGreaterThanOrEqual(conv.lastMessageAt.getTime());
        expect((await allMessages(conv))[1]).toMatchObject({ content: 'Hello back', status: 'COMPLETE' });
      });

      it('a FAILED reply keeps the user message and charges no tokens', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        const failed = await store.finishExchange({
          userId: ALICE, conversationId: conv.id, assistantMessageId: assistantMessage.id, status: 'FAILED',
          content: '', model: conv.model, usage: null, error: 'model unavailable', costMicroUsd: 0,
        });
        expect(failed).toMatchObject({ status: 'FAILED', error: 'model unavailable' });
        expect((await store.getConversation(ALICE, conv.id))?.usage.totalTokens).toBe(0);
        expect((await allMessages(conv)).map((item) => item.status)).toEqual(['COMPLETE', 'FAILED']);
      });

      it('finishing after the conversation was deleted writes nothing (no orphan reply)', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        await store.deleteConversation(ALICE, conv.id);
        expect(await finish(conv, assistantMessage.id)).toBeNull();
        expect(await store.getConversation(ALICE, conv.id)).toBeNull();
        expect(await allMessages(conv)).toEqual([]);
      });

      it("another user cannot finish someone else's reply", async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        expect(await finish({ ...conv, userId: BOB }, assistantMessage.id)).toBeNull();
        expect((await allMessages(conv))[1]?.status).toBe('PENDING');
      });

      it('charges each usage-bearing reply to the usage ledger of its UTC day, in the same write', async () => {
        const conv = await conversation();
        const today = new Date().toISOString().slice(0, 10);
        for (let index = 0; index < 2; index += 1) {
          const { assistantMessage } = await created(conv);
          await finish(conv, assistantMessage.id);
        }
        const { assistantMessage: failedReply } = await created(conv);
        await store.finishExchange({
          userId: ALICE, conversationId: conv.id, assistantMessageId: failedReply.id, status: 'FAILED',
          content: '', model: conv.model, usage: null, error: 'down', costMicroUsd: 0,
        });
        expect(await store.listUsage(ALICE, today, today)).toEqual([
          { userId: ALICE, day: today, promptTokens: 24, completionTokens: 16, totalTokens: 40, costMicroUsd: 60, replies: 2 },
        ]);
        expect(await store.listUsage(BOB, today, today)).toEqual([]);
        expect(await store.listUsage(ALICE, '2000-01-01', '2000-12-31')).toEqual([]);
      });

      it('a refused finish (reply gone) charges nothing to the ledger', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        await store.deleteConversation(ALICE, conv.id);
        await finish(conv, assistantMessage.id);
        const today = new Date().toISOString().slice(0, 10);
        expect(await store.listUsage(ALICE, today, today)).toEqual([]);
      });

      it('a PENDING reply takes partial text; once finished, or for another user, it takes none', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        expect(await store.savePartialReply(ALICE, conv.id, assistantMessage.id, 'Hel')).toBe(true);
        expect(await store.savePartialReply(ALICE, conv.id, assistantMessage.id, 'Hello wor')).toBe(true);
        expect(await store.savePartialReply(BOB, conv.id, assistantMessage.id, 'hijacked')).toBe(false);
        expect((await store.getMessage(ALICE, assistantMessage.id))).toMatchObject({ status: 'PENDING', content: 'Hello wor' });
        await store.finishExchange({
          userId: ALICE, conversationId: conv.id, assistantMessageId: assistantMessage.id, status: 'CANCELLED',
          content: 'Hello wor', model: conv.model, usage: USAGE, error: null, costMicroUsd: 30,
        });
        expect(await store.savePartialReply(ALICE, conv.id, assistantMessage.id, 'Hello world')).toBe(false);
        expect(await store.getMessage(ALICE, assistantMessage.id)).toMatchObject({ status: 'CANCELLED', content: 'Hello wor', usage: USAGE });
        expect((await store.getConversation(ALICE, conv.id))?.usage).toEqual(USAGE);
      });

      it('getMessage finds a message by id for its owner only', async () => {
        const conv = await conversation();
        const { userMessage } = await created(conv);
        expect(await store.getMessage(ALICE, userMessage.id)).toMatchObject({ id: userMessage.id, role: 'USER', content: 'hello' });
        expect(await store.getMessage(BOB, userMessage.id)).toBeNull();
        expect(await store.getMessage(ALICE, 'not-an-id')).toBeNull();
        expect(await store.getMessage(ALICE, '0123456789abcdef01234567')).toBeNull();
      });

      it('the sweep goes by the last write: partial text keeps a long reply alive, and a swept reply keeps its text', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        await tick();
        const cutoff = new Date();
        await tick();
        await store.savePartialReply(ALICE, conv.id, assistantMessage.id, 'partial');
        expect(await store.failStalePending(cutoff, 'interrupted')).toBe(0);
        expect(await store.failStalePending(new Date(Date.now() + 1_000), 'interrupted')).toBe(1);
        expect(await store.getMessage(ALICE, assistantMessage.id)).toMatchObject({ status: 'FAILED', content: 'partial', error: 'interrupted' });
      });

      it('stale PENDING replies are failed by the sweep, fresh ones are kept', async () => {
        const conv = await conversation();
        await created(conv);
        expect(await store.failStalePending(new Date(Date.now() - 60_000), 'interrupted')).toBe(0);
        expect(await store.failStalePending(new Date(Date.now() + 1_000), 'interrupted')).toBe(1);
        expect((await allMessages(conv))[1]).toMatchObject({ status: 'FAILED', error: 'interrupted' });
      });
    });

    describe('system prompts and summaries', () => {
      const summary = (conv: ConversationRecord, text: string, throughSeq: number, expected: number, userId = ALICE) =>
        store.saveSummary(userId, conv.id, text, throughSeq, expected);
      const stored = async (conv: ConversationRecord) => {
        const found = await store.getConversation(ALICE, conv.id);
        if (!found) throw new Error('conversation vanished');
        return found;
      };

      it('a new conversation has prompt version 1, no summary and no messages', async () => {
        const conv = await conversation();
        expect(conv).toMatchObject({ systemPromptVersion: 1, summary: null, summaryThroughSeq: 0, lastMessageSeq: 0 });
      });

      it('lastMessageSeq follows every stored message, a PENDING reply included', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        expect((await stored(conv)).lastMessageSeq).toBe(assistantMessage.seq);
        await finish(conv, assistantMessage.id);
        const next = await created(conv);
        expect((await stored(conv)).lastMessageSeq).toBe(next.assistantMessage.seq);
      });

      it('updating the system prompt bumps its version and the record version, and can remove it', async () => {
        const conv = await conversation();
        const updated = await store.updateSystemPrompt(ALICE, conv.id, 'Answer in French.');
        expect(updated).toMatchObject({ systemPrompt: 'Answer in French.', systemPromptVersion: 2, title: 'Trip' });
        expect(updated!.version).toBeGreaterThan(conv.version);
        expect(await stored(conv)).toEqual(updated);
        const removed = await store.updateSystemPrompt(ALICE, conv.id, null);
        expect(removed).toMatchObject({ systemPrompt: null, systemPromptVersion: 3 });
      });

      it("refuses a system prompt update on another user's or a missing conversation", async () => {
        const conv = await conversation();
        expect(await store.updateSystemPrompt(BOB, conv.id, 'mine now')).toBeNull();
        expect(await store.updateSystemPrompt(ALICE, 'not-an-id', 'x')).toBeNull();
        expect(await store.updateSystemPrompt(ALICE, '0123456789abcdef01234567', 'x')).toBeNull();
        expect(await stored(conv)).toMatchObject({ systemPrompt: 'Be brief.', systemPromptVersion: 1, version: conv.version });
      });

      it('a system prompt update keeps counters written by a concurrent exchange', async () => {
        const conv = await conversation();
        const [, begun] = await Promise.all([store.updateSystemPrompt(ALICE, conv.id, 'New.'), created(conv)]);
        await finish(conv, begun.assistantMessage.id);
        expect(await stored(conv)).toMatchObject({ systemPrompt: 'New.', systemPromptVersion: 2, messageCount: 2, usage: USAGE });
      });

      it('saves a summary when the stored one is still the expected one, and chains from it', async () => {
        const conv = await conversation();
        for (let index = 0; index < 3; index += 1) await created(conv);
        expect(await summary(conv, 'first four', 4, 0)).toBe(true);
        const first = await stored(conv);
        expect(first).toMatchObject({ summary: 'first four', summaryThroughSeq: 4 });
        expect(first.version).toBeGreaterThan(conv.version);
        expect(await summary(conv, 'all six', 6, 4)).toBe(true);
        expect(await stored(conv)).toMatchObject({ summary: 'all six', summaryThroughSeq: 6 });
      });

      it('refuses a summary built on a stale expectation: an older summary never replaces a newer one', async () => {
        const conv = await conversation();
        for (let index = 0; index < 3; index += 1) await created(conv);
        expect(await summary(conv, 'newer', 6, 0)).toBe(true);
        expect(await summary(conv, 'older', 4, 0)).toBe(false);
        expect(await stored(conv)).toMatchObject({ summary: 'newer', summaryThroughSeq: 6 });
      });

      it('of racing summarisers with the same expectation exactly one applies', async () => {
        const conv = await conversation();
        for (let index = 0; index < 3; index += 1) await created(conv);
        const texts = ['a', 'b', 'c', 'd', 'e', 'f'];
        const results = await Promise.all(texts.map((text, index) => summary(conv, text, 2 + (index % 5), 0)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = texts[results.indexOf(true)];
        const after = await stored(conv);
        expect(after.summary).toBe(winner);
        expect(after.summaryThroughSeq).toBe(2 + (results.indexOf(true) % 5));
      });

      it('refuses summaries that cover nothing new or messages that do not exist', async () => {
        const conv = await conversation();
        await created(conv);
        expect(await summary(conv, 'nothing new', 0, 0)).toBe(false);
        expect(await summary(conv, 'beyond the end', 3, 0)).toBe(false);
        expect(await stored(conv)).toMatchObject({ summary: null, summaryThroughSeq: 0 });
      });

      it("another user's id, or a malformed one, saves nothing", async () => {
        const conv = await conversation();
        await created(conv);
        const before = await stored(conv);
        expect(await summary(conv, 'stolen', 2, 0, BOB)).toBe(false);
        expect(await store.saveSummary(ALICE, 'not-an-id', 'x', 2, 0)).toBe(false);
        expect(await store.saveSummary(ALICE, '0123456789abcdef01234567', 'x', 2, 0)).toBe(false);
        expect(await stored(conv)).toEqual(before);
      });
    });

    describe('message pages', () => {
      let conv: ConversationRecord;
      beforeEach(async () => {
        conv = await conversation();
        for (let index = 0; index < 3; index += 1) await created(conv, { content: `m${index}` });
      });
      const page = (direction: 'asc' | 'desc', limit: number, bound: { afterSeq?: number; beforeSeq?: number } = {}) =>
        store.listMessages(ALICE, conv.id, { direction, limit, ...bound }).then((items) => items.map((item) => item.seq));

      it('pages forward from a sequence number', async () => {
        expect(await page('asc', 4)).toEqual([1, 2, 3, 4]);
        expect(await page('asc', 4, { afterSeq: 4 })).toEqual([5, 6]);
        expect(await page('asc', 4, { afterSeq: 6 })).toEqual([]);
      });

      it('pages backward from the newest or from a sequence number', async () => {
        expect(await page('desc', 2)).toEqual([6, 5]);
        expect(await page('desc', 2, { beforeSeq: 5 })).toEqual([4, 3]);
        expect(await page('desc', 10, { beforeSeq: 2 })).toEqual([1]);
      });

      it("returns nothing for another user's conversation", async () => {
        expect(await store.listMessages(BOB, conv.id, { direction: 'asc', limit: 10 })).toEqual([]);
      });
    });

    describe('branches (regenerate, edit, selectBranch)', () => {
      /** Three finished exchanges: u1 r1 u2 r2 u3 r3 (seqs 1..6). */
      async function thread() {
        const conv = await conversation();
        const exchanges = [];
        for (const content of ['one', 'two', 'three']) {
          const made = await created(conv, { content });
          await finish(conv, made.assistantMessage.id, `re: ${content}`);
          exchanges.push(made);
        }
        const [e1, e2, e3] = exchanges as [typeof exchanges[0], typeof exchanges[0], typeof exchanges[0]];
        return { conv, u1: e1.userMessage, r1: e1.assistantMessage, u2: e2.userMessage, r2: e2.assistantMessage, u3: e3.userMessage, r3: e3.assistantMessage };
      }
      const branch = (conv: ConversationRecord, parentId: string | null, userContent: string | null, clientMessageId: string | null = null) =>
        store.beginBranch({ userId: conv.userId, conversationId: conv.id, parentId, userContent, clientMessageId, model: conv.model });
      const branched = async (conv: ConversationRecord, parentId: string | null, userContent: string | null, clientMessageId: string | null = null) => {
        const result = await branch(conv, parentId, userContent, clientMessageId);
        if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
        return result.exchange;
      };
      const activeIds = async (conv: ConversationRecord) => (await allMessages(conv)).map((item) => item.id);
      /** The active branch is exactly the path to the active leaf, and nothing else is active. */
      const expectOneActivePath = async (conv: ConversationRecord) => {
        const now = (await store.getConversation(conv.userId, conv.id))!;
        const path = now.activeLeafId ? await store.listPath(conv.userId, conv.id, now.activeLeafId, { limit: 1000 }) : [];
        expect((await allMessages(conv)).map((item) => item.id)).toEqual(path.reverse().map((item) => item.id));
        return now;
      };
      /** Counters a refused write must leave as they were. */
      const counters = async (conv: ConversationRecord) => {
        const now = (await store.getConversation(conv.userId, conv.id))!;
        return { seq: now.lastMessageSeq, count: now.messageCount, leaf: now.activeLeafId, branch: now.branchVersion, version: now.version, active: await activeIds(conv) };
      };

      it('links sends into one line: each message follows the one before, the newest reply is the active leaf', async () => {
        const { conv, u1, r1, u2, r2, r3 } = await thread();
        expect([u1.parentId, r1.parentId, u2.parentId, r2.parentId]).toEqual([null, u1.id, r1.id, u2.id]);
        const now = await expectOneActivePath(conv);
        expect(now.activeLeafId).toBe(r3.id);
        expect(now.branchVersion).toBe(0);
        expect((await allMessages(conv)).every((item) => item.active)).toBe(true);
      });

      it('regenerate: a new PENDING reply as a sibling of the old one, on the active branch in its place', async () => {
        const { conv, u1, r1, u2, r2, r3 } = await thread();
        const before = await counters(conv);
        const again = await branched(conv, u2.id, null);
        expect(again.userMessage.id).toBe(u2.id);
        expect(again.assistantMessage).toMatchObject({ role: 'ASSISTANT', status: 'PENDING', parentId: u2.id, seq: 7, active: true });
        expect(await activeIds(conv)).toEqual([u1.id, r1.id, u2.id, again.assistantMessage.id]);
        const now = await expectOneActivePath(conv);
        expect(now).toMatchObject({ activeLeafId: again.assistantMessage.id, lastMessageSeq: 7, branchVersion: before.branch + 1, messageCount: before.count });
        const [siblings] = await store.listSiblings(ALICE, conv.id, [u2.id]);
        expect(siblings!.ids).toEqual([r2.id, again.assistantMessage.id]);
        for (const old of [r2, r3]) expect((await store.getMessage(ALICE, old.id))!.active).toBe(false);
      });

      it('edit deep in a thread forks it: the new user message and its reply are active, the old branch stays stored', async () => {
        const { conv, u1, r1, u2, r2, u3, r3 } = await thread();
        const edited = await branched(conv, r1.id, 'two, edited');
        expect(edited.userMessage).toMatchObject({ role: 'USER', content: 'two, edited', parentId: r1.id, seq: 7, active: true });
        expect(edited.assistantMessage).toMatchObject({ parentId: edited.userMessage.id, seq: 8, status: 'PENDING' });
        expect(await activeIds(conv)).toEqual([u1.id, r1.id, edited.userMessage.id, edited.assistantMessage.id]);
        await expectOneActivePath(conv);
        for (const old of [u2, r2, u3, r3]) expect(await store.getMessage(ALICE, old.id)).toMatchObject({ id: old.id, active: false });
        expect(await store.listSiblings(ALICE, conv.id, [r1.id])).toEqual([{ parentId: r1.id, ids: [u2.id, edited.userMessage.id] }]);
        // Pages in both directions see the active branch only, by seq.
        const seqs = (items: Array<{ seq: number }>) => items.map((item) => item.seq);
        expect(seqs(await store.listMessages(ALICE, conv.id, { direction: 'asc', limit: 2, afterSeq: 1 }))).toEqual([2, 7]);
        expect(seqs(await store.listMessages(ALICE, conv.id, { direction: 'desc', limit: 3, beforeSeq: 8 }))).toEqual([7, 2, 1]);
        // The old branch is still a whole path.
        expect((await store.listPath(ALICE, conv.id, r3.id, { limit: 10 })).map((item) => item.id)).toEqual([r3.id, u3.id, r2.id, u2.id, r1.id, u1.id]);
        expect((await store.listPath(ALICE, conv.id, r3.id, { limit: 2 })).map((item) => item.id)).toEqual([r3.id, u3.id]);
        expect((await store.listPath(ALICE, conv.id, r3.id, { limit: 10, afterSeq: 3 })).map((item) => item.id)).toEqual([r3.id, u3.id, r2.id]);
      });

      it('edit of the first message makes a second root', async () => {
        const { conv, u1 } = await thread();
        const edited = await branched(conv, null, 'one, edited');
        expect(edited.userMessage.parentId).toBeNull();
        expect(await activeIds(conv)).toEqual([edited.userMessage.id, edited.assistantMessage.id]);
        expect(await store.listSiblings(ALICE, conv.id, [null])).toEqual([{ parentId: null, ids: [u1.id, edited.userMessage.id] }]);
        await expectOneActivePath(conv);
      });

      it('selectBranch makes the newest leaf under a message active, and back', async () => {
        const { conv, u1, r1, u2, r2, u3, r3 } = await thread();
        const edited = await branched(conv, r1.id, 'two, edited');
        const back = await store.selectBranch(ALICE, conv.id, u2.id);
        expect(back).toMatchObject({ activeLeafId: r3.id });
        expect(await activeIds(conv)).toEqual([u1.id, r1.id, u2.id, r2.id, u3.id, r3.id]);
        await expectOneActivePath(conv);
        // Under r1 the newest leaf is the edited branch's reply.
        expect(await store.selectBranch(ALICE, conv.id, r1.id)).toMatchObject({ activeLeafId: edited.assistantMessage.id });
        expect(await activeIds(conv)).toEqual([u1.id, r1.id, edited.userMessage.id, edited.assistantMessage.id]);
        // Selecting where it already is changes nothing.
        const before = await counters(conv);
        await store.selectBranch(ALICE, conv.id, edited.userMessage.id);
        expect(await counters(conv)).toEqual(before);
      });

      it('a send after a branch change continues the active branch', async () => {
        const { conv, u2, r3 } = await thread();
        const again = await branched(conv, u2.id, null);
        await finish(conv, again.assistantMessage.id, 'another two');
        await store.selectBranch(ALICE, conv.id, r3.id);
        const next = await created(conv, { content: 'four' });
        expect(next.userMessage.parentId).toBe(r3.id);
        await expectOneActivePath(conv);
      });

      it('refuses, writing nothing, a parent that is missing, foreign, elsewhere or of the wrong role', async () => {
        const { conv, r1, u2 } = await thread();
        const other = await conversation();
        const elsewhere = await created(other);
        const bobs = await conversation(BOB);
        const before = await counters(conv);
        expect(await branch(conv, r1.id, null)).toEqual({ kind: 'not_found' }); // regenerate answers a user message
        expect(await branch(conv, u2.id, 'edit under a user message')).toEqual({ kind: 'not_found' });
        expect(await branch(conv, elsewhere.userMessage.id, null)).toEqual({ kind: 'not_found' });
        expect(await branch(conv, '0123456789abcdef01234567', null)).toEqual({ kind: 'not_found' });
        expect(await branch(conv, 'not-an-id', 'x')).toEqual({ kind: 'not_found' });
        expect(await store.beginBranch({ userId: BOB, conversationId: conv.id, parentId: u2.id, userContent: null, clientMessageId: null, model: conv.model })).toEqual({ kind: 'not_found' });
        expect(await store.selectBranch(BOB, conv.id, u2.id)).toBeNull();
        expect(await store.selectBranch(ALICE, bobs.id, u2.id)).toBeNull();
        expect(await store.selectBranch(ALICE, conv.id, elsewhere.userMessage.id)).toBeNull();
        expect(await counters(conv)).toEqual(before);
        expect(await store.listSiblings(BOB, conv.id, [null])).toEqual([]);
        expect(await store.listPath(BOB, conv.id, u2.id, { limit: 10 })).toEqual([]);
      });

      it('is idempotent by clientMessageId: a repeated regenerate or edit stores nothing and returns the first', async () => {
        const { conv, r1, u2 } = await thread();
        const regenerated = await branched(conv, u2.id, null, 'regen-1');
        const edited = await branched(conv, r1.id, 'edited', 'edit-1');
        const before = await counters(conv);
        expect(await branch(conv, u2.id, null, 'regen-1')).toEqual({ kind: 'duplicate', exchange: expect.objectContaining({ assistantMessage: expect.objectContaining({ id: regenerated.assistantMessage.id }) }) });
        expect(await branch(conv, r1.id, 'edited', 'edit-1')).toEqual({ kind: 'duplicate', exchange: expect.objectContaining({ userMessage: expect.objectContaining({ id: edited.userMessage.id }) }) });
        expect(await counters(conv)).toEqual(before);
        expect(await store.findExchange(ALICE, conv.id, 'regen-1')).toMatchObject({ userMessage: { id: u2.id }, assistantMessage: { id: regenerated.assistantMessage.id } });
        expect(await store.findExchange(ALICE, conv.id, 'edit-1')).toMatchObject({ userMessage: { id: edited.userMessage.id }, assistantMessage: { id: edited.assistantMessage.id } });
      });

      it('drops the summary when the new branch leaves the active path at or before what it covers, keeps it otherwise', async () => {
        const { conv, r1, u3 } = await thread();
        expect(await store.saveSummary(ALICE, conv.id, 'they counted', 2, 0)).toBe(true);
        await branched(conv, u3.id, null);
        expect(await store.getConversation(ALICE, conv.id)).toMatchObject({ summary: 'they counted', summaryThroughSeq: 2 });
        expect(await store.saveSummary(ALICE, conv.id, 'they counted to three', 4, 2)).toBe(true);
        await branched(conv, r1.id, 'two, edited');
        expect(await store.getConversation(ALICE, conv.id)).toMatchObject({ summary: null, summaryThroughSeq: 0 });
      });

      it('branch switching racing sends leaves one active path', async () => {
        const { conv, u2 } = await thread();
        const edited = await branched(conv, null, 'one, edited');
        await finish(conv, edited.assistantMessage.id);
        await Promise.all([
          store.selectBranch(ALICE, conv.id, u2.id),
          created(conv, { content: 'racing' }),
          store.selectBranch(ALICE, conv.id, edited.userMessage.id),
          created(conv, { content: 'racing too' }),
        ]);
        await expectOneActivePath(conv);
      });

      it('deleting the conversation removes every branch', async () => {
        const { conv, r1, u2, r3 } = await thread();
        const edited = await branched(conv, r1.id, 'edited');
        await branched(conv, u2.id, null);
        expect(await store.deleteConversation(ALICE, conv.id)).toBe(true);
        for (const id of [r3.id, u2.id, edited.userMessage.id, edited.assistantMessage.id]) expect(await store.getMessage(ALICE, id)).toBeNull();
      });
    });

    describe('settings, titles, search, archive and ratings', () => {
      it('updateConversation sets what it is given, bumps systemPromptVersion for a prompt or model, and is scoped by user', async () => {
        const conv = await conversation();
        const updated = await store.updateConversation(ALICE, conv.id, { temperature: 0.5, maxTokens: 100 });
        expect(updated).toMatchObject({ temperature: 0.5, maxTokens: 100, title: 'Trip', systemPromptVersion: conv.systemPromptVersion, version: conv.version + 1 });
        const remodelled = await store.updateConversation(ALICE, conv.id, { model: 'gpt-4o', temperature: null });
        expect(remodelled).toMatchObject({ model: 'gpt-4o', temperature: null, maxTokens: 100, systemPromptVersion: conv.systemPromptVersion + 1 });
        expect(await store.updateConversation(BOB, conv.id, { title: 'mine' })).toBeNull();
        expect(await store.updateConversation(ALICE, 'not-an-id', { title: 'x' })).toBeNull();
        expect(await store.getConversation(ALICE, conv.id)).toEqual(remodelled);
      });

      it('a generated title replaces only the default one', async () => {
        const untitled = await store.createConversation({ userId: ALICE, title: 'New conversation', titleSource: 'DEFAULT', systemPrompt: null, model: 'gpt-4o-mini' });
        expect(await store.setGeneratedTitle(ALICE, untitled.id, 'Tides')).toBe(true);
        expect(await store.getConversation(ALICE, untitled.id)).toMatchObject({ title: 'Tides', titleSource: 'GENERATED' });
        expect(await store.setGeneratedTitle(ALICE, untitled.id, 'Again')).toBe(false);
        const named = await conversation();
        expect(named.titleSource).toBe('USER');
        expect(await store.setGeneratedTitle(ALICE, named.id, 'Nope')).toBe(false);
        const renamedLater = await store.createConversation({ userId: ALICE, title: 'New conversation', titleSource: 'DEFAULT', systemPrompt: null, model: 'gpt-4o-mini' });
        await store.updateConversation(ALICE, renamedLater.id, { title: 'Mine' });
        expect(await store.setGeneratedTitle(ALICE, renamedLater.id, 'Generated')).toBe(false);
        expect(await store.setGeneratedTitle(BOB, untitled.id, 'x')).toBe(false);
        expect(await store.getConversation(ALICE, renamedLater.id)).toMatchObject({ title: 'Mine', titleSource: 'USER' });
      });

      it('lists by search terms (title or one message, all words) and by archived, newest first, never across users', async () => {
        const paris = await conversation(ALICE, 'Paris trip');
        await created(paris, { content: 'Museums open on Monday' });
        await tick();
        const cooking = await conversation(ALICE, 'Cooking');
        await created(cooking, { content: 'Creme brulee for Paris friends' });
        const bobs = await conversation(BOB, 'Paris museums');
        await created(bobs, { content: 'paris museums monday' });
        const list = async (terms: string[], archived?: boolean) => (await store.listConversations(ALICE, { limit: 10, terms, archived })).map((item) => item.title);
        expect(await list(['paris'])).toEqual(['Cooking', 'Paris trip']);
        expect(await list(['museums', 'monday'])).toEqual(['Paris trip']);
        expect(await list(['museums', 'creme'])).toEqual([]);
        expect(await list(['creme'])).toEqual(['Cooking']);
        expect(await list([])).toEqual(['Cooking', 'Paris trip']);
        await store.updateConversation(ALICE, cooking.id, { archived: true });
        expect(await list(['paris'])).toEqual(['Paris trip']);
        expect(await list(['paris'], true)).toEqual(['Cooking']);
        expect(await list([], true)).toEqual(['Cooking']);
      });

      it('stores a rating and its comment, clears both with null, scoped by user', async () => {
        const conv = await conversation();
        const { assistantMessage } = await created(conv);
        expect(await store.rateMessage(ALICE, assistantMessage.id, 'UP', 'Spot on')).toMatchObject({ rating: 'UP', ratingComment: 'Spot on' });
        expect(await store.getMessage(ALICE, assistantMessage.id)).toMatchObject({ rating: 'UP', ratingComment: 'Spot on' });
        expect(await store.rateMessage(BOB, assistantMessage.id, 'DOWN', null)).toBeNull();
        expect(await store.rateMessage(ALICE, assistantMessage.id, null, 'ignored')).toMatchObject({ rating: null, ratingComment: null });
      });
    });
  });
}
