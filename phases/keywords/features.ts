import type { KeywordTerm } from '../../retrieval/corpus-types.js';

/** What the keyword student knows about a theme: its words, and its categories/departments as catalogue ids. */
export interface ThemeScope {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly concepts: readonly string[];
  readonly categoryIds: readonly string[];
  readonly departmentIds: readonly string[];
}

/** One corpus term that survived vector pruning for a theme: the term as indexed, and how it ranked. */
export interface Candidate extends KeywordTerm {
  /** Cosine similarity between the theme and the term. */
  readonly similarity: number;
  /** 0-based position among the theme's candidates, by similarity. */
  readonly rank: number;
}

/** What a feature needs to know about the whole candidate list (rank and similarity are relative). */
export interface CandidateContext {
  readonly candidateCount: number;
  readonly topSimilarity: number;
}

/** Feature order is part of the weights file format: weights trained on another order are refused. */
export const FEATURE_NAMES = [
  'similarity',
  'similarityGap',
  'rankFraction',
  'lexicalOverlap',
  'conceptMatch',
  'logDf',
  'categorySpread',
  'categoryPrimary',
  'categoryAny',
  'departmentPrimary',
  'themeHasCategories',
  'kindCategory',
  'kindDepartment',
  'kindAttribute',
  'tokenCount',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

const STOPWORDS = new Set(['a', 'an', 'and', 'the', 'of', 'for', 'with', 'in', 'on', 'to', 'or', 'by', 'from', 'your', 'our', 'my']);

/** Light stemming so "apples"/"apple" and "berries"/"berry" meet; enough for overlap features. */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('es') && /(ch|sh|x|ss|o)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Content words of a text, lower-cased and stemmed. */
export function contentTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !STOPWORDS.has(w))
    .map(stem);
}

/** Dice coefficient of two token sets: 1 for the same words, 0 for none shared. */
export function tokenDice(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sa = new Set(a);
  const sb = new Set(b);
  let shared = 0;
  for (const t of sa) if (sb.has(t)) shared++;
  return (2 * shared) / (sa.size + sb.size);
}

const isSubset = (small: ReadonlySet<string>, big: ReadonlySet<string>): boolean => small.size > 0 && [...small].every((t) => big.has(t));

/** Per-theme precomputation, so scoring 100 candidates tokenises the theme once. */
export interface ThemeTokens {
  readonly titleAndConcepts: ReadonlySet<string>;
  readonly concepts: readonly ReadonlySet<string>[];
  readonly categories: ReadonlySet<string>;
  readonly departments: ReadonlySet<string>;
}

export function themeTokens(theme: ThemeScope): ThemeTokens {
  const concepts = theme.concepts.map((c) => new Set(contentTokens(c)));
  return {
    titleAndConcepts: new Set([...contentTokens(theme.title), ...concepts.flatMap((c) => [...c])]),
    concepts,
    categories: new Set(theme.categoryIds),
    departments: new Set(theme.departmentIds),
  };
}

/** The feature vector for one (theme, candidate) pair, in FEATURE_NAMES order. */
export function candidateFeatures(theme: ThemeTokens, c: Candidate, context: CandidateContext): number[] {
  const words = contentTokens(c.text);
  const wordSet = new Set(words);
  const overlap = words.length === 0 ? 0 : words.filter((w) => theme.titleAndConcepts.has(w)).length / words.length;
  const conceptMatch = theme.concepts.some((concept) => isSubset(wordSet, concept) || isSubset(concept, wordSet)) ? 1 : 0;
  const hasCategories = theme.categories.size > 0;
  const f: Record<FeatureName, number> = {
    similarity: c.similarity,
    similarityGap: context.topSimilarity - c.similarity,
    rankFraction: context.candidateCount > 1 ? c.rank / (context.candidateCount - 1) : 0,
    lexicalOverlap: overlap,
    conceptMatch,
    logDf: Math.log1p(Math.max(0, c.df)),
    categorySpread: Math.log1p(c.categories.length),
    categoryPrimary: hasCategories && c.categories.length > 0 && theme.categories.has(c.categories[0]) ? 1 : 0,
    categoryAny: hasCategories && c.categories.slice(0, 3).some((a) => theme.categories.has(a)) ? 1 : 0,
    departmentPrimary: c.departments.length > 0 && theme.departments.has(c.departments[0]) ? 1 : 0,
    themeHasCategories: hasCategories ? 1 : 0,
    kindCategory: c.kind === 'category' ? 1 : 0,
    kindDepartment: c.kind === 'department' ? 1 : 0,
    kindAttribute: c.kind === 'attribute' ? 1 : 0,
    tokenCount: Math.min(words.length, 4),
  };
  return FEATURE_NAMES.map((n) => f[n]);
}

export function contextOf(candidates: readonly Pick<Candidate, 'similarity'>[]): CandidateContext {
  return {
    candidateCount: candidates.length,
    topSimilarity: candidates.reduce((m, c) => Math.max(m, c.similarity), candidates.length ? -Infinity : 0),
  };
}
