import { NotFoundError } from '../../errors';
import type { ChatStore, MessageRecord } from '../../ports/chat-store';
import type { ReplyBus, ReplyEvent } from '../../ports/reply-bus';
import type { GenerationRegistry } from './generation-registry';

/** What a watcher of a reply receives: text deltas, then the stored reply in its final status. */
export type ReplyStreamEvent = { seq: number; delta: string; message: null } | { seq: number; delta: null; message: MessageRecord };

export interface ReplyWatcherDeps {
  store: ChatStore;
  bus: ReplyBus;
  registry: GenerationRegistry;
  /** Without any event for this long, the store is asked whether the reply ended (e.g. its instance died). */
  pollMs: number;
  onError: (operation: string, error: unknown) => void;
}

/**
 * Follows one reply from `afterSeq`: replays what was kept, then live events, filling any gap
 * from the log, so the deltas received across reconnects join to the stored content. Ends with
 * the final event. A reply whose events are no longer kept (finished long ago, or its instance
 * died) ends with its stored final message, numbered after the last event the caller saw.
 */
export class ReplyWatcher {
  constructor(private readonly deps: ReplyWatcherDeps) {}

  /**
   * `signal` ends the watch at once, also while it waits for an event (an async generator's
   * `return()` would only take effect at its next `yield`).
   */
  async *watch(userId: string, message: MessageRecord, afterSeq: number, signal?: AbortSignal): AsyncGenerator<ReplyStreamEvent, void, undefined> {
    const queue: ReplyEvent[] = [];
    let wake: (() => void) | null = null;
    signal?.addEventListener('abort', () => wake?.(), { once: true });
    const onEvent = (event: ReplyEvent) => {
      queue.push(event);
      wake?.();
    };
    const stop = await this.deps.bus.listen(message.id, onEvent);
    // On the instance that generates the reply, events also come straight from its publisher (the
    // bus's copy of each follows and is skipped by its seq).
    const stopLocal = this.deps.registry.listenLocal(message.id, onEvent);
    try {
      let last = afterSeq;
      let pending = await this.replay(message.id, last);
      if (pending.length === 0 && message.status !== 'PENDING') {
        const ended = await this.endedWithoutEvents(userId, message.id, last);
        if (ended) return void (yield ended);
      }
      let held: ReplyEvent[] = [];
      for (;;) {
        if (signal?.aborted) return;
        held = [];
        for (const event of pending.sort((a, b) => a.seq - b.seq)) {
          if (event.seq <= last) continue;
          if (event.seq > last + 1) {
            // A live event overtook ones still missing here: fetch them before going on.
            const missing = (await this.replay(message.id, last)).filter((item) => item.seq > last && item.seq < event.seq);
            for (const item of missing) {
              if (item.seq !== last + 1) break;
              yield await this.toStreamEvent(userId, message.id, item);
              last = item.seq;
            }
            // Never skip past a gap: hold the later events until the missing ones can be read.
            if (event.seq > last + 1) {
              held = pending.filter((item) => item.seq > last);
              break;
            }
          }
          yield await this.toStreamEvent(userId, message.id, event);
          last = event.seq;
          if ('final' in event) return;
        }
        pending = [...held, ...queue.splice(0)];
        if (pending.length > held.length) continue;
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), this.deps.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = null;
        if (signal?.aborted) return;
        pending = [...held, ...queue.splice(0)];
        if (woke && pending.length > held.length) continue;
        // Quiet for a while: catch up from the log, else ask the store whether the reply ended.
        const caughtUp = await this.replay(message.id, last);
        pending = [...caughtUp, ...pending];
        if (caughtUp.some((event) => event.seq === last + 1)) continue;
        // What is missing may never come back (trimmed, or a lost write): a finished reply ends
        // with its stored message, whose content is the whole text.
        const ended = await this.endedWithoutEvents(userId, message.id, last);
        if (ended) {
          yield ended;
          return;
        }
      }
    } finally {
      stopLocal?.();
      await stop().catch((error: unknown) => this.deps.onError('unlisten', error));
    }
  }

  private async replay(messageId: string, afterSeq: number): Promise<ReplyEvent[]> {
    const local = this.deps.registry.localEvents(messageId, afterSeq);
    if (local) return local;
    try {
      return await this.deps.bus.read(messageId, afterSeq);
    } catch (error: unknown) {
      this.deps.onError('read', error);
      return [];
    }
  }

  /** The stored final message, once the reply is no longer PENDING and no event is left to deliver. */
  private async endedWithoutEvents(userId: string, messageId: string, last: number): Promise<ReplyStreamEvent | null> {
    if (this.deps.registry.get(messageId)) return null;
    const stored = await this.deps.store.getMessage(userId, messageId);
    if (!stored || stored.status === 'PENDING') return null;
    return { seq: last + 1, delta: null, message: stored };
  }

  private async toStreamEvent(userId: string, messageId: string, event: ReplyEvent): Promise<ReplyStreamEvent> {
    if ('delta' in event) return { seq: event.seq, delta: event.delta, message: null };
    const stored = await this.deps.store.getMessage(userId, messageId);
    if (!stored) throw new NotFoundError('Reply not found: its conversation was deleted');
    return { seq: event.seq, delta: null, message: stored };
  }
}
