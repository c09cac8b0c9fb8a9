import { MemoryReplyBus } from '../../src/adapters/memory/memory-reply-bus';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { RedisReplyBus } from '../../src/adapters/redis/redis-reply-bus';
import { deleteKeys, newPrefix } from '../helpers/redis-prefix';
import { testRedisUrl } from '../setup/test-services';
import { defineReplyBusContract } from './reply-bus.contract';

defineReplyBusContract('MemoryReplyBus', async (options) => {
  const bus = new MemoryReplyBus(options);
  return { bus, peer: bus, close: () => bus.close() };
});

// Two instances: separate connections, separate buses, one Redis and one prefix.
defineReplyBusContract('RedisReplyBus (two instances)', async (options) => {
  const prefix = newPrefix('reply-bus');
  const [a, b] = await Promise.all([1, 2].map(() => connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 })));
  const bus = new RedisReplyBus(a!, { prefix, ...options });
  const peer = new RedisReplyBus(b!, { prefix, ...options });
  return {
    bus,
    peer,
    close: async () => {
      await bus.close();
      await peer.close();
      await deleteKeys(a!, prefix);
      await Promise.all([a!.quit(), b!.quit()]);
    },
  };
});
