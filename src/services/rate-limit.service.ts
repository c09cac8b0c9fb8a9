import { randomUUID } from 'node:crypto';
import { RateLimitedError } from '../errors';
import type { ConcurrencyLimiter, LimitDecision, RateLimiter, RateLimiterFactory } from '../ports/rate-limiter';
import type { Viewer } from './viewer';

export interface RateLimitOptions {
  tiers: Record<string, { sendPerMinute: number; maxConcurrentGenerations: number }>;
  anonymousPerMinute: number;
  /** Subscriptions started and cancels, per user. */
  streamOpsPerMinute: number;
  /** Query cost per user per minute. */
  readCostPerMinute: number;
  /** Conversation writes per user per minute. */
  writesPerMinute: number;
  authFailures: { points: number; durationSeconds: number; blockSeconds: number };
  /** A generation slot frees itself after this even if its holder died. */
  generationTtlMs: number;
}

export interface RateLimitServiceDeps {
  createLimiter: RateLimiterFactory;
  concurrency: ConcurrencyLimiter;
  options: RateLimitOptions;
  /** Told the limiter's name each time a request is refused. */
  onRefused?: (limiter: string) => void;
}

/** Held while a reply is generated; release() is safe to call more than once. */
export interface GenerationSlot {
  release(): Promise<void>;
}


/** Per-user, per-IP and in-flight limits. Every refusal is RATE_LIMITED with retryAfterSeconds. */
export class RateLimitService {
  private readonly send = new Map<string, RateLimiter>();
  private readonly anonymous: RateLimiter;
  private readonly streamOps: RateLimiter;
  private readonly reads: RateLimiter;
  private readonly writes: RateLimiter;
  private readonly authFailures: RateLimiter;

  constructor(private readonly deps: RateLimitServiceDeps) {
    const { options, createLimiter } = deps;
    for (const [tier, limits] of Object.entries(options.tiers)) {
      this.send.set(tier, createLimiter({ name: `send:${tier}`, points: limits.sendPerMinute, durationSeconds: 60 }));
    }
    this.anonymous = createLimiter({ name: 'anonymous', points: options.anonymousPerMinute, durationSeconds: 60 });
    this.streamOps = createLimiter({ name: 'stream-ops', points: options.streamOpsPerMinute, durationSeconds: 60 });
    this.reads = createLimiter({ name: 'read-cost', points: options.readCostPerMinute, durationSeconds: 60 });
    this.writes = createLimiter({ name: 'writes', points: options.writesPerMinute, durationSeconds: 60 });
    this.authFailures = createLimiter({
      name: 'auth-failures',
      points: options.authFailures.points,
      durationSeconds: options.authFailures.durationSeconds,
      blockSeconds: options.authFailures.blockSeconds,
    });
  }

  async checkSend(viewer: Viewer): Promise<void> {
    const limiter = this.send.get(viewer.tier);
    if (!limiter) throw new Error(`no send limit configured for tier ${viewer.tier}`);
    this.refuse('send', await limiter.consume(viewer.id), 'Too many messages; slow down');
  }

  /** A replyStream subscription or a cancelReply, per user. */
  async checkStreamOp(viewer: Viewer): Promise<void> {
    this.refuse('stream-ops', await this.streamOps.consume(viewer.id), 'Too many stream subscriptions or cancels; slow down');
  }

  /** A query's computed cost, spent from the user's read budget; an expensive read repeated is refused, not run. */
  async checkReadCost(viewer: Viewer, cost: number): Promise<void> {
    if (cost <= 0) return;
    this.refuse('read-cost', await this.reads.consume(viewer.id, cost), 'Too many expensive reads; slow down or ask for smaller pages');
  }

  /** All the conversation writes of one operation at once: it runs whole or is refused whole. */
  async checkWrites(viewer: Viewer, count: number): Promise<void> {
    if (count <= 0) return;
    this.refuse('writes', await this.writes.consume(viewer.id, count), 'Too many changes to conversations; slow down');
  }

  async acquireGeneration(viewer: Viewer): Promise<GenerationSlot> {
    const max = this.deps.options.tiers[viewer.tier]?.maxConcurrentGenerations ?? 1;
    const holderId = randomUUID();
    const key = `generations:${viewer.id}`;
    this.refuse(
      'generations',
      await this.deps.concurrency.acquire(key, holderId, max, this.deps.options.generationTtlMs),
      `At most ${max} replies can be generated at once; wait for one to finish`,
    );
    let released: Promise<void> | null = null;
    return { release: () => (released ??= this.deps.concurrency.release(key, holderId)) };
  }

  /** Requests without a token, per client IP. */
  async checkAnonymous(ip: string): Promise<void> {
    this.refuse('anonymous', await this.anonymous.consume(ip), 'Too many unauthenticated requests');
  }

  /** Before verifying a token: an IP with too many failed attempts is refused for a while. */
  async checkAuthAllowed(ip: string): Promise<void> {
    this.refuse('auth-failures', await this.authFailures.peek(ip), 'Too many failed authentication attempts');
  }

  async recordAuthFailure(ip: string): Promise<void> {
    await this.authFailures.consume(ip);
  }

  private refuse(limiter: string, decision: LimitDecision, message: string): void {
    if (decision.allowed) return;
    this.deps.onRefused?.(limiter);
    throw new RateLimitedError(message, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  }
}
