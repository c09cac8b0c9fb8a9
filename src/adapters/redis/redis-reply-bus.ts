import { randomUUID } from 'node:crypto';
import { isCluster, type RedisClient } from './redis-connection';
import type { ReplyBus, ReplyEvent, ReplyListener } from '../../ports/reply-bus';
import { LuaScripts } from './lua-scripts';

export interface RedisReplyBusOptions {
  /** Prepended to every key and channel. */
  prefix: string;
  /** How long a reply's events stay replayable after its last append. */
  ttlMs: number;
  /** Events kept per reply. */
  maxEvents: number;
  /** Told of a listener-side failure (a malformed message); must not throw. */
  onError?: (operation: string, error: unknown) => void;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Replay in a Redis Stream per reply (entry id = seq, so resuming after N is one XRANGE; bounded by
 * MAXLEN and a TTL), live delivery by pub/sub on one subscriber connection per instance (not one
 * blocking XREAD per watcher). Listeners, on this instance too, hear only what the stream took: an
 * append the stream refuses (after a final event another instance wrote) is never delivered. (A
 * watcher on the instance that generates a reply hears it first from the generation itself.)
 */
export class RedisReplyBus implements ReplyBus {
  private readonly scripts = new LuaScripts();
  private readonly instance = randomUUID();
  private readonly listeners = new Map<string, Set<ReplyListener>>();
  private readonly subscribing = new Map<string, Promise<void>>();
  /** Replies whose final event this instance's listeners got; forgotten with their last listener. */
  private readonly ended = new Set<string>();
  private readonly cancelHandlers: Array<(messageId: string) => void> = [];
  private readonly subscriber: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisReplyBusOptions,
  ) {
    // Subscriptions survive reconnects (ioredis resubscribes); commands on it are only (un)subscribe.
    this.subscriber = isCluster(redis)
      ? redis.duplicate(undefined, { enableOfflineQueue: true, lazyConnect: false })
      : redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    this.subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
    this.subscriber.on('error', (error: Error) => this.options.onError?.('subscriber', error));
  }

  async append(messageId: string, events: ReplyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { prefix, ttlMs, maxEvents } = this.options;
    await this.scripts.run(this.redis, 'append-reply-events', [`${prefix}reply:${messageId}`], [
      ttlMs, maxEvents, this.channel(messageId), this.instance, JSON.stringify(events),
    ]);
  }

  async read(messageId: string, afterSeq: number): Promise<ReplyEvent[]> {
    const entries = (await this.redis.xrange(`${this.options.prefix}reply:${messageId}`, `${afterSeq + 1}-0`, '+')) as StreamEntry[];
    return entries.flatMap(([id, fields]): ReplyEvent[] => {
      const seq = Number.parseInt(id, 10);
      const field = fields[0];
      if (field === 'f') return [{ seq, final: true as const }];
      return field === 'd' ? [{ seq, delta: fields[1] ?? '' }] : [];
    });
  }

  async listen(messageId: string, listener: ReplyListener): Promise<() => Promise<void>> {
    let set = this.listeners.get(messageId);
    if (!set) {
      set = new Set();
      this.listeners.set(messageId, set);
      const subscribing = this.subscriber.subscribe(this.channel(messageId)).then(() => undefined);
      this.subscribing.set(messageId, subscribing);
      // A refused SUBSCRIBE must not leave a set behind that later listeners would trust.
      subscribing.catch(() => {
        if (this.listeners.get(messageId) === set) this.listeners.delete(messageId);
      }).finally(() => this.subscribing.delete(messageId));
    }
    await this.subscribing.get(messageId);
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(messageId) !== set) return;
      this.listeners.delete(messageId);
      this.ended.delete(messageId);
      await this.subscriber.unsubscribe(this.channel(messageId)).catch((error: unknown) => this.options.onError?.('unsubscribe', error));
    };
  }

  async requestCancel(messageId: string): Promise<void> {
    await this.redis.publish(`${this.options.prefix}reply-cancel`, messageId);
  }

  async onCancelRequest(handler: (messageId: string) => void): Promise<void> {
    if (this.cancelHandlers.length === 0) await this.subscriber.subscribe(`${this.options.prefix}reply-cancel`);
    this.cancelHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
  }

  private channel(messageId: string): string {
    return `${this.options.prefix}reply-events:${messageId}`;
  }

  private deliver(channel: string, message: string): void {
    if (channel === `${this.options.prefix}reply-cancel`) {
      for (const handler of this.cancelHandlers) handler(message);
      return;
    }
    const messageId = channel.slice(`${this.options.prefix}reply-events:`.length);
    try {
      const parsed = JSON.parse(message) as { i: string; e: ReplyEvent[] };
      this.dispatch(messageId, parsed.e);
    } catch (error: unknown) {
      this.options.onError?.('deliver', error);
    }
  }

  /** Delivers to this instance's listeners, never past a final event they already got. */
  private dispatch(messageId: string, events: ReplyEvent[]): void {
    const listeners = this.listeners.get(messageId);
    if (!listeners) return;
    for (const event of events) {
      if (this.ended.has(messageId)) return;
      if ('final' in event) this.ended.add(messageId);
      for (const listener of listeners) listener(event);
    }
  }
}
