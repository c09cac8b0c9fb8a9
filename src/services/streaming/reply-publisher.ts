import type { ReplyBus, ReplyEvent } from '../../ports/reply-bus';

/**
 * Numbers a reply's events 1, 2, 3 … and appends them to the bus in order, one append at a time:
 * text that arrives while an append is under way is merged into the next event, so a fast model
 * costs fewer bus writes while the first token goes out at once. Events a failing bus did not take
 * are reported and sent again with the next append; all stay here for watchers on this instance,
 * which are also handed each event as it is numbered rather than after its round trip to the bus.
 */
export class ReplyPublisher {
  readonly events: ReplyEvent[] = [];
  private buffer = '';
  private unsent: ReplyEvent[] = [];
  private inFlight: Promise<void> | null = null;
  private readonly listeners = new Set<(event: ReplyEvent) => void>();

  constructor(
    private readonly bus: ReplyBus,
    private readonly messageId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  get lastSeq(): number {
    return this.events.length;
  }

  /** Hands every event numbered from now on to `listener` at once; returns how to stop. */
  listen(listener: (event: ReplyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(delta: string): void {
    if (delta === '') return;
    this.buffer += delta;
    if (!this.inFlight) this.flush();
  }

  /** Sends what is buffered, then the final event; resolves once both are appended (or failed). */
  async finish(): Promise<void> {
    await this.idle();
    this.emit({ seq: this.events.length + 1, final: true });
    await this.idle();
  }

  private flush(): void {
    const delta = this.buffer;
    this.buffer = '';
    this.emit({ seq: this.events.length + 1, delta });
  }

  private emit(event: ReplyEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
    // Events a failed append did not deliver go again with this one (a seq already kept is skipped).
    const batch = [...this.unsent, event];
    this.unsent = [];
    this.inFlight = this.bus
      .append(this.messageId, batch)
      .catch((error: unknown) => {
        this.unsent = batch;
        this.onError(error);
      })
      .then(() => {
        this.inFlight = null;
        if (this.buffer !== '') this.flush();
      });
  }

  private async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }
}
