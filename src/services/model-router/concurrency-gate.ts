import { abortedError, throwIfAborted } from './abort-link';
import type { QueueRejectedEvent } from './resilience-events';
import { UpstreamBusyError } from './upstream-errors';

export interface GateLimits {
  maxInFlight: number;
  maxQueue: number;
  queueTimeoutMs: number;
}

interface Waiter {
  grant(): void;
  fail(error: Error): void;
}

/** Releases a slot; calling it more than once is harmless. */
export type Release = () => void;

/**
 * At most `maxInFlight` holders at a time; up to `maxQueue` more wait in FIFO order for at most
 * `queueTimeoutMs`, and anyone beyond that is refused at once with UpstreamBusyError.
 */
export class ConcurrencyGate {
  private inFlight = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly limits: GateLimits,
    private readonly onRejected: (event: QueueRejectedEvent) => void = () => undefined,
  ) {}

  /** Calls holding a slot and calls waiting for one, right now. */
  load(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.waiters.length };
  }

  async acquire(signal?: AbortSignal): Promise<Release> {
    throwIfAborted(signal);
    if (this.inFlight < this.limits.maxInFlight && this.waiters.length === 0) {
      this.inFlight += 1;
      return this.releaser();
    }
    if (this.waiters.length >= this.limits.maxQueue) {
      throw this.refuse('queue_full', 'too many model calls in flight; try again shortly');
    }
    await this.wait(signal);
    return this.releaser();
  }

  /** Refuses everyone still waiting; holders keep their slots until they release them. */
  close(): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.fail(new UpstreamBusyError('model client is closing', 'closed'));
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const leave = (error: Error): void => {
        this.remove(waiter);
        waiter.fail(error);
      };
      const onAbort = (): void => leave(abortedError());
      const timer = setTimeout(() => {
        leave(this.refuse('queue_timeout', 'waited too long for a free model call slot'));
      }, this.limits.queueTimeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          settle();
          resolve();
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.handOver();
    };
  }

  /** A freed slot goes straight to the longest waiter, so late arrivals cannot overtake it. */
  private handOver(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.inFlight -= 1;
  }

  private remove(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index !== -1) this.waiters.splice(index, 1);
  }

  private refuse(reason: QueueRejectedEvent['reason'], message: string): UpstreamBusyError {
    this.onRejected({ reason, inFlight: this.inFlight, queued: this.waiters.length });
    return new UpstreamBusyError(message, reason);
  }
}
