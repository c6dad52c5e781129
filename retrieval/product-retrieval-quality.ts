import { seededRandom } from '../base/random.js';
import { normaliseText } from '../catalogue/text.js';
import type { Catalogue } from '../catalogue/types.js';
import { COLLECTIONS } from './collections.js';
import type { KeywordCorpus } from './corpus-types.js';
import type { Embedder } from './embeddings/embedder.js';
import type { Filter, VectorStore } from './vectors/store.js';

/**
 * Quality of the product-retrieval step (what Phase 4 does with a keyword) on queries whose right
 * answers are known from the catalogue itself, so a product text recipe can be judged without
 * labels: the bench runs it on the whole catalogue, a test on a fixed few categories.
 */

/** A keyword as Phase 4 retrieves it, and the products a right answer contains. */
export interface ProductQuery {
  readonly text: string;
  readonly categoryIds: readonly string[];
  readonly departmentIds: readonly string[];
  readonly relevant: ReadonlySet<string>;
}

export type QueryFilter = 'category' | 'department' | 'none';

export interface PhraseQueryOptions {
  readonly count: number;
  readonly seed: number;
  /** Filter as Phase 2 gives a phrase: its top category, its top department, or none. */
  readonly filter: QueryFilter;
  /** Only phrases whose top category is one of these (a small, fixed query set). */
  readonly inCategories?: readonly string[];
  /** Phrases in at least this many product names (default 5), so recall has room to differ. */
  readonly minDf?: number;
}

/**
 * A seeded sample of the keyword corpus's phrases as Phase 4 queries. A product is a right answer
 * when it is in the filter's scope and its normalised name contains the phrase as whole words,
 * which is how the corpus mined the phrase in the first place.
 */
export function phraseQueries(catalogue: Catalogue, corpus: KeywordCorpus, { count, seed, filter, inCategories, minDf = 5 }: PhraseQueryOptions): ProductQuery[] {
  const allowed = inCategories ? new Set(inCategories) : undefined;
  const pool = corpus.terms.filter((t) => t.kind === 'phrase' && t.df >= minDf && t.categories.length > 0 && (!allowed || allowed.has(t.categories[0])));
  const next = seededRandom(seed);
  const picked = [];
  while (picked.length < count && pool.length) picked.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
  const products = [...catalogue.products.values()].map((p) => ({ p, name: ` ${normaliseText(p.name)} ` }));
  return picked.map((t) => {
    const categoryIds = filter === 'category' ? t.categories.slice(0, 1) : [];
    const departmentIds = filter === 'department' ? t.departments.slice(0, 1) : [];
    const inScope = (categoryId: string, departmentId: string) =>
      categoryIds.length ? categoryIds.includes(categoryId) : departmentIds.length ? departmentIds.includes(departmentId) : true;
    const relevant = new Set(products.filter(({ p, name }) => inScope(p.categoryId, p.departmentId) && name.includes(` ${t.text} `)).map(({ p }) => p.id));
    return { text: t.text, categoryIds, departmentIds, relevant };
  });
}

/** Phase 4's filter for a keyword: categories win over departments (phases/assemble/retrieve.ts). */
export function queryFilter(q: Pick<ProductQuery, 'categoryIds' | 'departmentIds'>): Filter | undefined {
  if (q.categoryIds.length) return { must: [{ key: 'categoryId', match: { any: [...q.categoryIds] } }] };
  if (q.departmentIds.length) return { must: [{ key: 'departmentId', match: { any: [...q.departmentIds] } }] };
  return undefined;
}

/**
 * Mean recall@k of the products collection over the queries that have a right answer: the share
 * of the top k that are right answers, out of as many as could fit (min(k, right answers)).
 */
export async function productRecallAtK(queries: readonly ProductQuery[], embedder: Embedder, vectors: VectorStore, k: number): Promise<number> {
  const answerable = queries.filter((q) => q.relevant.size > 0);
  if (!answerable.length) throw new Error('productRecallAtK: no query has a right answer');
  const qv = await embedder.embed(answerable.map((q) => q.text));
  let sum = 0;
  for (const [i, q] of answerable.entries()) {
    const hits = await vectors.search(COLLECTIONS.products, qv[i], { k, filter: queryFilter(q) });
    const right = hits.filter((h) => q.relevant.has(String(h.payload.productId))).length;
    sum += right / Math.min(k, q.relevant.size);
  }
  return sum / answerable.length;
}
