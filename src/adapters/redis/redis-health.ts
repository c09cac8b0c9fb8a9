import type { RedisClient } from './redis-connection';

/** What a call gets, at once, while its Redis is marked unhealthy: nothing was sent. */
export class RedisUnavailableError extends Error {
  constructor(readonly label: string) {
    super(`${label} is not answering; not sent (in-process fallback until a ping answers)`);
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisHealthOptions {
  /** Names the connection in errors and log lines. */
  label: string;
  /** How often a ping is sent while unhealthy. @defaultValue 200 */
  probeIntervalMs?: number;
  /** Told each change (false: the first failure; true: the first ping answered after it). */
  onChange?: (healthy: boolean, error?: unknown) => void;
}

/**
 * One connection's health, so a Redis stall costs a request at most one command timeout: the
 * first call that times out (or finds the connection closed) marks it unhealthy, calls after it
 * fail at once without being sent (callers take their in-process path), and a ping every
 * `probeIntervalMs` marks it healthy again as soon as Redis answers. Pings queue behind whatever
 * was sent during the stall, so by the time one answers Redis has run those commands too.
 */
export class RedisHealth {
  private healthy = true;
  private probe: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly intervalMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisHealthOptions,
  ) {
    this.intervalMs = options.probeIntervalMs ?? 200;
  }

  get ok(): boolean {
    return this.healthy;
  }

  /** The error a call gets while unhealthy. */
  unavailable(): RedisUnavailableError {
    return new RedisUnavailableError(this.options.label);
  }

  /** A call failed: a timeout or a lost connection marks the connection unhealthy; a reply error (a bad script, a wrong type) does not. */
  report(error: unknown): void {
    if (!this.healthy || !isConnectionFault(error)) return;
    this.healthy = false;
    this.options.onChange?.(false, error);
    this.probe = setInterval(() => void this.ping(), this.intervalMs);
    this.probe.unref();
  }

  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  private async ping(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.redis.ping();
      if (this.healthy) return;
      this.healthy = true;
      this.stop();
      this.options.onChange?.(true);
    } catch {
      // Still down; the next tick tries again.
    } finally {
      this.probing = false;
    }
  }
}

/** ioredis' ReplyError is Redis answering (with an error); anything else means it did not answer. */
function isConnectionFault(error: unknown): boolean {
  return error instanceof Error && error.name !== 'ReplyError' && !(error instanceof RedisUnavailableError);
}
