import type { Ctx } from '../../kit/context.js';
import type { FieldCondition } from '../../retrieval/vectors/store.js';
import { contentTokens } from './features.js';
import { COLLECTIONS } from '../../retrieval/collections.js';

/**
 * Cosine similarity at which a product counts as retrieved by a written keyword on meaning alone.
 * Set high on purpose: with USE-lite, 30 non-grocery queries ("garden hose", "yoga mat") reached a
 * median top-product similarity of 0.50 and a maximum of 0.62 against a 3,000-product sample, while
 * real catalogue phrases had a median of 0.58, so similarity alone does not separate them. The
 * lexical check (every content word in a retrieved product's name) is the main test; similarity only
 * rescues near-paraphrases.
 */
export const RETRIEVAL_FLOOR = 0.75;
/** Products fetched per check: enough to see whether the keyword finds anything at all. */
export const CHECK_TOP_K = 10;

export interface KeywordToCheck {
  readonly text: string;
  readonly categoryIds: readonly string[];
  readonly departmentIds: readonly string[];
}

export interface RetrievalCheck {
  readonly kept: boolean;
  /** Top hits that cleared the floor or whose names contain every content word of the keyword. */
  readonly retrievedProducts: number;
  readonly topSimilarity: number;
  readonly reason: string;
}

/** The filter Phase 4 will retrieve with: categories are the narrower intent and win over departments. */
function filterFor(k: KeywordToCheck): { must: FieldCondition[] } | undefined {
  if (k.categoryIds.length) return { must: [{ key: 'categoryId', match: { any: [...k.categoryIds] } }] };
  if (k.departmentIds.length) return { must: [{ key: 'departmentId', match: { any: [...k.departmentIds] } }] };
  return undefined;
}

/**
 * A keyword a model wrote (not in the corpus) is only useful if it retrieves products, with the
 * filters it will be retrieved with. One embed call for all of them, one search each.
 */
export async function checkRetrieval(
  ctx: Pick<Ctx, 'embedder' | 'vectors'>,
  keywords: readonly KeywordToCheck[],
  floor = RETRIEVAL_FLOOR,
): Promise<RetrievalCheck[]> {
  if (keywords.length === 0) return [];
  const vectors = await ctx.embedder.embed(keywords.map((k) => k.text));
  return Promise.all(
    keywords.map(async (k, i) => {
      const hits = await ctx.vectors.search(COLLECTIONS.products, vectors[i], { k: CHECK_TOP_K, filter: filterFor(k) });
      const words = contentTokens(k.text);
      const lexical = (name: unknown) => {
        if (typeof name !== 'string' || words.length === 0) return false;
        const nameWords = new Set(contentTokens(name));
        return words.every((w) => nameWords.has(w));
      };
      const retrieved = hits.filter((h) => h.score >= floor || lexical(h.payload.name));
      const top = hits[0]?.score ?? 0;
      const kept = retrieved.length > 0;
      const reason = kept
        ? `retrieves ${retrieved.length}/${hits.length} products (top similarity ${top.toFixed(3)})`
        : hits.length === 0
          ? 'retrieves no products: the search with its filters returned nothing'
          : `retrieves no products: top similarity ${top.toFixed(3)} < floor ${floor} and no top-${hits.length} product name contains "${words.join(' ')}"`;
      return { kept, retrievedProducts: retrieved.length, topSimilarity: top, reason };
    }),
  );
}
