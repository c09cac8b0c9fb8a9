import type { Logger } from '../../observability/logger';
import type { ReplyEvent } from '../../ports/reply-bus';
import type { Generation } from './generation';

/**
 * The generations running on this instance: found by reply id for cancels (local or from another
 * instance through the bus) and for replay without a round trip, and drained on shutdown.
 */
export class GenerationRegistry {
  private readonly running = new Map<string, Generation>();
  private readonly publishing = new Set<Promise<void>>();
  private accepting = true;

  constructor(private readonly log: Logger) {}

  get isAccepting(): boolean {
    return this.accepting;
  }

  get size(): number {
    return this.running.size;
  }

  add(generation: Generation): void {
    this.running.set(generation.messageId, generation);
    // A send that was already past its checks when shutdown began: stop it now, keeping its text.
    if (!this.accepting) generation.stop('shutdown');
    const forget = () => {
      if (this.running.get(generation.messageId) === generation) this.running.delete(generation.messageId);
    };
    generation.done.then((generated) => {
      forget();
      this.publishing.add(generated.published);
      void generated.published.finally(() => this.publishing.delete(generated.published));
    }, forget);
  }

  get(messageId: string): Generation | undefined {
    return this.running.get(messageId);
  }

  /** Events of a reply generating here, after `afterSeq`; null when it does not run here. */
  localEvents(messageId: string, afterSeq: number): ReplyEvent[] | null {
    const generation = this.running.get(messageId);
    return generation ? generation.publisher.events.filter((event) => event.seq > afterSeq) : null;
  }

  /** Hands the events of a reply generating here to `listener` as they are numbered; null when it does not run here. */
  listenLocal(messageId: string, listener: (event: ReplyEvent) => void): (() => void) | null {
    return this.running.get(messageId)?.publisher.listen(listener) ?? null;
  }

  /** Cancels a reply if it generates here; true when it did. */
  cancel(messageId: string): boolean {
    const generation = this.running.get(messageId);
    generation?.stop('user');
    return generation !== undefined;
  }

  /**
   * Shutdown: refuses new generations, lets running ones finish for up to `graceMs`, then stops
   * the rest (each stores its text as FAILED and releases its slot and hold) and waits for them.
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    const all = () => Promise.allSettled([...this.running.values()].map((generation) => generation.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const result = await Promise.race([all(), graceOver]);
    clearTimeout(timer);
    if (result === 'timeout' && this.running.size > 0) {
      this.log.warn('stopping generations still running after the shutdown grace', { count: this.running.size });
      for (const generation of this.running.values()) generation.stop('shutdown');
    }
    // Generations added while draining are stopped as they arrive; wait until none is left.
    while (this.running.size > 0) await all();
    await Promise.allSettled([...this.publishing]);
  }
}
