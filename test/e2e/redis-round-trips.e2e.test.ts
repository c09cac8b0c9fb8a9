import Redis from 'ioredis';
import { testRedisUrl } from '../setup/test-services';
import { SEND } from '../helpers/operations';
import { conversationOf, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Issue 13: what a send costs in Redis, counted by Redis itself (MONITOR), so a change that adds
 * a round trip shows here. Commands run inside a Lua script are one round trip and not counted.
 */
async function roundTripsDuring(prefix: string, work: () => Promise<void>): Promise<Record<string, number>> {
  const connection = new Redis(testRedisUrl());
  // What an earlier send still does after its answer (its settlement, context append, slot release) is not this one's.
  await settled(connection, prefix);
  const monitor = await connection.monitor();
  const families: Record<string, number> = {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    // Script internals are not round trips; KEYS and ZCARD are this test's own polling.
    if (source.includes('lua') || ['keys', 'zcard'].includes(args[0]?.toLowerCase() ?? '')) return;
    const key = args.find((arg) => arg.startsWith(prefix));
    if (key === undefined) return;
    const family = key.slice(prefix.length).split(':')[0]!;
    families[family] = (families[family] ?? 0) + 1;
  });
  try {
    await work();
    // The settlement and releases after a reply are sent in the background; MONITOR reports late.
    await settled(connection, prefix);
  } finally {
    monitor.disconnect();
    connection.disconnect();
  }
  return families;
}

/** Waits until no in-flight slot and no budget hold is left under the prefix: every earlier send has settled. */
async function settled(redis: Redis, prefix: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  const busy = async () => {
    if ((await redis.keys(`${prefix}slots:*`)).length > 0) return true;
    for (const key of await redis.keys(`${prefix}budget:*:reservations`)) if ((await redis.zcard(key)) > 0) return true;
    return false;
  };
  while (await busy()) {
    if (Date.now() > deadline) throw new Error('an earlier send still holds its slot or budget hold');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('Redis round trips per send (MONITOR on the real Redis)', () => {
  let t: TestApp;
  const prefix = `parley-rt-${process.pid}:`;
  beforeAll(async () => {
    t = await startTestApp({ env: { REDIS_KEY_PREFIX: prefix, RESPONSE_CACHE_ENABLED: 'true' } });
  });
  afterAll(async () => t.stop());

  it('an uncached send: one each for the rate limit, the budget hold and its settlement; two for the slot; the caches and the reply stream', async () => {
    const token = await t.token('rt-user');
    const conversationId = await conversationOf(t, token);
    await t.gql(token, SEND, { input: { conversationId, content: 'warm up' } });
    const families = await roundTripsDuring(prefix, async () => {
      const result = await t.gql(token, SEND, { input: { conversationId, content: 'count my round trips' } });
      expect(result.errors).toBeUndefined();
    });
    expect(families).toEqual({
      rl: 1, // the per-user send rate (rate-limiter-flexible's script)
      slots: 2, // the in-flight slot: taken, then freed
      budget: 2, // the hold, then its settlement
      ctx: 2, // the conversation's context: read, then appended to
      rc: 3, // the response cache: single-flight claim, exact lookup, then the write that also drops the claim
      reply: 3, // the reply stream: the text, then the final event, then its end marker
    });
  });

  it('an exact cache hit: the same limits and slot, no model-side claim, the reply in one text event', async () => {
    const token = await t.token('rt-hit');
    const first = await conversationOf(t, token);
    await t.gql(token, SEND, { input: { conversationId: first, content: 'a question asked twice' } });
    const second = await conversationOf(t, token);
    const families = await roundTripsDuring(prefix, async () => {
      const result = await t.gql<{ sendMessage: { usage: { totalTokens: number } } }>(token, SEND, { input: { conversationId: second, content: 'a question asked twice' } });
      expect(result.data?.sendMessage.usage.totalTokens).toBe(0);
    });
    expect(families).toEqual({
      rl: 1,
      slots: 2,
      budget: 2, // the worst-case hold taken alongside the lookup, then settled to the hit's charge (none by default)
      ctx: 2, // the new conversation's (empty) context kept, then the question and the served answer appended
      rc: 2, // single-flight claim and exact lookup, in the same round of Redis; a hit writes nothing
      reply: 2, // the served text, then the final event
    });
  });
});
