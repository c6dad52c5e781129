/** A sentence encoder. Vectors are L2-normalised so cosine similarity is a dot product. */
export interface Embedder {
  /** Stable id of the model, part of every embedding-cache key and artefact hash. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * Optional: what embedding each text would cost, in the model's units (USE: tokens; a cached text:
   * 0). Whoever embeds many texts orders them by it, so batches hold texts of similar cost, and can
   * tell how far along it is.
   */
  costs?(texts: readonly string[]): Promise<number[]>;
  /** Releases worker threads or sockets; safe to call twice. */
  close(): Promise<void>;
}
