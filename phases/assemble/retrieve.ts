import type { Filter, SearchHit, VectorStore } from '../../retrieval/vectors/store.js';
import type { FilteredTheme } from '../filter/schema.js';
import { COLLECTIONS } from '../../retrieval/collections.js';

type FilteredKeyword = FilteredTheme['keywords'][number];

/** A product hit as Phase 4 reads it from the products collection payload. */
export interface ProductHit {
  readonly productId: string;
  readonly name: string;
  readonly categoryId: string;
  readonly departmentId: string;
  readonly popularity: number;
  /** Cosine between the keyword and the product text. */
  readonly hitScore: number;
}

/**
 * The filters a keyword searches under: its own, or its theme's when it has none, so a keyword
 * the model wrote without a category ("raspberry fruit spread" in a produce theme) looks for its
 * products where the theme's are, not across the whole catalogue (which, while the products
 * collection is still building, also means waiting for all of it).
 */
export function keywordScope<K extends Pick<FilteredKeyword, 'categoryIds' | 'departmentIds'>>(kw: K, theme: Pick<FilteredTheme, 'categoryIds' | 'departmentIds'>): K {
  return kw.categoryIds.length || kw.departmentIds.length ? kw : { ...kw, categoryIds: theme.categoryIds, departmentIds: theme.departmentIds };
}

/** Category filters are the narrower intent, so they win; department filters apply only without them. */
export function keywordFilter(kw: Pick<FilteredKeyword, 'categoryIds' | 'departmentIds'>): Filter | undefined {
  if (kw.categoryIds.length) return { must: [{ key: 'categoryId', match: { any: [...kw.categoryIds] } }] };
  if (kw.departmentIds.length) return { must: [{ key: 'departmentId', match: { any: [...kw.departmentIds] } }] };
  return undefined;
}

function toProductHit(hit: SearchHit): ProductHit {
  const { productId, name, categoryId, departmentId, popularity } = hit.payload;
  if (typeof productId !== 'string' || typeof name !== 'string' || typeof categoryId !== 'string' || typeof departmentId !== 'string') {
    throw new Error(`${COLLECTIONS.products}: point ${hit.id} has no productId/name/categoryId/departmentId payload; re-run the product indexing`);
  }
  return { productId, name, categoryId, departmentId, popularity: typeof popularity === 'number' ? popularity : 0, hitScore: hit.score };
}

export interface KeywordRetrieval {
  readonly hits: readonly ProductHit[];
  /** Set when the filtered search found nothing and the unfiltered one was used instead. */
  readonly note?: string;
}

/** Retrieves up to k products for one keyword, honouring its filters; unfiltered only as a noted fallback. */
export async function retrieveForKeyword(
  vectors: VectorStore,
  vector: Float32Array,
  kw: Pick<FilteredKeyword, 'text' | 'categoryIds' | 'departmentIds'>,
  k: number,
): Promise<KeywordRetrieval> {
  const filter = keywordFilter(kw);
  const hits = await vectors.search(COLLECTIONS.products, vector, { k, filter });
  if (hits.length || !filter) return { hits: hits.map(toProductHit) };
  const on = kw.categoryIds.length ? `categories [${kw.categoryIds.join(', ')}]` : `departments [${kw.departmentIds.join(', ')}]`;
  const unfiltered = await vectors.search(COLLECTIONS.products, vector, { k });
  return {
    hits: unfiltered.map(toProductHit),
    note: `keyword "${kw.text}": no products in ${on}; used unfiltered retrieval (${unfiltered.length} hits)`,
  };
}
