/** A sentence encoder. Vectors are L2-normalised so cosine similarity is a dot product. */
export interface Embedder {
  /** Stable id of the model, part of every embedding-cache key and artefact hash. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases worker threads or sockets; safe to call twice. */
  close(): Promise<void>;
}
