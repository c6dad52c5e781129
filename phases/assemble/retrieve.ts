import type { Filter, SearchHit, VectorStore } from '../../retrieval/vectors/store.js';
import type { FilteredTheme } from '../filter/schema.js';
import { COLLECTIONS } from '../../retrieval/collections.js';

type FilteredKeyword = FilteredTheme['keywords'][number];

/** A product hit as Phase 4 reads it from the products collection payload. */
export interface ProductHit {
  readonly productId: number;
  readonly name: string;
  readonly aisleId: number;
  readonly departmentId: number;
  readonly popularity: number;
  /** Cosine between the keyword and the product text. */
  readonly hitScore: number;
}

/** Aisle filters are the narrower intent, so they win; department filters apply only without them. */
export function keywordFilter(kw: Pick<FilteredKeyword, 'aisleIds' | 'departmentIds'>): Filter | undefined {
  if (kw.aisleIds.length) return { must: [{ key: 'aisleId', match: { any: [...kw.aisleIds] } }] };
  if (kw.departmentIds.length) return { must: [{ key: 'departmentId', match: { any: [...kw.departmentIds] } }] };
  return undefined;
}

function toProductHit(hit: SearchHit): ProductHit {
  const { productId, name, aisleId, departmentId, popularity } = hit.payload;
  if (typeof productId !== 'number' || typeof name !== 'string' || typeof aisleId !== 'number' || typeof departmentId !== 'number') {
    throw new Error(`${COLLECTIONS.products}: point ${hit.id} has no productId/name/aisleId/departmentId payload; re-run the product indexing`);
  }
  return { productId, name, aisleId, departmentId, popularity: typeof popularity === 'number' ? popularity : 0, hitScore: hit.score };
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
  kw: Pick<FilteredKeyword, 'text' | 'aisleIds' | 'departmentIds'>,
  k: number,
): Promise<KeywordRetrieval> {
  const filter = keywordFilter(kw);
  const hits = await vectors.search(COLLECTIONS.products, vector, { k, filter });
  if (hits.length || !filter) return { hits: hits.map(toProductHit) };
  const on = kw.aisleIds.length ? `aisles [${kw.aisleIds.join(', ')}]` : `departments [${kw.departmentIds.join(', ')}]`;
  const unfiltered = await vectors.search(COLLECTIONS.products, vector, { k });
  return {
    hits: unfiltered.map(toProductHit),
    note: `keyword "${kw.text}": no products in ${on}; used unfiltered retrieval (${unfiltered.length} hits)`,
  };
}
