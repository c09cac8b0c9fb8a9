import type { ReplyBus, ReplyEvent } from '../../src/ports/reply-bus';

export interface ReplyBusHarness {
  /** The bus of the instance generating replies. */
  bus: ReplyBus;
  /** The bus of another instance sharing the same backend (the same bus where there is one instance). */
  peer: ReplyBus;
  close(): Promise<void>;
}

/** Replay and live events are what a resuming client stitches together; neither may lose or reorder. */
export function defineReplyBusContract(name: string, open: (options: { ttlMs: number; maxEvents: number }) => Promise<ReplyBusHarness>): void {
  describe(`ReplyBus contract: ${name}`, () => {
    let harness: ReplyBusHarness;
    let id = 0;
    const nextId = () => `reply-${Date.now()}-${(id += 1)}`;
    const until = async (check: () => boolean, ms = 2_000) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    };

    beforeAll(async () => {
      harness = await open({ ttlMs: 60_000, maxEvents: 100 });
    });
    afterAll(async () => harness.close());

    it('replays what was appended after a given seq, in order, final event included', async () => {
      const messageId = nextId();
      await harness.bus.append(messageId, [{ seq: 1, delta: 'Hel' }, { seq: 2, delta: 'lo, ' }]);
      await harness.bus.append(messageId, [{ seq: 3, delta: 'wörld ✓\n' }, { seq: 4, final: true }]);
      expect(await harness.peer.read(messageId, 0)).toEqual([
        { seq: 1, delta: 'Hel' }, { seq: 2, delta: 'lo, ' }, { seq: 3, delta: 'wörld ✓\n' }, { seq: 4, final: true },
      ]);
      expect(await harness.peer.read(messageId, 2)).toEqual([{ seq: 3, delta: 'wörld ✓\n' }, { seq: 4, final: true }]);
      expect(await harness.peer.read(messageId, 4)).toEqual([]);
      expect(await harness.peer.read(nextId(), 0)).toEqual([]);
    });

    it('delivers appended events live to listeners of that reply only, until they stop', async () => {
      const [watched, other] = [nextId(), nextId()];
      const seen: ReplyEvent[] = [];
      const stop = await harness.peer.listen(watched, (event) => seen.push(event));
      await harness.bus.append(other, [{ seq: 1, delta: 'not mine' }]);
      await harness.bus.append(watched, [{ seq: 1, delta: 'a' }, { seq: 2, delta: 'b' }]);
      await until(() => seen.length >= 2);
      await stop();
      await harness.bus.append(watched, [{ seq: 3, final: true }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([{ seq: 1, delta: 'a' }, { seq: 2, delta: 'b' }]);
    });

    it('a seq appended twice is kept once', async () => {
      const messageId = nextId();
      await harness.bus.append(messageId, [{ seq: 1, delta: 'x' }]);
      await harness.bus.append(messageId, [{ seq: 1, delta: 'x' }, { seq: 2, final: true }]);
      expect(await harness.bus.read(messageId, 0)).toEqual([{ seq: 1, delta: 'x' }, { seq: 2, final: true }]);
    });

    it('takes nothing after a final event, not even from another instance, and tells no listener', async () => {
      const messageId = nextId();
      const seen: ReplyEvent[] = [];
      const stop = await harness.bus.listen(messageId, (event) => seen.push(event));
      await harness.peer.append(messageId, [{ seq: 1, delta: 'kept' }, { seq: 2, final: true }]);
      await harness.bus.append(messageId, [{ seq: 3, delta: 'too late' }, { seq: 4, final: true }]);
      await until(() => seen.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await stop();
      expect(await harness.bus.read(messageId, 0)).toEqual([{ seq: 1, delta: 'kept' }, { seq: 2, final: true }]);
      expect(seen).toEqual([{ seq: 1, delta: 'kept' }, { seq: 2, final: true }]);
    });

    it('carries a cancel request to the instance that asked to hear them', async () => {
      const heard: string[] = [];
      await harness.bus.onCancelRequest((messageId) => heard.push(messageId));
      const messageId = nextId();
      await harness.peer.requestCancel(messageId);
      await until(() => heard.includes(messageId));
      expect(heard).toContain(messageId);
    });

    it('keeps at most maxEvents per reply, the newest', async () => {
      const small = await open({ ttlMs: 60_000, maxEvents: 3 });
      try {
        const messageId = nextId();
        await small.bus.append(messageId, [1, 2, 3, 4, 5].map((seq) => ({ seq, delta: String(seq) })));
        expect((await small.peer.read(messageId, 0)).map((event) => event.seq)).toEqual([3, 4, 5]);
      } finally {
        await small.close();
      }
    });

    it('forgets a reply once its time to live passed without an append', async () => {
      const brief = await open({ ttlMs: 100, maxEvents: 100 });
      try {
        const messageId = nextId();
        await brief.bus.append(messageId, [{ seq: 1, delta: 'soon gone' }]);
        expect(await brief.peer.read(messageId, 0)).toHaveLength(1);
        await new Promise((resolve) => setTimeout(resolve, 250));
        expect(await brief.peer.read(messageId, 0)).toEqual([]);
      } finally {
        await brief.close();
      }
    });
  });
}
