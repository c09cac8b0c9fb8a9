import type { CachedContext, ContextAppendResult, ContextCache } from '../../ports/context-cache';
import type { ChatTurn } from '../../ports/llm-client';

export interface MemoryContextCacheOptions {
  /**
   * How long a window lives after its last write; fractions are allowed.
   * @defaultValue 3600
   */
  ttlSeconds?: number;
  /**
   * The clock, in ms, that expiry is measured on (tests move it by hand).
   * @defaultValue Date.now
   */
  now?: () => number;
}

interface Entry {
  context: CachedContext;
  expiresAtMs: number;
}

/**
 * Conversation windows in process memory, with RedisContextCache's semantics: a time to live
 * renewed by every write, and appends that check their position. Each call runs synchronously,
 * so appends are atomic. Values are copied in and out: callers never share stored state.
 */
export class MemoryContextCache implements ContextCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryContextCacheOptions = {}) {
    const ttlSeconds = options.ttlSeconds ?? 3600;
    if (!(ttlSeconds > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
    this.ttlMs = ttlSeconds * 1000;
    this.now = options.now ?? Date.now;
  }

  async get(conversationId: string): Promise<CachedContext | null> {
    const entry = this.live(conversationId);
    return entry ? structuredClone(entry.context) : null;
  }

  async set(conversationId: string, context: CachedContext): Promise<void> {
    this.write(conversationId, { ...structuredClone(context), turns: context.turns.map(plainTurn) });
  }

  async append(
    conversationId: string,
    turns: ChatTurn[],
    throughSeq: number,
    expectedThroughSeq: number,
    maxTurns: number,
  ): Promise<ContextAppendResult> {
    const entry = this.live(conversationId);
    if (!entry) return 'missing';
    if (entry.context.throughSeq !== expectedThroughSeq) {
      this.entries.delete(conversationId);
      return 'dropped';
    }
    const all = [...entry.context.turns, ...turns.map(plainTurn)];
    this.write(conversationId, { ...entry.context, turns: all.slice(Math.max(0, all.length - maxTurns)), throughSeq });
    return 'appended';
  }

  async invalidate(conversationId: string): Promise<void> {
    this.entries.delete(conversationId);
  }

  private live(conversationId: string): Entry | null {
    const entry = this.entries.get(conversationId);
    if (!entry) return null;
    if (entry.expiresAtMs > this.now()) return entry;
    this.entries.delete(conversationId);
    return null;
  }

  private write(conversationId: string, context: CachedContext): void {
    this.entries.set(conversationId, { context, expiresAtMs: this.now() + this.ttlMs });
  }
}

/** Only role and content are kept, as the JSON the Redis adapter stores would. */
function plainTurn(turn: ChatTurn): ChatTurn {
  return { role: turn.role, content: turn.content };
}
