import { words } from '../../base/text.js';
import { contentTokens } from '../../base/text.js';

/**
 * The pair features the local relevance model is a logistic regression over. Order matters: it is
 * the order of the weights in the weights file, which records these names and is checked on load.
 */
export const FEATURE_NAMES = ['cosine', 'max_segment_cosine', 'idf_cover_text', 'idf_cover_query', 'trigram_cover_text', 'length_ratio'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Document frequencies of stemmed words over a collection (the catalogue's product names). */
export interface IdfTable {
  readonly documents: number;
  /** Words rarer than this are not stored; a word missing from `df` counts as this rare. */
  readonly minDf: number;
  readonly df: Readonly<Record<string, number>>;
}

/** A text tokenised once, however many pairs it appears in. */
export interface PreparedText {
  readonly tokens: ReadonlySet<string>;
  readonly trigrams: ReadonlySet<string>;
}

export function prepareText(text: string): PreparedText {
  const tokens = new Set(contentTokens(text));
  const padded = ` ${words(text).join(' ')} `;
  const trigrams = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) trigrams.add(padded.slice(i, i + 3));
  return { tokens, trigrams };
}

/** BM25's idf; an unseen word is treated as occurring in half the minimum stored count. */
export function idf(table: IdfTable, token: string): number {
  const df = table.df[token] ?? table.minDf / 2;
  return Math.log(1 + (table.documents - df + 0.5) / (df + 0.5));
}

/** Share of `of`'s idf mass whose words also occur in `in_`: a BM25-style overlap for short texts. */
function idfCover(table: IdfTable, of: ReadonlySet<string>, in_: ReadonlySet<string>): number {
  let total = 0;
  let hit = 0;
  for (const t of of) {
    const w = idf(table, t);
    total += w;
    if (in_.has(t)) hit += w;
  }
  return total > 0 ? hit / total : 0;
}

/**
 * The parts of a theme-like query ("Greek yogurt breakfast: greek yogurt, granola, honey"): a keyword
 * that matches one concept well is relevant even when it is far from the whole list.
 */
export function querySegments(query: string): string[] {
  const parts = query.split(/[:;,]/).map((s) => s.trim()).filter(Boolean);
  return parts.length ? parts : [query];
}

/**
 * Features of one (query, text) pair. `cos` is the cosine of the two embedded texts and `maxSegmentCos`
 * the best cosine of the text to any query segment, computed by the caller so embeddings can be batched.
 */
export function pairFeatures(query: PreparedText, text: PreparedText, cos: number, maxSegmentCos: number, table: IdfTable): number[] {
  let triHit = 0;
  for (const g of text.trigrams) if (query.trigrams.has(g)) triHit++;
  const nq = query.tokens.size;
  const nt = text.tokens.size;
  return [
    cos,
    maxSegmentCos,
    idfCover(table, text.tokens, query.tokens),
    idfCover(table, query.tokens, text.tokens),
    text.trigrams.size ? triHit / text.trigrams.size : 0,
    nq && nt ? Math.min(nq, nt) / Math.max(nq, nt) : 0,
  ];
}
