import type { ExecutionResult } from 'graphql';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { startRedisServer, type RedisProcess } from '../../src/dev/redis-process';
import { testRedisUrl } from '../setup/test-services';
import { sample } from '../helpers/prometheus-text';
import { SEND } from '../helpers/operations';
import { postGraphQL } from '../helpers/raw-graphql';
import { conversationOf, codes, startTestApp, type TestApp } from '../helpers/test-app';

const limits = (free: Record<string, number>) => JSON.stringify({ free, pro: { sendPerMinute: 1000, maxConcurrentGenerations: 100 } });

const sendTo = (t: TestApp, token: string, conversationId: string, content = 'hi') =>
  t.gql<{ sendMessage: { assistantMessage: { status: string } } }>(token, SEND, { input: { conversationId, content } });

function expectRateLimited(result: ExecutionResult): void {
  expect(codes(result)).toEqual(['RATE_LIMITED']);
  expect(result.errors![0]!.extensions!.retryAfterSeconds).toEqual(expect.any(Number));
  expect(result.errors![0]!.extensions!.retryAfterSeconds as number).toBeGreaterThanOrEqual(1);
}

describe('per-user send limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TIER_LIMITS: limits({ sendPerMinute: 3, maxConcurrentGenerations: 5 }) } });
  });
  afterAll(async () => t.stop());

  it('refuses the send over the limit with RATE_LIMITED, storing nothing and calling no model', async () => {
    const token = await t.token('limited-user');
    const id = await conversationOf(t, token);
    for (let index = 0; index < 3; index += 1) expect((await sendTo(t, token, id)).errors).toBeUndefined();
    const refused = await sendTo(t, token, id, 'one too many');
    expectRateLimited(refused);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(3);
    const stored = await t.store.listMessages('limited-user', id, { direction: 'asc', limit: 100 });
    expect(stored.map((message) => message.content)).not.toContain('one too many');
    expect(stored).toHaveLength(6);
  });

  it('counts each user separately and follows the tier', async () => {
    const other = await t.token('other-user');
    const pro = await t.token('pro-user', 'pro');
    const otherId = await conversationOf(t, other);
    const proId = await conversationOf(t, pro);
    for (let index = 0; index < 3; index += 1) expect((await sendTo(t, other, otherId)).errors).toBeUndefined();
    for (let index = 0; index < 5; index += 1) expect((await sendTo(t, pro, proId)).errors).toBeUndefined();
  });
});

describe('limits across instances', () => {
  it('two Parley processes on one Redis together admit no more than the limit', async () => {
    const env = { TIER_LIMITS: limits({ sendPerMinute: 4, maxConcurrentGenerations: 10 }), REDIS_KEY_PREFIX: `parley-test:${randomUUID()}:` };
    const one = await startTestApp({ env });
    const two = await startTestApp({ env, fake: one.fake, store: one.store });
    try {
      const token = await one.token('shared-user');
      const id = await conversationOf(one, token);
      const results = await Promise.all(Array.from({ length: 8 }, (_, index) => sendTo(index % 2 ? two : one, token, id)));
      expect(results.filter((result) => result.errors === undefined)).toHaveLength(4);
      results.filter((result) => result.errors !== undefined).forEach(expectRateLimited);
      expect(one.fake.requestCount('/v1/chat/completions')).toBe(4);
    } finally {
      await two.stop();
      await one.stop();
    }
  });
});

describe('in-flight generations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { TIER_LIMITS: limits({ sendPerMinute: 100, maxConcurrentGenerations: 2 }), RETRY_MAX_ATTEMPTS: '1', DEGRADED_MODE: 'error', BREAKER_TIMEOUT_MS: '500' },
    });
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  it('allows 2 at once per user and refuses the third with RATE_LIMITED', async () => {
    const token = await t.token('busy-user');
    const id = await conversationOf(t, token);
    t.fake.setLatency(300);
    const results = await Promise.all([sendTo(t, token, id, 'a'), sendTo(t, token, id, 'b'), sendTo(t, token, id, 'c')]);
    expect(results.filter((result) => result.errors === undefined)).toHaveLength(2);
    results.filter((result) => result.errors !== undefined).forEach(expectRateLimited);
    expect(t.fake.requestCount('/v1/chat/completions')).toBe(2);
  });

  it('frees the slot on every exit path: success, model failure, timeout, not found', async () => {
    const token = await t.token('exit-user');
    const id = await conversationOf(t, token);
    t.fake.enqueueFaults([{ type: 'status', status: 500 }, { type: 'hang' }]);
    expect(codes(await sendTo(t, token, id))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(codes(await sendTo(t, token, id))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(codes(await sendTo(t, token, '0123456789abcdef01234567'))).toEqual(['NOT_FOUND']);
    expect(codes(await sendTo(t, token, id))).toEqual([]);
    t.fake.setLatency(200);
    const pair = await Promise.all([sendTo(t, token, id), sendTo(t, token, id)]);
    expect(pair.every((result) => result.errors === undefined)).toBe(true);
  });
});

describe('per-IP limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3', RATE_LIMIT_AUTH_FAILURES: '3' } });
  });
  afterAll(async () => t.stop());

  it('limits unauthenticated requests per IP with 429 RATE_LIMITED', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await postGraphQL(t, null, '{ __typename }')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await postGraphQL(t, null, '{ __typename }')).codes).toEqual(['RATE_LIMITED']);
  });

  it('after repeated bad tokens, refuses further bad tokens from that IP, but never a valid one', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await postGraphQL(t, 'forged.token.value', '{ me { id } }')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const blocked = await postGraphQL(t, 'another.forged.token', '{ me { id } }');
    expect(blocked.status).toBe(429);
    expect(blocked.codes).toEqual(['RATE_LIMITED']);
    // One attacker behind a shared proxy or NAT must not lock out the users who share its address.
    const valid = await postGraphQL(t, await t.token('alice'), '{ me { id } }');
    expect(valid.status).toBe(200);
  });
});

/** An app on a redis-server of its own (with a 200 ms command timeout unless given), for tests that stop or stall it. */
async function withOwnRedis(tier: Record<string, number>, run: (t: TestApp, redis: RedisProcess) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const redis = await startRedisServer();
  const t = await startTestApp({ env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '200', TIER_LIMITS: limits(tier), ...env } });
  try {
    await run(t, redis);
  } finally {
    await t.stop();
    await redis.stop();
  }
}

describe('Redis down', () => {
  it('keeps answering within the command timeout, with limits enforced per instance', async () => {
    await withOwnRedis({ sendPerMinute: 3, maxConcurrentGenerations: 5 }, async (t, redis) => {
      const token = await t.token('redis-user');
      const id = await conversationOf(t, token);
      expect((await sendTo(t, token, id)).errors).toBeUndefined();
      await redis.stop();
      const timings: number[] = [];
      const outcomes: unknown[][] = [];
      for (let index = 0; index < 4; index += 1) {
        const startedAt = Date.now();
        outcomes.push(codes(await sendTo(t, token, id)));
        timings.push(Date.now() - startedAt);
      }
      expect(outcomes).toEqual([[], [], [], ['RATE_LIMITED']]);
      expect(Math.max(...timings)).toBeLessThan(1_000);
      // /readyz names the dependency that is down, without the driver's text (hosts, ports).
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ready: false, checks: { store: 'ok', redis: 'unavailable' } });
    });
  });
});

describe('a Redis stall (issue 10, finding 6)', () => {
  it('leaves no generation slot behind: commands that timed out but ran once Redis resumed are released', async () => {
    await withOwnRedis({ sendPerMinute: 100, maxConcurrentGenerations: 2 }, async (t, redis) => {
      const token = await t.token('stalled-user');
      const id = await conversationOf(t, token);
      process.kill(redis.pid, 'SIGSTOP');
      try {
        const during = await Promise.all([sendTo(t, token, id, 'one'), sendTo(t, token, id, 'two')]);
        expect(during.map(codes)).toEqual([[], []]);
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
      // Redis now runs the commands it was sent during the stall, the slot claims among them.
      await until(async () => (await sendTo(t, token, id, 'probe')).errors === undefined, 3_000);
      const after = await Promise.all([sendTo(t, token, id, 'three'), sendTo(t, token, id, 'four')]);
      expect(after.map(codes)).toEqual([[], []]);
    });
  });

  it('costs a request at most one command timeout: the first call that times out marks Redis unhealthy, later calls skip it until a ping answers', async () => {
    const timeoutMs = 500;
    await withOwnRedis({ sendPerMinute: 100, maxConcurrentGenerations: 2 }, async (t, redis) => {
      const token = await t.token('stall-timing');
      const id = await conversationOf(t, token);
      expect(codes(await sendTo(t, token, id, 'before'))).toEqual([]);
      const timings: number[] = [];
      process.kill(redis.pid, 'SIGSTOP');
      try {
        for (const content of ['one', 'two', 'three', 'four']) {
          const startedAt = Date.now();
          expect(codes(await sendTo(t, token, id, content))).toEqual([]);
          timings.push(Date.now() - startedAt);
        }
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
      // Before: every call on the way waited out its own timeout (about 4 × 500 ms per send). The
      // first send waits out one, and on a loaded machine (the whole suite at once) a second call
      // may already be on its way when the first times out.
      expect(timings[0]).toBeLessThan(3 * timeoutMs);
      for (const later of timings.slice(1)) expect(later).toBeLessThan(timeoutMs);
      // Once Redis answers a ping, sends use it again: the shared limiter counts them.
      await until(async () => {
        const before = sample(await t.metrics(), 'parley_redis_operation_duration_seconds_count', { component: 'rate-limit', operation: 'consume', outcome: 'ok' }) ?? 0;
        await sendTo(t, token, id, 'after');
        const after = sample(await t.metrics(), 'parley_redis_operation_duration_seconds_count', { component: 'rate-limit', operation: 'consume', outcome: 'ok' }) ?? 0;
        return after > before;
      }, 3_000);
      expect(sample(await t.metrics(), 'parley_rate_limit_insurance_total', { limiter: 'send:free' })).toBeGreaterThanOrEqual(4);
    }, { REDIS_COMMAND_TIMEOUT_MS: String(timeoutMs) });
  });

  it('frees a slot whose release failed during the stall: the release is sent again by its holder token once Redis answers', async () => {
    await withOwnRedis({ sendPerMinute: 100, maxConcurrentGenerations: 1 }, async (t, redis) => {
      const token = await t.token('stalled-release');
      const id = await conversationOf(t, token);
      t.fake.setLatency(800);
      const running = sendTo(t, token, id, 'holds the only slot');
      // Its slot is claimed in Redis while Redis still answers; the reply ends during the stall.
      await until(async () => t.fake.requestCount('/v1/chat/completions') === 1, 2_000);
      process.kill(redis.pid, 'SIGSTOP');
      try {
        expect(codes(await running)).toEqual([]);
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
      t.fake.setLatency(0);
      // Without the resend the slot stays taken until its TTL (PENDING_STALE_MS, 2 minutes).
      await until(async () => (await sendTo(t, token, id, 'next')).errors === undefined, 5_000);
      expect(codes(await sendTo(t, token, id, 'and the next'))).toEqual([]);
    });
  });
});

describe.each(['parallel', 'wait'])('a send the limits refuse costs nothing (similar lookup %s)', (lookup) => {
  const prefix = `parley-test:${randomUUID()}:`;
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        REDIS_KEY_PREFIX: prefix,
        TIER_LIMITS: JSON.stringify({ free: { sendPerMinute: 2, maxConcurrentGenerations: 10, tokensPerDay: 1_000_000 }, pro: { sendPerMinute: 10, maxConcurrentGenerations: 10 } }),
        RESPONSE_CACHE_ENABLED: 'true',
        RESPONSE_CACHE_SIMILAR_ENABLED: 'true',
        RESPONSE_CACHE_SIMILAR_LOOKUP: lookup,
      },
    });
    redis = await connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 });
  });
  afterAll(async () => {
    redis.disconnect();
    await t.stop();
  });

  it('takes no budget, calls neither model nor embeddings, and leaves no single-flight claim', async () => {
    const token = await t.token('refused-user');
    const id = await conversationOf(t, token);
    for (const content of ['what is a prime number', 'name three rivers in Europe']) expect((await sendTo(t, token, id, content)).errors).toBeUndefined();
    const before = { chat: t.fake.requestCount('/v1/chat/completions'), embeddings: t.fake.requestCount('/v1/embeddings'), remaining: await remainingToday(t, token) };
    const accepted = sample(await t.metrics(), 'parley_budget_reservations_total', { outcome: 'accepted' });

    // Concurrent refusals run their preparation alongside the limits; the later ones ask the limits
    // first. Each is a first turn, so the similar level (first turns only) would embed it.
    const fresh = await Promise.all(Array.from({ length: 9 }, () => conversationOf(t, token)));
    const refused = await Promise.all(fresh.slice(0, 6).map((conversationId, index) => sendTo(t, token, conversationId, `refused question number ${index} about tides`)));
    refused.forEach(expectRateLimited);
    for (const [index, conversationId] of fresh.slice(6).entries()) expectRateLimited(await sendTo(t, token, conversationId, `later refused question ${index}`));
    await delay(200);

    expect(t.fake.requestCount('/v1/chat/completions')).toBe(before.chat);
    expect(t.fake.requestCount('/v1/embeddings')).toBe(before.embeddings);
    expect(await remainingToday(t, token)).toBe(before.remaining);
    const text = await t.metrics();
    expect(sample(text, 'parley_budget_reservations_total', { outcome: 'accepted' })).toBe(accepted);
    expect(sample(text, 'parley_budget_settlements_total', { kind: 'released' })).toBeUndefined();
    const flights = await redis.keys(`${prefix}*flight:*`);
    const holders = (await Promise.all(flights.map((key) => redis.get(key)))).filter((value) => value !== null && value !== '!abandoned');
    expect(holders).toEqual([]);
    expect(await t.store.listMessages('refused-user', id, { direction: 'asc', limit: 100 })).toHaveLength(4);
    for (const conversationId of fresh) expect(await t.store.listMessages('refused-user', conversationId, { direction: 'asc', limit: 10 })).toEqual([]);
  });
});

/** Polls `check` until it holds; fails the test if it never does within `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(100);
  }
  throw new Error(`still not true after ${timeoutMs} ms`);
}

async function remainingToday(t: TestApp, token: string): Promise<number | null> {
  const result = await t.gql<{ usage: { day: { remainingTokens: number | null } } }>(token, 'query { usage { day { remainingTokens } } }');
  return result.data!.usage.day.remainingTokens;
}
