import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Embedder } from './embeddings/embedder.js';
import type { VectorStore, VectorPoint } from './vectors/store.js';
import type { KeywordCorpus } from './corpus-types.js';
import { compareIds, type Catalogue, type Product } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import { sha256 } from '../base/hash.js';
import { COLLECTIONS } from './collections.js';

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
  /**
   * What the collection was last built from (content digest + embedder id). When the store holds
   * a collection built from the same digest with every point, nothing is re-embedded.
   */
  readonly state?: IndexStateFile;
}

/** A small JSON file recording, per collection, the digest it was built from. */
export interface IndexStateFile {
  read(collection: string): Promise<string | undefined>;
  write(collection: string, digest: string): Promise<void>;
}

export function jsonIndexState(path: string): IndexStateFile {
  const load = async (): Promise<Record<string, string>> => {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return {
    read: async (c) => (await load())[c],
    async write(c, digest) {
      const all = await load();
      all[c] = digest;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, JSON.stringify(all, null, 1));
    },
  };
}

export interface IndexSummary {
  readonly collection: string;
  readonly points: number;
  /** True when the collection already held every point and nothing was written. */
  readonly reused: boolean;
}

/** The text embedded for a product: its name with category and department, so "milk" finds dairy. */
export function productText(p: Product, catalogue: Catalogue): string {
  return `${p.name} (${catalogue.categories.get(p.categoryId)?.name ?? ''}, ${catalogue.departments.get(p.departmentId)?.name ?? ''})`;
}

async function indexPoints<T>(
  collection: string,
  items: readonly T[],
  toText: (item: T) => string,
  toPoint: (item: T, vector: Float32Array) => VectorPoint,
  embedder: Embedder,
  vectors: VectorStore,
  { batchSize = 512, onProgress, force = false, state }: IndexOptions,
  contentDigest: string,
): Promise<IndexSummary> {
  const digest = sha256(`${vectors.kind}:${embedder.id}:${contentDigest}`);
  await vectors.ensureCollection(collection, embedder.dimensions);
  const upToDate = state ? (await state.read(collection)) === digest : true;
  if (!force && upToDate && (await vectors.count(collection)) === items.length) {
    onProgress?.({ collection, done: items.length, total: items.length });
    return { collection, points: items.length, reused: true };
  }
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize);
    const embedded = await embedder.embed(batch.map(toText));
    await vectors.upsert(collection, batch.map((item, j) => toPoint(item, embedded[j])));
    onProgress?.({ collection, done: Math.min(i + batchSize, items.length), total: items.length });
  }
  await state?.write(collection, digest);
  return { collection, points: items.length, reused: false };
}

/** Keyword corpus → the keywords collection Phase 2 prunes with (payload: text, kind, df, categories, departments). */
export function indexKeywords(corpus: KeywordCorpus, embedder: Embedder, vectors: VectorStore, options: IndexOptions = {}): Promise<IndexSummary> {
  return indexPoints(
    COLLECTIONS.keywords,
    corpus.terms,
    (t) => t.text,
    (t, vector) => ({ id: t.id, vector, payload: { text: t.text, kind: t.kind, df: t.df, categories: [...t.categories], departments: [...t.departments] } }),
    embedder,
    vectors,
    options,
    corpus.digest,
  );
}

/** Catalogue → the products collection Phase 4 retrieves from (payload: productId, name, categoryId, departmentId, popularity). */
export function indexProducts(catalogue: Catalogue, stats: CatalogueStats, embedder: Embedder, vectors: VectorStore, options: IndexOptions = {}): Promise<IndexSummary> {
  const products = [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id));
  return indexPoints(
    COLLECTIONS.products,
    products,
    (p) => productText(p, catalogue),
    (p, vector) => ({
      id: `p:${p.id}`,
      vector,
      payload: { productId: p.id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, popularity: stats.popularity(p.id) },
    }),
    embedder,
    vectors,
    options,
    catalogueDigest(catalogue, stats),
  );
}

/** Digest of what the products collection holds: ids, texts and popularity. */
export function catalogueDigest(catalogue: Catalogue, stats: CatalogueStats): string {
  const products = [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id));
  return sha256(products.map((p) => `${p.id}\t${productText(p, catalogue)}\t${stats.popularity(p.id).toFixed(4)}`).join('\n'));
}

/** Both shared collections, reusing whatever is already up to date. */
export async function indexAll(
  ctx: { readonly corpus: KeywordCorpus; readonly catalogue: Catalogue; readonly stats: CatalogueStats; readonly embedder: Embedder; readonly vectors: VectorStore },
  options: IndexOptions = {},
): Promise<IndexSummary[]> {
  return [
    await indexKeywords(ctx.corpus, ctx.embedder, ctx.vectors, options),
    await indexProducts(ctx.catalogue, ctx.stats, ctx.embedder, ctx.vectors, options),
  ];
}
