import { createHash } from 'node:crypto';
import type { ChatTurn } from '../../ports/llm-client';

/**
 * Identifies the conversation so far: every prior user and assistant turn, roles and contents, in
 * order, plus the running summary that stands in for older turns. System turns are left out (the
 * system prompt is scoped by its version instead, so every first turn has the same fingerprint),
 * which is why a summary must be passed as `summary`, whatever role carries it to the model.
 */
export function contextFingerprint(priorTurns: ReadonlyArray<Pick<ChatTurn, 'role' | 'content'>>, summary: string | null = null): string {
  const hash = createHash('sha256').update('parley-context-v1');
  if (summary !== null && summary !== '') hash.update(`\u0000summary\u0000${summary.length}\u0000${summary}`);
  for (const turn of priorTurns) {
    if (turn.role === 'system') continue;
    hash.update(`\u0000${turn.role}\u0000${turn.content.length}\u0000${turn.content}`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** The fingerprint of a conversation with no turns yet: the context of every first turn. */
export const EMPTY_CONTEXT_FINGERPRINT = contextFingerprint([]);
