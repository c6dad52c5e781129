export type KeywordKind = 'phrase' | 'category' | 'department' | 'attribute';

/** One retrieval term mined from the catalogue. */
export interface KeywordTerm {
  /** Stable id: "kw:" + normalised text. */
  readonly id: string;
  /** Normalised (lower-case, single-spaced) text. */
  readonly text: string;
  readonly kind: KeywordKind;
  /** Number of catalogue products whose name contains the term (category/department: products in it). */
  readonly df: number;
  /** Category ids the term occurs in, most frequent first. */
  readonly categories: readonly string[];
  /** Department ids the term occurs in, most frequent first. */
  readonly departments: readonly string[];
}

export interface KeywordCorpus {
  readonly terms: readonly KeywordTerm[];
  readonly byText: ReadonlyMap<string, KeywordTerm>;
  /** Hash of the terms, part of every artefact key that depends on the corpus. */
  readonly digest: string;
}
