import type { ThrottledLog } from './throttled-log';

/** A failed call's reason: `timeout`, `resting` (skipped during the cooldown), or the classifier's word. */
export type Guarded<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface CacheCallGuardOptions {
  timeoutMs: number;
  /** After a failure, calls are skipped (as failures) for this long; 0 never skips. */
  cooldownMs: number;
  /** Names why a call threw, for logs and metrics; a small fixed vocabulary. @defaultValue () => 'error' */
  classify?: (error: unknown) => string;
  /** What the warning says the failure means. @defaultValue 'response cache dependency failed; treated as a miss' */
  warning?: string;
  /** @defaultValue Date.now */
  now?: () => number;
}

class DeadlineExceeded extends Error {}

/**
 * Runs calls to one dependency so that none ever throws or outlasts a deadline: a failure or a
 * timeout becomes `{ ok: false, reason }` and a warning, throttled per operation and reason. After
 * a failure the dependency rests for the cooldown, so a dead or stalled one costs one timeout per
 * cooldown, not one per call. A timed-out call may still finish later; its result is then ignored.
 */
export class CacheCallGuard {
  private restingUntilMs = 0;
  private readonly now: () => number;

  constructor(
    private readonly log: ThrottledLog,
    private readonly options: CacheCallGuardOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async run<T>(operation: string, call: (signal: AbortSignal) => Promise<T>): Promise<Guarded<T>> {
    if (this.now() < this.restingUntilMs) return { ok: false, reason: 'resting' };
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new DeadlineExceeded(`${operation} took longer than ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    try {
      return { ok: true, value: await Promise.race([call(controller.signal), deadline]) };
    } catch (error: unknown) {
      this.restingUntilMs = this.now() + this.options.cooldownMs;
      const reason = error instanceof DeadlineExceeded ? 'timeout' : (this.options.classify?.(error) ?? 'error');
      const warning = this.options.warning ?? 'response cache dependency failed; treated as a miss';
      this.log.warn(`${operation}:${reason}`, warning, { operation, reason, err: error });
      return { ok: false, reason };
    } finally {
      clearTimeout(timer);
    }
  }
}
