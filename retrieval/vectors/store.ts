/** Payload values are flat so both the embedded index and Qdrant can filter on them. */
export type PayloadValue = string | number | boolean | string[] | number[];
export type Payload = Record<string, PayloadValue>;

export interface VectorPoint {
  /** Caller's id (string). Backends that need numeric/uuid ids map it internally. */
  readonly id: string;
  readonly vector: Float32Array;
  readonly payload: Payload;
}

/** Match when the payload field equals the value, or (for arrays) when any element is in `any`. */
export interface FieldCondition {
  readonly key: string;
  readonly match: { readonly value: string | number | boolean } | { readonly any: readonly (string | number)[] };
}

/** All `must` conditions hold and no `mustNot` condition holds. */
export interface Filter {
  readonly must?: readonly FieldCondition[];
  readonly mustNot?: readonly FieldCondition[];
}

export interface SearchHit {
  readonly id: string;
  /** Cosine similarity, higher is closer. */
  readonly score: number;
  readonly payload: Payload;
}

export interface SearchOptions {
  readonly k: number;
  readonly filter?: Filter;
}

export interface VectorStore {
  /** Backend name for logs and benchmark output, e.g. "embedded-usearch" or "qdrant". */
  readonly kind: string;
  /**
   * Collections of up to this many points are searched exhaustively, ties broken by row within
   * equal vectors, so what a search returns does not depend on the order the points arrived in:
   * what lets startIndexing build a collection part by part while it is searched. Absent: the
   * search may be approximate (a graph shaped by insertion order), and a collection is built whole.
   */
  readonly exactSearchUpTo?: number;
  /** Creates the collection if missing; an existing one with other dimensions is an error. */
  ensureCollection(name: string, dimensions: number): Promise<void>;
  hasCollection(name: string): Promise<boolean>;
  dropCollection(name: string): Promise<void>;
  /** Inserts or replaces points by id. */
  upsert(name: string, points: readonly VectorPoint[]): Promise<void>;
  search(name: string, vector: Float32Array, options: SearchOptions): Promise<SearchHit[]>;
  delete(name: string, ids: readonly string[]): Promise<void>;
  count(name: string): Promise<number>;
  /** Persists pending state (embedded store) and releases resources. */
  close(): Promise<void>;
}
