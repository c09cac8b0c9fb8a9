import type { Logger } from '../observability/logger';
import type { ChatStore } from '../ports/chat-store';

const INTERRUPTED = 'The reply was interrupted; please send the message again.';

/**
 * Fails replies left PENDING by a process that died mid-generation, so clients never wait
 * forever on them. Runs at start and every half stale-period.
 */
export class PendingSweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ChatStore,
    private readonly log: Logger,
    private readonly staleMs: number,
  ) {}

  start(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), Math.max(1_000, this.staleMs / 2));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async sweep(): Promise<number> {
    try {
      const failed = await this.store.failStalePending(new Date(Date.now() - this.staleMs), INTERRUPTED);
      if (failed > 0) this.log.warn('failed stale pending replies', { count: failed });
      return failed;
    } catch (error: unknown) {
      this.log.warn('pending sweep failed', { err: error instanceof Error ? error.message : String(error) });
      return 0;
    }
  }
}
