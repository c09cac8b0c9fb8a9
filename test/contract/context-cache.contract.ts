import { setTimeout as sleep } from 'node:timers/promises';
import type { CachedContext, ContextCache } from '../../src/ports/context-cache';
import type { ChatTurn } from '../../src/ports/llm-client';

export interface ContextCacheHarness {
  /** Views of one cache, each on its own connection where the adapter has connections. */
  clients: ContextCache[];
  /** A fresh, empty cache (e.g. a new key prefix) whose entries live `ttlSeconds`. */
  reset(ttlSeconds?: number): Promise<void>;
  close(): Promise<void>;
}

const CONV = '64b7f0c2a1b2c3d4e5f60718';
const OTHER = '64b7f0c2a1b2c3d4e5f60719';

const user = (index: number): ChatTurn => ({ role: 'user', content: `question ${index}` });
const reply = (index: number): ChatTurn => ({ role: 'assistant', content: `answer ${index}` });
const exchangeTurns = (count: number) => Array.from({ length: count }, (_, index) => [user(index + 1), reply(index + 1)]).flat();

const context = (extra: Partial<CachedContext> = {}): CachedContext => ({
  turns: [user(0), reply(0)],
  throughSeq: 2,
  summary: null,
  summaryThroughSeq: 0,
  systemPromptVersion: 1,
  branchVersion: 0,
  ...extra,
});

/** What every ContextCache adapter must share; a wrong one fails here before any service sees it. */
export function defineContextCacheContract(name: string, open: () => Promise<ContextCacheHarness>): void {
  describe(`ContextCache contract: ${name}`, () => {
    let harness: ContextCacheHarness;
    let cache: ContextCache;

    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());
    beforeEach(async () => {
      await harness.reset();
      cache = harness.clients[0]!;
    });

    it('misses an unknown conversation and reads back what was set, as a copy', async () => {
      expect(await cache.get(CONV)).toBeNull();
      await cache.set(CONV, context({ summary: 'earlier', summaryThroughSeq: 4, throughSeq: 6, systemPromptVersion: 3 }));
      const read = await cache.get(CONV);
      expect(read).toEqual(context({ summary: 'earlier', summaryThroughSeq: 4, throughSeq: 6, systemPromptVersion: 3 }));
      read!.turns.push(user(9));
      expect((await cache.get(CONV))?.turns).toHaveLength(2);
      expect(await cache.get(OTHER)).toBeNull();
    });

    it('keeps any text exactly: quotes, slashes, newlines, emoji, non-Latin scripts', async () => {
      const content = 'He said "hi" \\ / </script>\n\ttab 😀 日本語 ñ \u0000 end';
      await cache.set(CONV, context({ turns: [{ role: 'user', content }], summary: content }));
      await cache.append(CONV, [{ role: 'assistant', content }], 3, 2, 10);
      expect(await cache.get(CONV)).toEqual(
        context({ turns: [{ role: 'user', content }, { role: 'assistant', content }], summary: content, throughSeq: 3 }),
      );
    });

    it('set replaces the entry, invalidate removes it', async () => {
      await cache.set(CONV, context());
      await cache.set(CONV, context({ turns: [], throughSeq: 8 }));
      expect(await cache.get(CONV)).toEqual(context({ turns: [], throughSeq: 8 }));
      await cache.invalidate(CONV);
      expect(await cache.get(CONV)).toBeNull();
      await cache.invalidate(CONV);
    });

    it('appends in order at the expected seq, keeping everything else', async () => {
      await cache.set(CONV, context({ summary: 's', summaryThroughSeq: 0 }));
      expect(await cache.append(CONV, [user(1), reply(1)], 4, 2, 50)).toBe('appended');
      expect(await cache.append(CONV, [user(2)], 6, 4, 50)).toBe('appended');
      expect(await cache.get(CONV)).toEqual(
        context({ turns: [user(0), reply(0), user(1), reply(1), user(2)], throughSeq: 6, summary: 's' }),
      );
    });

    it('appends to an empty window and keeps an empty one empty', async () => {
      await cache.set(CONV, context({ turns: [], throughSeq: 0 }));
      expect(await cache.append(CONV, [], 2, 0, 50)).toBe('appended');
      expect(await cache.get(CONV)).toEqual(context({ turns: [], throughSeq: 2 }));
      expect(await cache.append(CONV, [user(1), reply(1)], 4, 2, 50)).toBe('appended');
      expect((await cache.get(CONV))?.turns).toEqual([user(1), reply(1)]);
    });

    it('an append with nothing cached writes nothing', async () => {
      expect(await cache.append(CONV, [user(1)], 4, 2, 50)).toBe('missing');
      expect(await cache.get(CONV)).toBeNull();
    });

    it('an append at the wrong seq drops the window instead of leaving a gap or a reordering', async () => {
      await cache.set(CONV, context());
      expect(await cache.append(CONV, [user(3), reply(3)], 8, 6, 50)).toBe('dropped');
      expect(await cache.get(CONV)).toBeNull();
      await cache.set(CONV, context({ throughSeq: 6 }));
      expect(await cache.append(CONV, [user(1), reply(1)], 4, 2, 50)).toBe('dropped');
      expect(await cache.get(CONV)).toBeNull();
    });

    it('keeps only the newest maxTurns turns', async () => {
      await cache.set(CONV, context());
      expect(await cache.append(CONV, [user(1), reply(1), user(2)], 5, 2, 3)).toBe('appended');
      expect(await cache.get(CONV)).toEqual(context({ turns: [user(1), reply(1), user(2)], throughSeq: 5 }));
    });

    it('concurrent appends in seq order from several clients all land, in order', async () => {
      await cache.set(CONV, context({ turns: [], throughSeq: 0 }));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => {
          const client = harness.clients[index % harness.clients.length]!;
          return client.append(CONV, [user(index + 1), reply(index + 1)], 2 * index + 2, 2 * index, 1000);
        }),
      );
      const read = await cache.get(CONV);
      if (results.every((result) => result === 'appended')) {
        expect(read).toEqual(context({ turns: exchangeTurns(20), throughSeq: 40 }));
      } else {
        expect(read).toBeNull();
      }
      expect(results.filter((result) => result === 'appended').length).toBeGreaterThan(0);
    });

    it('appends racing in any order never leave a window with a gap or out of order', async () => {
      for (let round = 0; round < 5; round += 1) {
        await cache.set(CONV, context({ turns: [], throughSeq: 0 }));
        const order = shuffle(Array.from({ length: 12 }, (_, index) => index));
        await Promise.all(
          order.map((index, position) =>
            harness.clients[position % harness.clients.length]!.append(
              CONV, [user(index + 1), reply(index + 1)], 2 * index + 2, 2 * index, 1000,
            ),
          ),
        );
        const read = await cache.get(CONV);
        if (read) expect(read).toEqual(context({ turns: exchangeTurns(read.throughSeq / 2), throughSeq: read.throughSeq }));
      }
    });

    it('two appends at the same position: one lands, then the window is dropped', async () => {
      await cache.set(CONV, context());
      const results = await Promise.all(harness.clients.concat(harness.clients).map((client, index) =>
        client.append(CONV, [user(10 + index)], 3, 2, 50),
      ));
      expect(results.filter((result) => result === 'appended')).toHaveLength(1);
      expect(results).toContain('dropped');
      expect(await cache.get(CONV)).toBeNull();
    });

    it('entries expire after the time to live, and a write renews it', async () => {
      await harness.reset(0.4);
      cache = harness.clients[0]!;
      await cache.set(CONV, context());
      await cache.set(OTHER, context());
      await sleep(250);
      expect(await cache.append(CONV, [user(1)], 3, 2, 50)).toBe('appended');
      await sleep(250);
      expect(await cache.get(OTHER)).toBeNull();
      expect((await cache.get(CONV))?.throughSeq).toBe(3);
      await sleep(450);
      expect(await cache.get(CONV)).toBeNull();
      expect(await cache.append(CONV, [user(2)], 4, 3, 50)).toBe('missing');
    });
  });
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}
