/** Turns texts into embedding vectors; texts with similar meaning get vectors pointing the same way. */
export interface Embedder {
  /**
   * Names the vector space (provider, model and dimensions). Vectors from different spaces are
   * never compared, so changing the model must change this.
   */
  readonly space: string;
  /** One vector per text, in the order given. Rejects on any failure; aborting cancels the request. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
