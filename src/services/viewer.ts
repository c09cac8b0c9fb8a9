/** The authenticated caller, from a verified token. */
export interface Viewer {
  id: string;
  tier: string;
}
