import { BadUserInputError, NotFoundError, RateLimitedError } from '../errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { ChatStore, MessageRecord } from '../ports/chat-store';
import type { ReplyBus } from '../ports/reply-bus';
import type { RateLimitService } from './rate-limit.service';
import type { GenerationRegistry } from './streaming/generation-registry';
import type { ReplyStreamEvent, ReplyWatcher } from './streaming/reply-watcher';
import type { Viewer } from './viewer';

export interface ReplyServiceOptions {
  /** How long cancelReply waits for the generating instance before settling the reply itself. */
  cancelWaitMs: number;
  /** Open replyStream subscriptions per user on this instance. */
  subscriptionsPerUser: number;
}

export interface ReplyServiceDeps {
  store: ChatStore;
  bus: ReplyBus;
  registry: GenerationRegistry;
  watcher: ReplyWatcher;
  limits: RateLimitService;
  metrics: Metrics;
  log: Logger;
  options: ReplyServiceOptions;
}

export type Transport = 'websocket' | 'sse';

const CANCEL_POLL_MS = 100;

/** replyStream and cancelReply: following and stopping replies, whichever instance generates them. */
export class ReplyService {
  private readonly open = new Map<string, number>();

  constructor(private readonly deps: ReplyServiceDeps) {
    void deps.bus.onCancelRequest((messageId) => void deps.registry.cancel(messageId)).catch((error: unknown) =>
      deps.log.error('cannot hear cancel requests from other instances', { err: error }),
    );
  }

  /** Checks everything before the first event: ownership, afterSeq, rate and the open-subscription cap. */
  async watch(viewer: Viewer, messageId: string, afterSeq: number | null | undefined, transport: Transport): Promise<AsyncIterable<ReplyStreamEvent>> {
    const after = afterSeq ?? 0;
    if (!Number.isInteger(after) || after < 0) throw new BadUserInputError('afterSeq must be zero or more', { argument: 'afterSeq' });
    await this.deps.limits.checkStreamOp(viewer);
    const message = await this.assistantMessage(viewer, messageId);
    const open = this.open.get(viewer.id) ?? 0;
    const cap = this.deps.options.subscriptionsPerUser;
    if (open >= cap) throw new RateLimitedError(`At most ${cap} replies can be followed at once; close one first`, 1);
    this.open.set(viewer.id, open + 1);
    const ended = new AbortController();
    return this.counted(viewer.id, this.deps.watcher.watch(viewer.id, message, after, ended.signal), transport, ended);
  }

  /** Stops a reply wherever it runs; a finished one is returned as it is. */
  async cancel(viewer: Viewer, messageId: string): Promise<MessageRecord> {
    await this.deps.limits.checkStreamOp(viewer);
    const message = await this.assistantMessage(viewer, messageId);
    if (message.status !== 'PENDING') return message;
    const local = this.deps.registry.get(messageId);
    if (local) {
      local.stop('user');
      return (await local.done).reply ?? message;
    }
    await this.deps.bus.requestCancel(messageId).catch((error: unknown) => this.deps.log.warn('cancel request not published', { err: error }));
    return (await this.finalWithin(viewer, message)) ?? this.settle(viewer, message);
  }

  private async assistantMessage(viewer: Viewer, messageId: string): Promise<MessageRecord> {
    const message = await this.deps.store.getMessage(viewer.id, messageId);
    if (!message || message.role !== 'ASSISTANT') throw new NotFoundError('Reply not found');
    return message;
  }

  /** The reply once its generator stored its final status, or null if that took longer than the wait. */
  private async finalWithin(viewer: Viewer, message: MessageRecord): Promise<MessageRecord | null> {
    const deadline = Date.now() + this.deps.options.cancelWaitMs;
    let heard = () => undefined as void;
    const stop = await this.deps.bus
      .listen(message.id, (event) => ('final' in event ? heard() : undefined))
      .catch(() => async () => undefined);
    try {
      while (Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          heard = resolve;
          setTimeout(resolve, CANCEL_POLL_MS);
        });
        const current = await this.deps.store.getMessage(viewer.id, message.id);
        if (current && current.status !== 'PENDING') return current;
      }
      return null;
    } finally {
      await stop();
    }
  }

  /**
   * No instance answered (the one generating it died): settle the reply here as CANCELLED with the
   * text stored so far, uncharged, and end its stream for every watcher.
   */
  private async settle(viewer: Viewer, message: MessageRecord): Promise<MessageRecord> {
    const stored = (await this.deps.store.getMessage(viewer.id, message.id)) ?? message;
    // Written to lately: its generator is alive (the cancel request went astray); leave it to it.
    if (stored.status !== 'PENDING' || Date.now() - stored.updatedAt.getTime() < this.deps.options.cancelWaitMs) return stored;
    const finished = await this.deps.store.finishExchange({
      userId: viewer.id, conversationId: message.conversationId, assistantMessageId: message.id, status: 'CANCELLED',
      content: stored.content, model: stored.model ?? '', usage: null, error: null, costMicroUsd: 0,
    });
    if (!finished) return (await this.deps.store.getMessage(viewer.id, message.id)) ?? stored;
    this.deps.metrics.replyCancellations.inc({ reason: 'orphaned' });
    const last = (await this.deps.bus.read(message.id, 0).catch(() => [])).at(-1)?.seq ?? 0;
    await this.deps.bus.append(message.id, [{ seq: last + 1, final: true }]).catch((error: unknown) => this.deps.log.warn('final event not published', { err: error }));
    return finished;
  }

  /**
   * The watcher's events, counted in metrics; the user's open-subscription count drops exactly
   * once, however the subscription ends (done, error, or closed before its first event).
   */
  private counted(userId: string, events: AsyncGenerator<ReplyStreamEvent>, transport: Transport, ended: AbortController): AsyncIterableIterator<ReplyStreamEvent> {
    const { metrics } = this.deps;
    metrics.subscriptionsActive.inc({ transport });
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      // Wakes the watcher if it is waiting, so its listener and Redis subscription go now.
      ended.abort();
      metrics.subscriptionsActive.dec({ transport });
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
    const iterator: AsyncIterableIterator<ReplyStreamEvent> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        try {
          const result = await events.next();
          if (result.done) close();
          else metrics.streamEvents.inc({ transport, kind: result.value.message ? 'final' : 'delta' });
          return result;
        } catch (error: unknown) {
          close();
          throw error;
        }
      },
      return: async () => {
        close();
        return events.return(undefined);
      },
      throw: async (error: unknown) => {
        close();
        return events.throw(error);
      },
    };
    return iterator;
  }
}
