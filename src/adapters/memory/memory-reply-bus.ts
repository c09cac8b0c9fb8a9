import type { ReplyBus, ReplyEvent, ReplyListener } from '../../ports/reply-bus';

export interface MemoryReplyBusOptions {
  /** How long a reply's events are kept after its last append. */
  ttlMs: number;
  /** Events kept per reply; older ones are dropped first. */
  maxEvents: number;
}

interface Log {
  events: ReplyEvent[];
  expiresAtMs: number;
}

/** The reply bus of a single instance (no Redis): same semantics, in this process only. */
export class MemoryReplyBus implements ReplyBus {
  private readonly logs = new Map<string, Log>();
  private readonly listeners = new Map<string, Set<ReplyListener>>();
  private readonly cancelHandlers: Array<(messageId: string) => void> = [];

  constructor(private readonly options: MemoryReplyBusOptions) {}

  async append(messageId: string, events: ReplyEvent[]): Promise<void> {
    this.sweep();
    const log = this.logs.get(messageId) ?? { events: [], expiresAtMs: 0 };
    // As in the Redis stream: kept only after the last kept seq, and nothing after a final event.
    const appended: ReplyEvent[] = [];
    for (const event of events) {
      const last = log.events.at(-1);
      if (last && 'final' in last) break;
      if (event.seq <= (last?.seq ?? 0)) continue;
      log.events.push(event);
      appended.push(event);
    }
    if (log.events.length > this.options.maxEvents) log.events.splice(0, log.events.length - this.options.maxEvents);
    log.expiresAtMs = Date.now() + this.options.ttlMs;
    this.logs.set(messageId, log);
    for (const listener of this.listeners.get(messageId) ?? []) for (const event of appended) listener(event);
  }

  async read(messageId: string, afterSeq: number): Promise<ReplyEvent[]> {
    const log = this.logs.get(messageId);
    if (!log || log.expiresAtMs <= Date.now()) return [];
    return log.events.filter((event) => event.seq > afterSeq);
  }

  async listen(messageId: string, listener: ReplyListener): Promise<() => Promise<void>> {
    const set = this.listeners.get(messageId) ?? new Set<ReplyListener>();
    set.add(listener);
    this.listeners.set(messageId, set);
    return async () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(messageId);
    };
  }

  async requestCancel(messageId: string): Promise<void> {
    for (const handler of this.cancelHandlers) handler(messageId);
  }

  async onCancelRequest(handler: (messageId: string) => void): Promise<void> {
    this.cancelHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, log] of this.logs) if (log.expiresAtMs <= now) this.logs.delete(id);
  }
}
