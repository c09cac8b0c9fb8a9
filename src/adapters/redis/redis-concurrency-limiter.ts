import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './redis-connection';
import type { ConcurrencyLimiter, LimitDecision } from '../../ports/rate-limiter';

const ACQUIRE = readFileSync(join(__dirname, 'lua', 'acquire-slot-1.lua'), 'utf8');

type SlotRedis = RedisClient & { acquireSlot(key: string, holderId: string, max: number, ttlMs: number): Promise<number> };

/**
 * Concurrency slots shared by every instance on one Redis: a sorted set per key, holders
 * scored by expiry, so a crashed holder's slot frees itself.
 */
export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly redis: SlotRedis;

  constructor(redis: RedisClient, private readonly prefix = 'parley:slots:') {
    if (!('acquireSlot' in redis)) redis.defineCommand('acquireSlot', { numberOfKeys: 1, lua: ACQUIRE });
    this.redis = redis as SlotRedis;
  }

  async acquire(key: string, holderId: string, max: number, ttlMs: number): Promise<LimitDecision> {
    const waitMs = await this.redis.acquireSlot(this.prefix + key, holderId, max, ttlMs);
    return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterMs: waitMs };
  }

  async release(key: string, holderId: string): Promise<void> {
    await this.redis.zrem(this.prefix + key, holderId);
  }
}
