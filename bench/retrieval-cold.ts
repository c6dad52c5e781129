/**
 * The first-run parts of the retrieval benchmark (issue 10): cold index time, USE-lite throughput
 * by workers and texts per model call, and product-retrieval quality of the current product text
 * recipe against the previous one. Imported by retrieval.bench.ts, which writes the results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { sampleUsers, userHistory } from '../catalogue/history.js';
import { seededRandom, shuffled } from '../base/random.js';
import { normaliseText } from '../catalogue/text.js';
import { compareIds, type Catalogue, type Dataset, type Product } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import { userContextFor } from '../catalogue/user-context.js';
import { FsArtefactStore } from '../kit/artefacts/fs-store.js';
import type { Ctx } from '../kit/context.js';
import { runCascadedPage } from '../pipelines/cascaded.js';
import { COLLECTIONS } from '../retrieval/collections.js';
import { retrieveForKeyword } from '../phases/assemble/retrieve.js';
import type { KeywordCorpus } from '../retrieval/corpus-types.js';
import { cachedEmbedder } from '../retrieval/embeddings/cached-embedder.js';
import { useEmbedder } from '../retrieval/embeddings/use-embedder.js';
import { indexCollections, keywordsJob, productsJob } from '../retrieval/index-catalogue.js';
import { phraseQueries, productRecallAtK, type QueryFilter } from '../retrieval/product-retrieval-quality.js';
import { categoryText, PRODUCT_TEXT_RECIPE, productText, productVectors } from '../retrieval/product-text.js';
import { openEmbeddedStore } from '../retrieval/vectors/embedded-store.js';
import type { VectorStore } from '../retrieval/vectors/store.js';
import { memoryVectorStore } from '../testing/memory-vector-store.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** The product text recipe before issue 10 (@1), the baseline the current one is measured against. */
export const previousProductText = (p: Product, catalogue: Catalogue): string =>
  `${p.name} (${catalogue.categories.get(p.categoryId)?.name ?? ''}, ${catalogue.departments.get(p.departmentId)?.name ?? ''})`;

export interface Data {
  readonly dataset: Dataset;
  readonly catalogue: Catalogue;
  readonly stats: CatalogueStats;
  readonly corpus: KeywordCorpus;
}

// ---------------------------------------------------------------- 0. cold index

export interface ColdRun {
  wallMs: number;
  /** CPU of the whole process, worker threads included. */
  cpuMs: number;
  keywordsMs: number;
  productsMs: number;
  persistMs: number;
  embedded: number;
  loadBefore: number;
}

export interface ColdResult {
  reps: number;
  runs: ColdRun[];
  median: Omit<ColdRun, 'embedded' | 'loadBefore'>;
  embedded: number;
}

/**
 * What a fresh clone's first start does before its first page: embed both collections with an
 * empty embedding cache (the cache's own writes included) and persist the store. Everything under
 * a scratch dir; 2 workers, the runtime's defaults.
 */
export async function coldIndex({ catalogue, stats, corpus }: Data, reps: number, logger: Logger, log: (m: string) => void): Promise<ColdResult | undefined> {
  if (reps < 1) return undefined;
  const runs: ColdRun[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const dir = mkdtempSync(join(os.tmpdir(), 'hubgen-bench-cold-'));
    const loadBefore = os.loadavg()[0];
    try {
      const t0 = performance.now();
      const c0 = cpuMs();
      const embedder = cachedEmbedder(useEmbedder({ workers: 2 }), { dir: join(dir, 'embeddings'), logger });
      const store = openEmbeddedStore({ dir: join(dir, 'vectors'), logger });
      await indexCollections([keywordsJob(corpus)], embedder, store);
      const keywordsMs = performance.now() - t0;
      await indexCollections([productsJob(catalogue, stats)], embedder, store);
      const productsMs = performance.now() - t0 - keywordsMs;
      const p0 = performance.now();
      await store.close();
      await embedder.flush();
      const persistMs = performance.now() - p0;
      const embedded = embedder.stats().misses;
      await embedder.close();
      const run = { wallMs: performance.now() - t0, cpuMs: cpuMs() - c0, keywordsMs, productsMs, persistMs, embedded, loadBefore: round(loadBefore) };
      runs.push(run);
      log(`cold index ${rep + 1}/${reps}: ${(run.wallMs / 1000).toFixed(1)} s wall, ${(run.cpuMs / 1000).toFixed(1)} CPU-s (load before ${loadBefore.toFixed(2)})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const m = (f: (r: ColdRun) => number) => Math.round(median(runs.map(f)));
  return {
    reps,
    runs: runs.map((r) => ({ ...r, wallMs: Math.round(r.wallMs), cpuMs: Math.round(r.cpuMs), keywordsMs: Math.round(r.keywordsMs), productsMs: Math.round(r.productsMs), persistMs: Math.round(r.persistMs) })),
    median: { wallMs: m((r) => r.wallMs), cpuMs: m((r) => r.cpuMs), keywordsMs: m((r) => r.keywordsMs), productsMs: m((r) => r.productsMs), persistMs: m((r) => r.persistMs) },
    embedded: runs[0].embedded,
  };
}

// ---------------------------------------------------------------- texts and tokens per recipe

export interface RecipeWork {
  recipe: string;
  texts: number;
  /** Distinct over both collections: what the embedding cache actually embeds. */
  distinctTexts: number;
  keywordTokens: number;
  productTokens: number;
  /** USE-lite tokens of the distinct texts. */
  distinctTokens: number;
}

/** How much a cold index has to embed under each product text recipe. */
export async function recipeWork({ catalogue, corpus }: Data): Promise<RecipeWork[]> {
  const counter = useEmbedder({ workers: 2 });
  try {
    const keywords = corpus.terms.map((t) => t.text);
    const products = [...catalogue.products.values()];
    const out: RecipeWork[] = [];
    const categories = [...catalogue.categories.values()].map((c) => categoryText(c.name));
    for (const [recipe, text, extra] of [
      ['product-name@1 (name, category, department)', (p: Product) => previousProductText(p, catalogue), []],
      [`${PRODUCT_TEXT_RECIPE} (current: names, plus the categories)`, (p: Product) => productText(p), categories],
    ] as const) {
      const texts = products.map(text);
      const distinct = [...new Set([...keywords, ...texts, ...extra])];
      const tokens = await counter.costs!(distinct);
      const tokenOf = new Map(distinct.map((t, i) => [t, tokens[i]]));
      const sum = (xs: string[]) => xs.reduce((s, t) => s + tokenOf.get(t)!, 0);
      out.push({ recipe, texts: keywords.length + texts.length, distinctTexts: distinct.length, keywordTokens: sum(keywords), productTokens: sum(texts), distinctTokens: sum(distinct) });
    }
    return out;
  } finally {
    await counter.close();
  }
}

// ---------------------------------------------------------------- 1. throughput

export interface ThroughputConfig {
  name: string;
  workers: number;
  modelBatch: number;
  /** In the index's order (by token count) or as sampled. */
  ordered: boolean;
}

export interface ThroughputResult {
  texts: number;
  tokens: number;
  reps: number;
  rows: { config: ThroughputConfig; textsPerSecond: number; tokensPerSecond: number; runs: number[]; coresUsed: number; modelLoadMs: number }[];
}

export const THROUGHPUT_CONFIGS: ThroughputConfig[] = [
  { name: '1 worker, 32 per call', workers: 1, modelBatch: 32, ordered: true },
  { name: '1 worker, 64 per call', workers: 1, modelBatch: 64, ordered: true },
  { name: '1 worker, 128 per call', workers: 1, modelBatch: 128, ordered: true },
  { name: '2 workers, 32 per call', workers: 2, modelBatch: 32, ordered: true },
  { name: '2 workers, 64 per call', workers: 2, modelBatch: 64, ordered: true },
  { name: '2 workers, 128 per call', workers: 2, modelBatch: 128, ordered: true },
  { name: '2 workers, 64 per call, unordered', workers: 2, modelBatch: 64, ordered: false },
];

/**
 * texts/s by workers and texts per model call, uncached, on a seeded sample of the index's texts
 * (keywords and product names in their proportions). Configurations alternate rep by rep so load
 * from other processes hits them alike; one pool at a time.
 */
export async function throughput({ catalogue, corpus }: Data, n: number, reps: number, log: (m: string) => void): Promise<ThroughputResult> {
  const all = [...new Set([...corpus.terms.map((t) => t.text), ...[...catalogue.products.values()].map((p) => productText(p))])];
  const sample = shuffled(all, seededRandom(42)).slice(0, n);
  const counter = useEmbedder({ workers: 1 });
  const tokens = await counter.costs!(sample);
  await counter.close();
  const ordered = sample.map((_, i) => i).sort((a, b) => tokens[b] - tokens[a] || a - b).map((i) => sample[i]);
  const totalTokens = tokens.reduce((a, b) => a + b, 0);
  const pools = THROUGHPUT_CONFIGS.map((config) => ({ config, embedder: useEmbedder({ workers: config.workers, modelBatch: config.modelBatch }) }));
  const runs = pools.map(() => [] as number[]);
  const cores = pools.map(() => [] as number[]);
  const loadMs: number[] = [];
  try {
    for (const { config, embedder } of pools) {
      const t = performance.now();
      // One task per worker first, so every thread has loaded the model before timing starts.
      await embedder.embed(ordered.slice(0, 128 * config.workers));
      loadMs.push(Math.round(performance.now() - t));
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, { config, embedder }] of pools.entries()) {
        const texts = config.ordered ? ordered : sample;
        const t = performance.now();
        const c0 = cpuMs();
        await embedder.embed(texts);
        const wall = performance.now() - t;
        runs[i].push(round(texts.length / (wall / 1000), 1));
        cores[i].push(round((cpuMs() - c0) / wall));
        log(`throughput rep ${rep + 1}: ${config.name}: ${runs[i].at(-1)} texts/s on ${cores[i].at(-1)} cores`);
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.embedder.close()));
  }
  return {
    texts: sample.length,
    tokens: totalTokens,
    reps,
    rows: pools.map(({ config }, i) => {
      const textsPerSecond = median(runs[i]);
      return { config, textsPerSecond, tokensPerSecond: Math.round((textsPerSecond * totalTokens) / sample.length), runs: runs[i], coresUsed: median(cores[i]), modelLoadMs: loadMs[i] };
    }),
  };
}

// ---------------------------------------------------------------- 1b. product retrieval quality

export interface QualityRow {
  recipe: string;
  /** recall@20 of corpus phrases' known matches, per filter. */
  phrases: Record<QueryFilter, number>;
  /** The test's fixed small set (4 categories, 40 phrases), recall@20. */
  smallSet: number;
  /** Share of each user's next-order products among what their page's keywords retrieve (top 20 each), mean over users. */
  targetRecall: number;
  /** Share of retrieved products whose name holds every word of the keyword. */
  lexicalPrecision: number;
  /** Mean share of the previous recipe's top 20 also in this recipe's, per keyword. */
  overlapWithPrevious: number;
}

export interface QualityResult {
  k: number;
  phraseQueries: number;
  users: number;
  keywordQueries: number;
  rows: QualityRow[];
}

const K = 20;
/** The test's categories (retrieval/product-text.test.ts): Instacart aisles milk, tortillas flat bread, dish detergents, cocoa drink mixes. */
const SMALL_SET_CATEGORIES = ['a84', 'a128', 'a74', 'a90'];

async function productStore(products: readonly Product[], vectors: readonly Float32Array[], stats: CatalogueStats, dir: string, logger: Logger): Promise<VectorStore> {
  const store = openEmbeddedStore({ dir, logger });
  await store.ensureCollection(COLLECTIONS.products, vectors[0].length);
  for (let i = 0; i < products.length; i += 4096) {
    await store.upsert(
      COLLECTIONS.products,
      products.slice(i, i + 4096).map((p, j) => ({
        id: `p:${p.id}`,
        vector: vectors[i + j],
        payload: { productId: p.id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, popularity: stats.popularity(p.id) },
      })),
    );
  }
  return store;
}

/**
 * The product-retrieval step under the previous and the current product text recipe, on the
 * whole catalogue. Phase 4's queries come from the current pipeline's pages for seeded train
 * users (`ctx` must have the current index); the product collections are built here from
 * `ctx.embedder` (cached: only the first run pays for embedding the previous recipe's texts).
 */
export async function productRetrievalQuality(ctx: Ctx, data: Data, users: number, logger: Logger, log: (m: string) => void): Promise<QualityResult> {
  const { catalogue, stats, corpus, dataset } = data;
  const products = [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id));
  const phraseSets = Object.fromEntries((['category', 'department', 'none'] as const).map((f) => [f, phraseQueries(catalogue, corpus, { count: 300, seed: 2017, filter: f })])) as Record<
    QueryFilter,
    ReturnType<typeof phraseQueries>
  >;
  const small = phraseQueries(catalogue, corpus, { count: 40, seed: 10, filter: 'category', inCategories: SMALL_SET_CATEGORIES });

  // Phase 4's queries: the current pipeline's pages, artefacts in a scratch store.
  const scratch = mkdtempSync(join(os.tmpdir(), 'hubgen-bench-quality-'));
  const pageCtx: Ctx = { ...ctx, artefacts: new FsArtefactStore(join(scratch, 'artefacts')) };
  const pages: { keywords: { text: string; categoryIds: string[]; departmentIds: string[] }[]; target: Set<string> }[] = [];
  for (const userId of sampleUsers(dataset, users, { segments: ['train'] })) {
    const { phases } = await runCascadedPage({ user: userContextFor(dataset, userId) }, pageCtx);
    const keywords = phases.filter.artefact.data.themes.flatMap((t) => t.keywords.map((k) => ({ text: k.text, categoryIds: [...k.categoryIds], departmentIds: [...k.departmentIds] })));
    pages.push({ keywords, target: new Set(userHistory(dataset, userId).target!.lines.map((l) => l.productId)) });
  }
  log(`quality: ${pages.length} users' pages, ${pages.reduce((s, p) => s + p.keywords.length, 0)} keyword queries`);
  const keywordVectors = new Map<string, Float32Array>();
  const keywordTexts = [...new Set(pages.flatMap((p) => p.keywords.map((k) => k.text)))];
  (await ctx.embedder.embed(keywordTexts)).forEach((v, i) => keywordVectors.set(keywordTexts[i], v));

  const recipes: [string, () => Promise<Float32Array[]>][] = [
    ['product-name@1 (previous)', () => ctx.embedder.embed(products.map((p) => previousProductText(p, catalogue)))],
    [`${PRODUCT_TEXT_RECIPE} (current)`, () => productVectors(ctx.embedder, products, catalogue)],
  ];
  const rows: QualityRow[] = [];
  let previousTop: Map<string, string[]> | undefined;
  try {
    for (const [recipe, vectorsOf] of recipes) {
      const t = performance.now();
      const vectors = await vectorsOf();
      log(`quality: ${recipe}: ${products.length} product vectors in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const store = await productStore(products, vectors, stats, join(scratch, recipe.replace(/\W+/g, '-')), logger);
      const phrases = {} as Record<QueryFilter, number>;
      for (const [f, qs] of Object.entries(phraseSets)) phrases[f as QueryFilter] = round(await productRecallAtK(qs, ctx.embedder, store, K), 4);

      const smallStore = memoryVectorStore();
      await smallStore.ensureCollection(COLLECTIONS.products, vectors[0].length);
      await smallStore.upsert(
        COLLECTIONS.products,
        products.flatMap((p, i) => (SMALL_SET_CATEGORIES.includes(p.categoryId) ? [{ id: `p:${p.id}`, vector: vectors[i], payload: { productId: p.id, categoryId: p.categoryId, departmentId: p.departmentId } }] : [])),
      );
      const smallSet = round(await productRecallAtK(small, ctx.embedder, smallStore, K), 4);

      const top = new Map<string, string[]>();
      let recall = 0;
      let lexical = 0;
      let retrieved = 0;
      for (const page of pages) {
        const found = new Set<string>();
        for (const kw of page.keywords) {
          const key = `${kw.text}|${kw.categoryIds}|${kw.departmentIds}`;
          let ids = top.get(key);
          if (!ids) {
            ids = (await retrieveForKeyword(store, keywordVectors.get(kw.text)!, kw, K)).hits.map((h) => h.productId);
            top.set(key, ids);
          }
          ids.forEach((id) => found.add(id));
          const words = normaliseText(kw.text).split(' ').filter((w) => w.length > 1);
          for (const id of ids) {
            retrieved++;
            const name = ` ${normaliseText(catalogue.products.get(id)!.name)} `;
            if (words.every((w) => name.includes(` ${w} `))) lexical++;
          }
        }
        recall += [...page.target].filter((id) => found.has(id)).length / page.target.size;
      }
      let overlap = 1;
      if (previousTop) {
        let s = 0;
        let n = 0;
        for (const [key, before] of previousTop) {
          if (!before.length) continue;
          s += top.get(key)!.filter((id) => before.includes(id)).length / before.length;
          n++;
        }
        overlap = s / n;
      }
      previousTop ??= top;
      rows.push({ recipe, phrases, smallSet, targetRecall: round(recall / pages.length, 4), lexicalPrecision: round(lexical / retrieved, 4), overlapWithPrevious: round(overlap, 4) });
      log(`quality: ${recipe}: ${JSON.stringify(rows.at(-1))}`);
      await store.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { k: K, phraseQueries: 300, users: pages.length, keywordQueries: pages.reduce((s, p) => s + p.keywords.length, 0), rows };
}
