import type { RedisClient } from './redis-connection';
import type { CachedContext, ContextAppendResult, ContextCache } from '../../ports/context-cache';
import type { ChatTurn } from '../../ports/llm-client';
import { LuaScripts } from './lua-scripts';

export type ContextCacheOperation = 'get' | 'set' | 'append' | 'invalidate';

export interface RedisContextCacheOptions {
  /** The connection's health (see RedisHealth): while not ok, calls skip Redis; failures are reported to it. */
  health?: { readonly ok: boolean; report(error: unknown): void };
  /**
   * Every key is this prefix followed by the conversation id.
   * @defaultValue 'parley:ctx:'
   */
  prefix?: string;
  /**
   * How long a window lives after its last write; fractions are allowed.
   * @defaultValue 3600
   */
  ttlSeconds?: number;
  /**
   * After a failure, calls skip Redis (as misses and no-ops) for this long, so a stalled Redis
   * costs a request one command timeout, not one per call. 0 never skips.
   * @defaultValue 1000
   */
  cooldownMs?: number;
  /** Told about each Redis failure the cache absorbed, for a log line and a metric. Must not throw. */
  onError?: (operation: ContextCacheOperation, error: unknown) => void;
}

const APPEND_RESULTS: Record<number, ContextAppendResult> = { 1: 'appended', 0: 'missing', [-1]: 'dropped' };

/**
 * Conversation windows on Redis: one JSON string per conversation with a time to live, appended
 * to by one Lua script. Waits no longer than the connection's command timeout (connectRedis sets
 * one and disables the offline queue, so a dead Redis fails at once); every failure reads as a
 * miss or a no-op. Skipped or lost writes are safe: readers check a window against the
 * conversation record before using it.
 */
export class RedisContextCache implements ContextCache {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly scripts = new LuaScripts();
  private readonly cooldownMs: number;
  private restingUntilMs = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisContextCacheOptions = {},
  ) {
    this.prefix = options.prefix ?? 'parley:ctx:';
    const ttlSeconds = options.ttlSeconds ?? 3600;
    if (!(ttlSeconds > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
    this.ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
    this.cooldownMs = options.cooldownMs ?? 1000;
  }

  async get(conversationId: string): Promise<CachedContext | null> {
    const text = await this.attempt('get', () => this.redis.get(this.key(conversationId)));
    return text === null ? null : decodeContext(text);
  }

  async set(conversationId: string, context: CachedContext): Promise<void> {
    const value = JSON.stringify(context);
    await this.attempt('set', () => this.redis.set(this.key(conversationId), value, 'PX', this.ttlMs));
  }

  async append(
    conversationId: string,
    turns: ChatTurn[],
    throughSeq: number,
    expectedThroughSeq: number,
    maxTurns: number,
  ): Promise<ContextAppendResult> {
    const added = JSON.stringify(turns.map(({ role, content }) => ({ role, content })));
    const args = [added, throughSeq, expectedThroughSeq, maxTurns, this.ttlMs];
    const code = await this.attempt('append', () =>
      this.scripts.run(this.redis, 'append-context', [this.key(conversationId)], args),
    );
    return typeof code === 'number' ? (APPEND_RESULTS[code] ?? 'unavailable') : 'unavailable';
  }

  async invalidate(conversationId: string): Promise<void> {
    await this.attempt('invalidate', () => this.redis.del(this.key(conversationId)));
  }

  private key(conversationId: string): string {
    return this.prefix + conversationId;
  }

  /** Runs one Redis call; a failure is reported and answered with null, as is a call while resting. This never rejects. */
  private async attempt<T>(operation: ContextCacheOperation, run: () => Promise<T>): Promise<T | null> {
    if (Date.now() < this.restingUntilMs || this.options.health?.ok === false) return null;
    try {
      return await run();
    } catch (error: unknown) {
      this.options.health?.report(error);
      this.restingUntilMs = Date.now() + this.cooldownMs;
      this.options.onError?.(operation, error);
      return null;
    }
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function isTurn(value: unknown): value is ChatTurn {
  return (
    isRecord(value) &&
    (value.role === 'user' || value.role === 'assistant') &&
    typeof value.content === 'string'
  );
}

/** Lua's cjson writes an empty array back as `{}`. */
function decodeTurns(value: unknown): ChatTurn[] | null {
  if (isRecord(value) && Object.keys(value).length === 0) return [];
  if (!Array.isArray(value) || !value.every(isTurn)) return null;
  return value.map(({ role, content }) => ({ role, content }));
}

/** The stored window, or null (a miss) for anything that is not one. */
export function decodeContext(text: string): CachedContext | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const turns = decodeTurns(value.turns);
  const { throughSeq, summary, summaryThroughSeq, systemPromptVersion } = value;
  // Windows cached before branches existed were built on the only branch there was (version 0).
  const branchVersion = value.branchVersion ?? 0;
  if (turns === null || !isSeq(throughSeq) || !isSeq(summaryThroughSeq) || !isSeq(systemPromptVersion) || !isSeq(branchVersion)) return null;
  if (summary !== null && typeof summary !== 'string') return null;
  return { turns, throughSeq, summary, summaryThroughSeq, systemPromptVersion, branchVersion };
}
