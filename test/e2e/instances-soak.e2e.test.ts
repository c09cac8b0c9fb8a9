import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { DEV_JWT_SECRET } from '../../src/config';
import { signDevToken } from '../../src/services/dev-tokens';
import { FakeOpenAiServer } from '../../src/dev/fake-openai-server';
import type { ChatStore, MessageRecord } from '../../src/ports/chat-store';
import { testRedisUrl } from '../setup/test-services';
import { startCuttableProxy, type CuttableProxy } from '../helpers/cuttable-proxy';
import { CREATE, SEND } from '../helpers/operations';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Issue 13: three Parley instances behind a load balancer, on one Redis and one store, under a
 * bounded load of sends; one instance crashes mid-load. A crash is every connection of the
 * instance cut at once: its clients', its Redis', its model's, and its store calls failing, so
 * nothing it had in flight is finished or released by it. Clients retry a failed send on another
 * instance with the same clientMessageId, as a frontend behind a load balancer does.
 */

// Short lifetimes, so what a crash leaves behind expires within the test.
const STALE_MS = 4_000;
const LIMITS = {
  free: { sendPerMinute: 100_000, maxConcurrentGenerations: 2 },
  pro: { sendPerMinute: 100_000, maxConcurrentGenerations: 1_000 },
  metered: { sendPerMinute: 100_000, maxConcurrentGenerations: 1_000, tokensPerDay: 2_500, tokensPerMonth: 1_000_000, usdPerDay: -1, usdPerMonth: -1 },
};
const USERS = 6;
const SENDS_PER_USER = 6;

/** A store as one process sees it: after sever(), every call fails, as a dead process makes none. */
function severable(store: ChatStore): { store: ChatStore; sever: () => void } {
  let severed = false;
  const view = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (severed ? Promise.reject(new Error('this instance has crashed')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { store: view, sever: () => void (severed = true) };
}

interface Instance {
  app: TestApp;
  /** Where clients reach it: through a proxy that its crash cuts. */
  url: string;
  alive: boolean;
  crash?: () => Promise<void>;
}

type SendOutcome = { kind: 'ok'; assistantMessageId: string } | { kind: 'refused'; code: string } | { kind: 'lost' };

describe('three instances, one Redis, one store: a bounded load with one instance crashing', () => {
  const fake = new FakeOpenAiServer({ chunkDelayMs: 15, replyWords: 24 });
  const shared = new MemoryChatStore();
  const prefix = `parley-soak-${randomUUID()}:`;
  const instances: Instance[] = [];
  const proxies: CuttableProxy[] = [];
  const token = (userId: string, tier: string) => signDevToken({ secret: DEV_JWT_SECRET, userId, tier });

  beforeAll(async () => {
    await fake.start();
    const env = {
      REDIS_KEY_PREFIX: prefix,
      TIERS: 'free,pro,metered',
      TIER_LIMITS: JSON.stringify(LIMITS),
      OPENAI_MAX_COMPLETION_TOKENS: '200',
      GENERATION_TIMEOUT_MS: '3000',
      UPSTREAM_QUEUE_TIMEOUT_MS: '500',
      PENDING_STALE_MS: String(STALE_MS),
      BUDGET_RESERVATION_TTL_MS: String(STALE_MS),
      SHUTDOWN_GRACE_MS: '500',
    };
    for (let index = 0; index < 3; index += 1) {
      const crashes = index === 2;
      if (!crashes) {
        const app = await startTestApp({ fake, store: shared, env });
        instances.push({ app, url: app.url, alive: true });
        continue;
      }
      // The instance that crashes reaches Redis and the model only through proxies its crash cuts.
      const redis = await startCuttableProxy(new URL(testRedisUrl()).host);
      const model = await startCuttableProxy(new URL(fake.url).host);
      const view = severable(shared);
      const app = await startTestApp({
        fake, store: view.store,
        env: { ...env, REDIS_URL: `redis://${redis.address}`, OPENAI_BASE_URL: `http://${model.address}/v1` },
      });
      const front = await startCuttableProxy(new URL(app.url).host);
      proxies.push(redis, model, front);
      const instance: Instance = { app, url: `http://${front.address}`, alive: true };
      instance.crash = async () => {
        instance.alive = false;
        view.sever();
        await Promise.all([front.cut(), redis.cut(), model.cut()]);
      };
      instances.push(instance);
    }
  });

  afterAll(async () => {
    // The crashed one is stopped too (its process would be gone); its failures are expected.
    await Promise.all(instances.map((instance) => instance.app.stop().catch(() => undefined)));
    await fake.stop();
  });

  async function post<T>(url: string, bearer: string, query: string, variables: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ extensions?: { code?: string } }> } | null> {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(8_000),
      });
      return (await response.json()) as { data?: T; errors?: Array<{ extensions?: { code?: string } }> };
    } catch {
      return null;
    }
  }

  /** Sends being answered by the instance that will crash: the crash waits for one to be mid-reply. */
  const onCrashing = new Map<string, { userId: string; conversationId: string }>();

  /** A send as a frontend behind a load balancer makes it: on a lost connection, the same send on the next live instance. */
  async function send(userId: string, bearer: string, conversationId: string, content: string, first: number): Promise<SendOutcome> {
    const clientMessageId = randomUUID();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const alive = instances.filter((candidate) => candidate.alive);
      const instance = attempt === 0 ? instances[first % instances.length]! : alive[attempt % alive.length]!;
      if (instance === instances[2]) onCrashing.set(clientMessageId, { userId, conversationId });
      const answer = await post<{ sendMessage: { assistantMessage: { id: string } } }>(instance.url, bearer, SEND, { input: { conversationId, content, clientMessageId } });
      onCrashing.delete(clientMessageId);
      if (answer === null) continue;
      const code = answer.errors?.[0]?.extensions?.code;
      if (code === 'SERVICE_UNAVAILABLE' || code === 'UPSTREAM_UNAVAILABLE') continue;
      if (code) return { kind: 'refused', code };
      return { kind: 'ok', assistantMessageId: answer.data!.sendMessage.assistantMessage.id };
    }
    return { kind: 'lost' };
  }

  /** Crashes the third instance once one of its replies is under way (stored PENDING, streaming); then what Redis holds. */
  async function crashMidReply(): Promise<string[]> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const inFlight = await Promise.all([...onCrashing].map(([clientMessageId, { userId, conversationId }]) => shared.findExchange(userId, conversationId, clientMessageId)));
      if (inFlight.some((exchange) => exchange?.assistantMessage.status === 'PENDING')) break;
      if (Date.now() > deadline) throw new Error('the instance to crash never had a reply under way');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await instances[2]!.crash!();
    return heldKeys();
  }

  async function conversation(bearer: string, at: Instance): Promise<string> {
    const created = await post<{ createConversation: { id: string } }>(at.url, bearer, CREATE, { input: {} });
    if (!created?.data) throw new Error(`createConversation failed: ${JSON.stringify(created)}`);
    return created.data.createConversation.id;
  }

  /** In-flight slots and budget holds in Redis, of any user. */
  async function heldKeys(): Promise<string[]> {
    const redis = new Redis(testRedisUrl());
    try {
      const keys = await redis.keys(`${prefix}*`);
      return keys.filter((key) => key.includes('slots:') || key.includes(':reservations') || key.includes(':reservation-amounts'));
    } finally {
      redis.disconnect();
    }
  }

  async function messagesOf(userId: string, conversationId: string): Promise<MessageRecord[]> {
    return shared.listMessages(userId, conversationId, { limit: 1_000, direction: 'asc' });
  }

  it('every accepted message is stored exactly once, every reply ends final, limits and budgets hold, nothing is left held', async () => {
    const started = Date.now();
    // Phase 1: sends from several users spread over all three instances; the third crashes a third of the way in.
    const users = await Promise.all(Array.from({ length: USERS }, async (_, index) => {
      const userId = `soak-${index}`;
      const bearer = await token(userId, 'pro');
      return { userId, bearer, conversationId: await conversation(bearer, instances[index % 3]!) };
    }));
    let sent = 0;
    const crashAt = Math.floor((USERS * SENDS_PER_USER) / 3);
    const outcomes = new Map<string, SendOutcome[]>();
    let heldAtCrash: Promise<string[]> | undefined;
    await Promise.all(users.map(async (user, index) => {
      const mine: SendOutcome[] = [];
      outcomes.set(user.userId, mine);
      for (let turn = 0; turn < SENDS_PER_USER; turn += 1) {
        const pending = send(user.userId, user.bearer, user.conversationId, `user ${index} turn ${turn}`, index + turn);
        sent += 1;
        if (sent === crashAt) heldAtCrash = crashMidReply();
        mine.push(await pending);
      }
    }));
    expect(instances[2]!.alive).toBe(false);
    // The crash left held what it had in flight (the survivors free only their own), until the TTLs.
    const leftHeld = (await heldAtCrash) ?? [];
    expect(leftHeld.some((key) => key.includes('slots:'))).toBe(true);
    expect(leftHeld.some((key) => key.includes(':reservations'))).toBe(true);

    // Phase 2, on the two survivors: the in-flight limit and the budget are the users', whichever instance serves them.
    const limited = { userId: 'soak-limited', bearer: await token('soak-limited', 'free') };
    const limitedConversations = await Promise.all([0, 1, 0, 1, 0, 1].map((at) => conversation(limited.bearer, instances[at]!)));
    const concurrent = await Promise.all(limitedConversations.map((id, index) => send(limited.userId, limited.bearer, id, `at once ${index}`, index % 2)));
    const metered = { userId: 'soak-metered', bearer: await token('soak-metered', 'metered') };
    const meteredConversations = await Promise.all(Array.from({ length: 4 }, (_, index) => conversation(metered.bearer, instances[index % 2]!)));
    const spending: SendOutcome[] = [];
    await Promise.all(meteredConversations.map(async (id, lane) => {
      for (let turn = 0; turn < 6; turn += 1) spending.push(await send(metered.userId, metered.bearer, id, `spend ${lane}.${turn}`, lane + turn));
    }));

    // What the crash left behind (PENDING replies, slots, holds) lapses after its lifetimes; the survivors sweep.
    await new Promise((resolve) => setTimeout(resolve, STALE_MS * 1.5 + 1_000));

    const accepted = [...outcomes.values()].flat().filter((outcome) => outcome.kind === 'ok');
    expect(accepted.length).toBeGreaterThan(USERS * SENDS_PER_USER * 0.6);
    for (const user of users) {
      const stored = await messagesOf(user.userId, user.conversationId);
      const questions = stored.filter((message) => message.role === 'USER');
      // Exactly once: no clientMessageId twice, whatever the retries; and each question has one reply.
      const ids = questions.map((message) => message.clientMessageId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(questions.length).toBeLessThanOrEqual(SENDS_PER_USER);
      expect(stored.filter((message) => message.role === 'ASSISTANT')).toHaveLength(questions.length);
      for (const outcome of outcomes.get(user.userId)!) {
        if (outcome.kind === 'ok') expect(stored.filter((message) => message.id === outcome.assistantMessageId)).toHaveLength(1);
      }
    }
    const everyone = [...users, limited, metered];
    const replies: MessageRecord[] = [];
    for (const user of everyone) {
      const conversations = await shared.listConversations(user.userId, { limit: 100 });
      for (const { id } of conversations) replies.push(...(await messagesOf(user.userId, id)).filter((message) => message.role === 'ASSISTANT'));
    }
    expect(replies.filter((reply) => !['COMPLETE', 'FAILED', 'CANCELLED'].includes(reply.status))).toEqual([]);

    // The in-flight limit of 2 held across both instances: six at once, two accepted.
    expect(concurrent.filter((outcome) => outcome.kind === 'ok')).toHaveLength(2);
    expect(concurrent.filter((outcome) => outcome.kind === 'refused').map((outcome) => (outcome as { code: string }).code)).toEqual(Array(4).fill('RATE_LIMITED'));
    // The daily budget held across both: what was charged fits it, and the sends beyond it were refused.
    const today = new Date().toISOString().slice(0, 10);
    const charged = (await shared.listUsage(metered.userId, today, today)).reduce((sum, entry) => sum + entry.totalTokens, 0);
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(LIMITS.metered.tokensPerDay);
    expect(spending.some((outcome) => outcome.kind === 'refused' && outcome.code === 'BUDGET_EXCEEDED')).toBe(true);

    // Replies the crash cut off were failed by a survivor's sweep, not left PENDING.
    expect(replies.filter((reply) => reply.status === 'FAILED').length).toBeGreaterThan(0);
    // Nothing left held in Redis: no in-flight slot, no budget hold, for anyone.
    expect(await heldKeys()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);
});
