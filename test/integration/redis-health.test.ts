import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { RedisHealth, RedisUnavailableError } from '../../src/adapters/redis/redis-health';
import { RedisBudgetStore } from '../../src/adapters/redis/redis-budget-store';
import { startRedisServer, type RedisProcess } from '../../src/dev/redis-process';
import { Metrics } from '../../src/observability/metrics';
import { redisComponent, type RedisLink } from '../../src/wiring/infrastructure';

/** Issue 10, finding 6: a stalled Redis costs one command timeout, then calls skip it until it answers. */
describe('RedisHealth on a real redis-server', () => {
  let server: RedisProcess;
  let client: Redis;
  let link: RedisLink;
  const changes: boolean[] = [];

  beforeEach(async () => {
    server = await startRedisServer();
    client = await connectRedis({ url: server.url, commandTimeoutMs: 200 });
    changes.length = 0;
    link = { client, health: new RedisHealth(client, { label: 'test Redis', probeIntervalMs: 50, onChange: (healthy) => changes.push(healthy) }) };
  });
  afterEach(async () => {
    link.health.stop();
    process.kill(server.pid, 'SIGCONT');
    client.disconnect();
    await server.stop();
  });

  const timed = async <T>(call: () => Promise<T>) => {
    const startedAt = Date.now();
    const outcome = await call().then(() => 'ok', (error: unknown) => error);
    return { outcome, ms: Date.now() - startedAt };
  };

  it('after one timeout, fails calls at once without sending them; healthy again once a ping answers', async () => {
    const budgets = redisComponent(new RedisBudgetStore(client, { prefix: 'health-test:' }), link, 'budget', new Metrics());
    const sent = () => client.info('commandstats').then((text) => Number(/cmdstat_evalsha:calls=(\d+)/.exec(text)?.[1] ?? 0));
    await budgets.release('alice', 'r0');
    process.kill(server.pid, 'SIGSTOP');
    const first = await timed(() => budgets.release('alice', 'r1'));
    expect(first.outcome).toBeInstanceOf(Error);
    expect(first.outcome).not.toBeInstanceOf(RedisUnavailableError);
    expect(first.ms).toBeGreaterThanOrEqual(150);
    expect(link.health.ok).toBe(false);
    const skipped = await Promise.all(Array.from({ length: 5 }, () => timed(() => budgets.release('alice', 'r2'))));
    for (const call of skipped) {
      expect(call.outcome).toBeInstanceOf(RedisUnavailableError);
      expect(call.ms).toBeLessThan(50);
    }
    process.kill(server.pid, 'SIGCONT');
    const deadline = Date.now() + 2_000;
    while (!link.health.ok && Date.now() < deadline) await delay(20);
    expect(link.health.ok).toBe(true);
    expect(changes).toEqual([false, true]);
    await expect(budgets.release('alice', 'r3')).resolves.toBeUndefined();
    // r0 and r1 (which ran once Redis resumed) and r3 reached Redis; the five skipped calls never did.
    expect(await sent()).toBe(3);
  });

  it('is not marked unhealthy by Redis answering with an error', async () => {
    await client.set('health-test:text', 'not a sorted set');
    const guarded = redisComponent({ range: () => client.zrange('health-test:text', '0', '-1') }, link, 'test', new Metrics());
    await expect(guarded.range()).rejects.toThrow(/WRONGTYPE/);
    expect(link.health.ok).toBe(true);
    expect(changes).toEqual([]);
  });
});
