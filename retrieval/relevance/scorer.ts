/** One (query, text) pair to score, e.g. (theme text, keyword) or (theme text, product name). */
export interface RelevancePair {
  readonly query: string;
  readonly text: string;
}

/** A cross-encoder-style relevance scorer: the local learned model or an HTTP rerank service. */
export interface RelevanceScorer {
  /** Model id, part of artefact keys: changing the model re-runs the filter. */
  readonly id: string;
  /** One score in [0,1] per pair, in order; higher is more relevant. */
  score(pairs: readonly RelevancePair[]): Promise<number[]>;
}
