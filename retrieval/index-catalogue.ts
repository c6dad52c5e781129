import type { Embedder } from './embeddings/embedder.js';
import type { VectorStore, VectorPoint } from './vectors/store.js';
import type { KeywordCorpus } from './corpus-types.js';
import type { Catalogue, Product } from '../instacart/types.js';
import type { CatalogueStats } from '../instacart/stats-types.js';
import { COLLECTIONS } from '../pipelines/context.js';

export interface IndexProgress {
  readonly collection: string;
  readonly done: number;
  readonly total: number;
}

export interface IndexOptions {
  readonly batchSize?: number;
  readonly onProgress?: (p: IndexProgress) => void;
  /** Re-embed and re-upsert even when the collection already holds every point. */
  readonly force?: boolean;
}

export interface IndexSummary {
  readonly collection: string;
  readonly points: number;
  /** True when the collection already held every point and nothing was written. */
  readonly reused: boolean;
}

/** The text embedded for a product: its name with aisle and department, so "milk" finds dairy. */
export function productText(p: Product, catalogue: Catalogue): string {
  return `${p.name} (${catalogue.aisles.get(p.aisleId)?.name ?? ''}, ${catalogue.departments.get(p.departmentId)?.name ?? ''})`;
}

async function indexPoints<T>(
  collection: string,
  items: readonly T[],
  toText: (item: T) => string,
  toPoint: (item: T, vector: Float32Array) => VectorPoint,
  embedder: Embedder,
  vectors: VectorStore,
  { batchSize = 512, onProgress, force = false }: IndexOptions,
): Promise<IndexSummary> {
  await vectors.ensureCollection(collection, embedder.dimensions);
  if (!force && (await vectors.count(collection)) === items.length) {
    onProgress?.({ collection, done: items.length, total: items.length });
    return { collection, points: items.length, reused: true };
  }
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize);
    const embedded = await embedder.embed(batch.map(toText));
    await vectors.upsert(collection, batch.map((item, j) => toPoint(item, embedded[j])));
    onProgress?.({ collection, done: Math.min(i + batchSize, items.length), total: items.length });
  }
  return { collection, points: items.length, reused: false };
}

/** Keyword corpus → the keywords collection Phase 2 prunes with (payload: text, kind, df, aisles, departments). */
export function indexKeywords(corpus: KeywordCorpus, embedder: Embedder, vectors: VectorStore, options: IndexOptions = {}): Promise<IndexSummary> {
  return indexPoints(
    COLLECTIONS.keywords,
    corpus.terms,
    (t) => t.text,
    (t, vector) => ({ id: t.id, vector, payload: { text: t.text, kind: t.kind, df: t.df, aisles: [...t.aisles], departments: [...t.departments] } }),
    embedder,
    vectors,
    options,
  );
}

/** Catalogue → the products collection Phase 4 retrieves from (payload: productId, name, aisleId, departmentId, popularity). */
export function indexProducts(catalogue: Catalogue, stats: CatalogueStats, embedder: Embedder, vectors: VectorStore, options: IndexOptions = {}): Promise<IndexSummary> {
  const products = [...catalogue.products.values()].sort((a, b) => a.id - b.id);
  return indexPoints(
    COLLECTIONS.products,
    products,
    (p) => productText(p, catalogue),
    (p, vector) => ({
      id: `p:${p.id}`,
      vector,
      payload: { productId: p.id, name: p.name, aisleId: p.aisleId, departmentId: p.departmentId, popularity: stats.popularity(p.id) },
    }),
    embedder,
    vectors,
    options,
  );
}
