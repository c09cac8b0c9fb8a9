import type { CachedReply } from '../../ports/response-cache';
import type { CacheHit, CacheLevel } from './cache-types';

export function toCacheHit(reply: CachedReply, level: CacheLevel, similarity: number): CacheHit {
  const { content, model, usage, createdAtMs } = reply;
  return { level, similarity, content, model, usage, createdAt: new Date(createdAtMs) };
}
