/** Waits before each send of a release to a store that may be stalled: about a minute in all. */
export const RELEASE_RETRY_DELAYS_MS: readonly number[] = [0, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

/**
 * Sends `send` after each delay in turn until one succeeds, in the background (timers that do not
 * keep the process alive). For releases by owner token, which are safe to repeat: a claim whose
 * reply was lost may still run late, and a release sent before Redis came back did nothing.
 * Past the last delay the key's TTL is the backstop.
 */
export function sendUntilConfirmed(send: () => Promise<unknown>, delaysMs: readonly number[] = RELEASE_RETRY_DELAYS_MS, attempt = 0): void {
  const delay = delaysMs[attempt];
  if (delay === undefined) return;
  const timer = setTimeout(() => {
    send().catch(() => sendUntilConfirmed(send, delaysMs, attempt + 1));
  }, delay);
  timer.unref();
}
