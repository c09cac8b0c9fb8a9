import type { ThrottledLog } from './throttled-log';

export type Guarded<T> = { ok: true; value: T } | { ok: false };

export interface CacheCallGuardOptions {
  timeoutMs: number;
  /** After a failure, calls are skipped (as failures) for this long; 0 never skips. */
  cooldownMs: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * Runs calls to one dependency so that none ever throws or outlasts a deadline: a failure or a
 * timeout becomes `{ ok: false }` and a throttled warning. After a failure the dependency rests
 * for the cooldown, so a dead or stalled Redis costs one timeout per cooldown, not one per call.
 * A timed-out call may still finish later; its result is then ignored.
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
    if (this.now() < this.restingUntilMs) return { ok: false };
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`${operation} took longer than ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    try {
      return { ok: true, value: await Promise.race([call(controller.signal), deadline]) };
    } catch (error: unknown) {
      this.restingUntilMs = this.now() + this.options.cooldownMs;
      this.log.warn(operation, 'response cache dependency failed; treated as a miss', { operation, err: error });
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }
}
