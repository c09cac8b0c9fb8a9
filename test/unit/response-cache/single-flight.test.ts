import { MemoryResponseCache } from '../../../src/adapters/memory/memory-response-cache';
import {
  CacheLevel,
  CachePolicy,
  EMPTY_CONTEXT_FINGERPRINT,
  ResponseCacheService,
  type CacheableReply,
  type ResponseCacheOptions,
  type ResponseCacheRequest,
} from '../../../src/services/response-cache';
import { captureLog } from '../../helpers/captured-log';

const usage = { promptTokens: 9, completionTokens: 4, totalTokens: 13 };
const reply = (content: string, status: CacheableReply['status'] = 'COMPLETE'): CacheableReply => ({ status, content, model: 'gpt-4o-mini', usage });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(options: ResponseCacheOptions = {}) {
  const cache = new ResponseCacheService({ store: new MemoryResponseCache(), log: captureLog().log, options: { flightPollMs: 5, ...options } });
  const request = (extra: Partial<ResponseCacheRequest> = {}): ResponseCacheRequest => ({
    userId: 'alice',
    model: 'gpt-4o-mini',
    systemPromptVersion: 1,
    contextFingerprint: EMPTY_CONTEXT_FINGERPRINT,
    message: 'How do I reset my password?',
    ...extra,
  });
  let calls = 0;
  /** A model call taking `ms`, answering `content` (or throwing when content is an Error). */
  const model = (content: string | Error, ms = 50, status: CacheableReply['status'] = 'COMPLETE') => async () => {
    calls += 1;
    await sleep(ms);
    if (content instanceof Error) throw content;
    return { value: `own:${content}`, reply: status === 'COMPLETE' ? reply(content) : reply(content, status) };
  };
  const flight = (produce: ReturnType<typeof model>, extra: Partial<ResponseCacheRequest> = {}) =>
    cache.singleFlight(cache.prepare(request(extra)), produce);
  return { cache, request, model, flight, calls: () => calls };
}

describe('ResponseCacheService.singleFlight', () => {
  it('20 concurrent identical requests make one model call; the rest get its reply as an EXACT hit', async () => {
    const { flight, model, calls } = setup();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => flight(model('Use the reset link.'))));
    expect(calls()).toBe(1);
    expect(outcomes.filter((outcome) => outcome.source === 'produced')).toEqual([{ source: 'produced', value: 'own:Use the reset link.', stored: true }]);
    const shared = outcomes.flatMap((outcome) => (outcome.source === 'cache' ? [outcome.hit] : []));
    expect(shared).toHaveLength(19);
    expect(shared[0]).toMatchObject({ level: CacheLevel.Exact, similarity: 1, content: 'Use the reset link.', usage });
  });

  it('stores the produced reply, so a later lookup hits without another call', async () => {
    const { cache, request, flight, model, calls } = setup();
    await flight(model('Use the reset link.'));
    expect((await cache.lookup(cache.prepare(request())))?.content).toBe('Use the reset link.');
    expect(calls()).toBe(1);
  });

  it("passes the owner's error through, and its waiters then call the model themselves", async () => {
    const { flight, model, calls } = setup();
    const owner = flight(model(new Error('upstream down'), 50));
    await sleep(10);
    const waiters = Array.from({ length: 3 }, () => flight(model('recovered', 10)));
    await expect(owner).rejects.toThrow('upstream down');
    const outcomes = await Promise.all(waiters);
    expect(calls()).toBeGreaterThanOrEqual(2);
    expect(outcomes.every((outcome) => outcome.source === 'produced' || outcome.hit.content === 'recovered')).toBe(true);
  });

  it('does not share a DEGRADED reply: waiters produce their own', async () => {
    const { flight, model, calls } = setup();
    const owner = flight(model('sorry, degraded', 50, 'DEGRADED'));
    await sleep(10);
    const waiter = flight(model('real answer', 10));
    expect(await owner).toEqual({ source: 'produced', value: 'own:sorry, degraded', stored: false });
    expect(await waiter).toEqual({ source: 'produced', value: 'own:real answer', stored: true });
    expect(calls()).toBe(2);
  });

  it('waits at most flightWaitMs for a slow owner, then calls the model itself', async () => {
    const { flight, model } = setup({ flightWaitMs: 60 });
    const owner = flight(model('slow', 400));
    await sleep(10);
    const started = Date.now();
    expect(await flight(model('impatient', 0))).toMatchObject({ source: 'produced', value: 'own:impatient' });
    expect(Date.now() - started).toBeLessThan(300);
    await owner;
  });

  it('does not coalesce BYPASS or REFRESH requests, and only REFRESH stores', async () => {
    const { cache, request, flight, model, calls } = setup();
    const outcomes = await Promise.all([
      flight(model('bypassed'), { policy: CachePolicy.Bypass }),
      flight(model('bypassed'), { policy: CachePolicy.Bypass }),
    ]);
    expect(outcomes.map((outcome) => outcome.source === 'produced' && outcome.stored)).toEqual([false, false]);
    expect(await cache.lookup(cache.prepare(request()))).toBeNull();
    expect(await flight(model('refreshed'), { policy: CachePolicy.Refresh })).toMatchObject({ stored: true });
    expect((await cache.lookup(cache.prepare(request())))?.content).toBe('refreshed');
    expect(calls()).toBe(3);
  });

  it('keeps different questions apart', async () => {
    const { flight, model, calls } = setup();
    await Promise.all([flight(model('a')), flight(model('b'), { message: 'How do I delete my account?' })]);
    expect(calls()).toBe(2);
  });
});
