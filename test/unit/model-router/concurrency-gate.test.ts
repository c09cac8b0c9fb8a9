import { ConcurrencyGate } from '../../../src/services/model-router/concurrency-gate';
import { UpstreamBusyError } from '../../../src/services/model-router/upstream-errors';

describe('ConcurrencyGate', () => {
  it('grants freed slots to waiters in arrival order', async () => {
    const gate = new ConcurrencyGate({ maxInFlight: 1, maxQueue: 3, queueTimeoutMs: 1_000 });
    const order: string[] = [];
    const first = await gate.acquire();
    const waiting = ['b', 'c', 'd'].map(async (name) => {
      const release = await gate.acquire();
      order.push(name);
      return release;
    });
    first();
    for (const next of waiting) (await next)();
    expect(order).toEqual(['b', 'c', 'd']);
  });

  it('a release called twice frees one slot only', async () => {
    const gate = new ConcurrencyGate({ maxInFlight: 1, maxQueue: 0, queueTimeoutMs: 1_000 });
    const release = await gate.acquire();
    release();
    release();
    await gate.acquire();
    await expect(gate.acquire()).rejects.toBeInstanceOf(UpstreamBusyError);
  });

  it('close() refuses everyone still waiting', async () => {
    const gate = new ConcurrencyGate({ maxInFlight: 1, maxQueue: 1, queueTimeoutMs: 1_000 });
    await gate.acquire();
    const waiting = gate.acquire();
    gate.close();
    await expect(waiting).rejects.toMatchObject({ reason: 'closed' });
  });
});
