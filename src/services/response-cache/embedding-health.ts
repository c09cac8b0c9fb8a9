/** What the last embedding attempt showed: usable, never tried yet, or failing for a reason since a time. */
export type EmbeddingHealthStatus =
  | { state: 'unknown' }
  | { state: 'ok'; sinceMs: number }
  | { state: 'failing'; reason: string; sinceMs: number };

/**
 * The embeddings endpoint's health as seen by real lookups and the startup probe, so /readyz can
 * say the similar level is dead without calling the endpoint on every check.
 */
export class EmbeddingHealth {
  private status: EmbeddingHealthStatus = { state: 'unknown' };

  constructor(private readonly now: () => number = Date.now) {}

  record(outcome: { ok: true } | { ok: false; reason: string }): void {
    // `resting` only repeats the failure that started the cooldown.
    if (!outcome.ok && outcome.reason === 'resting') return;
    const previous = this.status;
    if (outcome.ok) {
      if (previous.state !== 'ok') this.status = { state: 'ok', sinceMs: this.now() };
      return;
    }
    if (previous.state !== 'failing' || previous.reason !== outcome.reason) {
      this.status = { state: 'failing', reason: outcome.reason, sinceMs: this.now() };
    }
  }

  get current(): EmbeddingHealthStatus {
    return this.status;
  }
}
