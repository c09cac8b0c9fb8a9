import { ReadinessFailure, ReadinessProbe } from '../../src/graphql/readiness';

describe('ReadinessProbe', () => {
  it('shows a failed dependency as unavailable, keeps the driver text for the log, and shows its own messages as they are', async () => {
    const failures: Array<[string, unknown]> = [];
    const driverError = new Error('connect ECONNREFUSED 10.0.3.7:27017 (replica set rs-internal)');
    const probe = new ReadinessProbe(
      [
        { name: 'store', check: () => Promise.reject(driverError) },
        { name: 'embeddings', critical: false, check: () => Promise.reject(new ReadinessFailure('unusable (embed_timeout)')) },
        { name: 'redis', check: () => new Promise(() => undefined) },
      ],
      50,
      () => undefined,
      (name, error) => failures.push([name, error]),
    );
    const report = await probe.check();
    expect(report).toEqual({ ready: false, checks: { store: 'unavailable', embeddings: 'unusable (embed_timeout)', redis: 'no answer within 50 ms' } });
    expect(JSON.stringify(report)).not.toMatch(/10\.0\.3\.7|27017|rs-internal/);
    expect(failures.map(([name]) => name).sort()).toEqual(['embeddings', 'redis', 'store']);
    expect(failures.find(([name]) => name === 'store')?.[1]).toBe(driverError);
  });

  it('a non-critical failure keeps the instance ready', async () => {
    const probe = new ReadinessProbe([{ name: 'store', check: async () => undefined }, { name: 'embeddings', critical: false, check: () => Promise.reject(new Error('x')) }]);
    expect(await probe.check()).toEqual({ ready: true, checks: { store: 'ok', embeddings: 'unavailable' } });
  });
});
