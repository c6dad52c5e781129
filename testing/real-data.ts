import { fileURLToPath } from 'node:url';
import type { Catalogue, Dataset } from '../catalogue/types.js';
import { loadCatalogue, loadDataset } from '../datasets/instacart/load.js';
import { buildCatalogueStats } from '../catalogue/stats.js';
import type { Ctx } from '../kit/context.js';
import { buildKeywordCorpus } from '../retrieval/corpus.js';
import { indexKeywords, indexProducts } from '../retrieval/index-catalogue.js';
import { hashingEmbedder } from './hashing-embedder.js';
import { memoryVectorStore } from './memory-vector-store.js';
import { makeTestCtx } from './test-context.js';

/** The bundled Instacart sample, for tests that check behaviour on real data. */
export const REAL_DATA_DIR = fileURLToPath(new URL('../data/instacart/', import.meta.url));

// Loading takes a second or two; a test file that asks twice gets the same objects.
let dataset: Promise<Dataset> | undefined;
let catalogue: Promise<Catalogue> | undefined;

/** The real dataset in the neutral model (through the Instacart adapter), loaded once per test file. */
export function realDataset(): Promise<Dataset> {
  return (dataset ??= loadDataset(REAL_DATA_DIR).then((r) => r.dataset));
}

/** The real catalogue only (products, categories, departments). */
export function realCatalogue(): Promise<Catalogue> {
  return (catalogue ??= dataset ? dataset.then((d) => d.catalogue) : loadCatalogue(REAL_DATA_DIR).then((r) => r.catalogue));
}

/**
 * A test context over the real dataset, every phase runnable on its local tiers: real catalogue,
 * statistics and keyword corpus; the hashing embedder and exact in-memory vectors (so indexing
 * takes seconds and results are deterministic); both collections indexed.
 */
export async function realHashingCtx(): Promise<{ dataset: Dataset; ctx: Ctx }> {
  const dataset = await realDataset();
  const stats = buildCatalogueStats(dataset);
  const corpus = buildKeywordCorpus(dataset.catalogue);
  const embedder = hashingEmbedder();
  const vectors = memoryVectorStore();
  await indexKeywords(corpus, embedder, vectors, { batchSize: 4096 });
  await indexProducts(dataset.catalogue, stats, embedder, vectors, { batchSize: 4096 });
  return { dataset, ctx: makeTestCtx({ catalogue: dataset.catalogue, stats, corpus, embedder, vectors }) };
}
