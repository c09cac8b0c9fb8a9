import type { ChatStore, Exchange } from '../ports/chat-store';

const POLL_MS = 100;

/**
 * Lets a repeated send wait for the first one's reply instead of calling the model again.
 * Generations in this process are awaited directly; those running elsewhere (another
 * instance) are polled in the store until settled or until the wait limit.
 */
export class ExchangeWaiter {
  private readonly inFlight = new Map<string, Promise<Exchange>>();

  constructor(
    private readonly store: ChatStore,
    private readonly waitMs: number,
  ) {}

  track(conversationId: string, clientMessageId: string, generation: Promise<Exchange>): void {
    const key = `${conversationId}\u0000${clientMessageId}`;
    this.inFlight.set(key, generation);
    const forget = () => {
      if (this.inFlight.get(key) === generation) this.inFlight.delete(key);
    };
    generation.then(forget, forget);
  }

  /** The exchange once its reply is no longer PENDING, or as it stands when the wait ends. */
  async wait(userId: string, conversationId: string, clientMessageId: string | null, exchange: Exchange): Promise<Exchange> {
    if (exchange.assistantMessage.status !== 'PENDING' || clientMessageId === null) return exchange;
    const local = this.inFlight.get(`${conversationId}\u0000${clientMessageId}`);
    if (local) return local;
    return this.poll(userId, conversationId, clientMessageId, exchange);
  }

  private async poll(userId: string, conversationId: string, clientMessageId: string, exchange: Exchange): Promise<Exchange> {
    const deadline = Date.now() + this.waitMs;
    let latest = exchange;
    while (latest.assistantMessage.status === 'PENDING' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      latest = (await this.store.findExchange(userId, conversationId, clientMessageId)) ?? latest;
    }
    return latest;
  }
}
