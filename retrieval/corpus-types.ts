export type KeywordKind = 'phrase' | 'aisle' | 'department' | 'attribute';

/** One retrieval term mined from the catalogue. */
export interface KeywordTerm {
  /** Stable id: "kw:" + normalised text. */
  readonly id: string;
  /** Normalised (lower-case, single-spaced) text. */
  readonly text: string;
  readonly kind: KeywordKind;
  /** Number of catalogue products whose name contains the term (aisle/department: products in it). */
  readonly df: number;
  /** Aisle ids the term occurs in, most frequent first. */
  readonly aisles: readonly number[];
  /** Department ids the term occurs in, most frequent first. */
  readonly departments: readonly number[];
}

export interface KeywordCorpus {
  readonly terms: readonly KeywordTerm[];
  readonly byText: ReadonlyMap<string, KeywordTerm>;
  /** Hash of the terms, part of every artefact key that depends on the corpus. */
  readonly digest: string;
}
