import { GenerationRegistry } from '../../../src/services/streaming/generation-registry';
import type { Generation, Generated } from '../../../src/services/streaming/generation';
import { captureLog } from '../../helpers/captured-log';

/** Just what the registry uses of a generation: its id, its end, and stop(). */
function fakeGeneration(id: string) {
  let finish!: () => void;
  const stops: string[] = [];
  const done = new Promise<Generated>((resolve) => {
    finish = () => resolve({ published: Promise.resolve() } as Generated);
  });
  const generation = { messageId: id, done, stop: (reason: string) => (stops.push(reason), finish()), publisher: { events: [] } };
  return { generation: generation as unknown as Generation, stops, finish };
}

describe('GenerationRegistry.drain', () => {
  it('waits for running generations within the grace, then stops the rest', async () => {
    const registry = new GenerationRegistry(captureLog().log);
    const quick = fakeGeneration('quick');
    const slow = fakeGeneration('slow');
    registry.add(quick.generation);
    registry.add(slow.generation);
    setTimeout(() => quick.finish(), 20);
    await registry.drain(100);
    expect(quick.stops).toEqual([]);
    expect(slow.stops).toEqual(['shutdown']);
    expect(registry.size).toBe(0);
  });

  it('stops a generation added while draining (its send was past the checks when shutdown began) and waits for it', async () => {
    const registry = new GenerationRegistry(captureLog().log);
    const running = fakeGeneration('running');
    registry.add(running.generation);
    const draining = registry.drain(1_000);
    const late = fakeGeneration('late');
    registry.add(late.generation);
    expect(late.stops).toEqual(['shutdown']);
    running.finish();
    await draining;
    expect(registry.size).toBe(0);
    expect(registry.isAccepting).toBe(false);
  });
});
