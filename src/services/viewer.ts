/** The authenticated caller, from a verified token. */
export interface Viewer {
  id: string;
  tier: string;
  /** When the token it came from expires (epoch ms); long-lived connections close then. */
  expiresAtMs?: number;
}
