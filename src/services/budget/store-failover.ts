import type { Logger } from '../../observability/logger';

export type StoreRole = 'primary' | 'fallback';

export interface StoreFailoverOptions {
  log: Logger;
  /** A primary call slower than this counts as failed. */
  timeoutMs: number;
  /** At most one warning per interval while the primary keeps failing. */
  warnIntervalMs: number;
  now: () => number;
}

/**
 * Runs a call on the primary store and, when it fails or is too slow, on the fallback instead.
 * Never lets the primary's error reach the caller; warns at a bounded rate, not per call.
 */
export class StoreFailover {
  private lastWarnMs = Number.NEGATIVE_INFINITY;
  private suppressed = 0;
  /** Whether a warning went out that no "available again" line has answered yet. */
  private warned = false;

  constructor(private readonly options: StoreFailoverOptions) {}

  async run<T>(operation: string, primary: () => Promise<T>, fallback: () => Promise<T>): Promise<{ value: T; via: StoreRole }> {
    try {
      const value = await this.withTimeout(operation, primary);
      this.recovered();
      return { value, via: 'primary' };
    } catch (error: unknown) {
      this.failed(operation, error);
      return { value: await fallback(), via: 'fallback' };
    }
  }

  /** For calls with no fallback: failures are reported the same way and swallowed. */
  async attempt(operation: string, primary: () => Promise<void>): Promise<boolean> {
    try {
      await this.withTimeout(operation, primary);
      this.recovered();
      return true;
    } catch (error: unknown) {
      this.failed(operation, error);
      return false;
    }
  }

  private async withTimeout<T>(operation: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`budget store ${operation} timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(operation: string, error: unknown): void {
    const nowMs = this.options.now();
    if (nowMs - this.lastWarnMs < this.options.warnIntervalMs) {
      this.suppressed += 1;
      return;
    }
    this.options.log.warn('budget store unavailable; budgets are per instance until it recovers', {
      operation,
      error: error instanceof Error ? error.message : String(error),
      suppressed: this.suppressed,
    });
    this.lastWarnMs = nowMs;
    this.suppressed = 0;
    this.warned = true;
  }

  private recovered(): void {
    if (!this.warned) return;
    this.warned = false;
    this.options.log.info('budget store available again');
  }
}
