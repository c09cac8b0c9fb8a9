import type { Logger } from '../../observability/logger';

/**
 * Warnings at most once per interval per event, each saying how many were held back since the
 * last one, so a Redis outage logs a line every few seconds rather than one per request.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `key` names the event for throttling; distinct keys are throttled apart. */
  warn(key: string, message: string, fields: Record<string, unknown>): void {
    const nowMs = this.now();
    const previous = this.last.get(key);
    if (previous && nowMs - previous.atMs < this.intervalMs) {
      previous.suppressed += 1;
      return;
    }
    this.last.set(key, { atMs: nowMs, suppressed: 0 });
    this.log.warn(message, { ...fields, suppressed: previous?.suppressed ?? 0 });
  }
}
