import { MemoryReplyBus } from '../../src/adapters/memory/memory-reply-bus';
import { connectRedis } from '../../src/adapters/redis/redis-connection';
import { redisReplyBusHarness } from '../helpers/redis-prefix';
import { testRedisUrl } from '../setup/test-services';
import { defineReplyBusContract } from './reply-bus.contract';

defineReplyBusContract('MemoryReplyBus', async (options) => {
  const bus = new MemoryReplyBus(options);
  return { bus, peer: bus, close: () => bus.close() };
});

// Two instances: separate connections, separate buses, one Redis and one prefix.
defineReplyBusContract('RedisReplyBus (two instances)', redisReplyBusHarness(() => connectRedis({ url: testRedisUrl(), commandTimeoutMs: 2_000 })));
