import type { Config } from '../config';
import { MemoryReplyBus } from '../adapters/memory/memory-reply-bus';
import { RedisReplyBus } from '../adapters/redis/redis-reply-bus';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { ChatStore } from '../ports/chat-store';
import type { ReplyBus } from '../ports/reply-bus';
import { GenerationRegistry } from '../services/streaming/generation-registry';
import { ReplyWatcher } from '../services/streaming/reply-watcher';
import { throttledWarn } from './caches';
import { redisComponent, type RedisLink } from './infrastructure';

export interface Streaming {
  bus: ReplyBus;
  registry: GenerationRegistry;
  watcher: ReplyWatcher;
}

/** Reply events through Redis when there is one (any instance can follow or cancel any reply), else in process. */
export function createStreaming(config: Config, redis: RedisLink | null, store: ChatStore, log: Logger, metrics: Metrics): Streaming {
  const { replayTtlMs, replayMaxEvents, watchPollMs } = config.streaming;
  const onError = throttledWarn(log, 'reply stream: Redis failed; followers on other instances may lag until it answers');
  const bus: ReplyBus = redis
    ? redisComponent(
      new RedisReplyBus(redis.client, { prefix: config.redis.keyPrefix, ttlMs: replayTtlMs, maxEvents: replayMaxEvents, onError }),
      redis, 'reply-bus', metrics,
      // Pub/sub runs on the bus's own subscriber connection, which queues while it reconnects.
      ['listen', 'onCancelRequest', 'close'],
    )
    : new MemoryReplyBus({ ttlMs: replayTtlMs, maxEvents: replayMaxEvents });
  const registry = new GenerationRegistry(log);
  return { bus, registry, watcher: new ReplyWatcher({ store, bus, registry, pollMs: watchPollMs, onError }) };
}
