import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Embedder } from './embeddings/embedder.js';
import type { Filter, VectorStore, VectorPoint } from './vectors/store.js';
import type { KeywordCorpus } from './corpus-types.js';
import { compareIds, type Catalogue, type Product } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import { sha256 } from '../base/hash.js';
import { COLLECTIONS } from './collections.js';
import { categoryText, composeProductVector, PRODUCT_TEXT_RECIPE, productText } from './product-text.js';

export { PRODUCT_TEXT_RECIPE, productText, productVectors } from './product-text.js';

export interface IndexProgress {
  /** The collection being embedded now. */
  readonly collection: string;
  /** Texts embedded so far in this build, over every collection it writes. */
  readonly done: number;
  readonly total: number;
  /**
   * Embedding work done and to do, from the embedder's costs (USE: tokens): a keyword costs a
   * fraction of a product name and a cached text almost nothing, so an ETA from texts would be wrong.
   */
  readonly workDone: number;
  readonly workTotal: number;
}

export interface IndexOptions {
  /** Texts per embed call; several calls are in flight so the embedder's workers never wait. */
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

/**
 * How each collection's points become vectors (which text is embedded, and for products what is
 * added to it). The version is part of the index digest, so changing a recipe rebuilds that
 * collection (and phase artefacts that read product vectors key on it too).
 */
export const TEXT_RECIPES = {
  keywords: 'keyword-term@1',
  products: PRODUCT_TEXT_RECIPE,
} as const;

/** One collection to build: its points, how each becomes text and a point, and what it is built from. */
export interface IndexJob<T> {
  readonly collection: string;
  readonly items: readonly T[];
  readonly toText: (item: T) => string;
  /** The point for an item and its text's vector; called only after `prepare`. */
  readonly toPoint: (item: T, vector: Float32Array) => VectorPoint;
  /** Runs before a (re)build only, so a current collection costs nothing: e.g. embeds what toPoint adds. */
  readonly prepare?: (embedder: Embedder) => Promise<void>;
  /** Digest of the items' ids, texts and payloads. */
  readonly contentDigest: string;
  readonly recipe: string;
  /** How the collection can be built part by part while it is searched (startIndexing's `progressive`). */
  readonly partitions?: Partitions<T>;
}

/** A collection's parts: which part an item is in, and which parts a search's filter can reach. */
export interface Partitions<T> {
  readonly of: (item: T) => string;
  /** The parts a search with this filter can return points from; undefined when it can reach any. */
  readonly reachedBy: (filter: Filter | undefined) => readonly string[] | undefined;
  /** Parts in the order to build them while no search waits (the likeliest to be asked first). */
  readonly order?: readonly string[];
}

/** Texts per embed call, and how many calls may be in flight at once. */
const CHUNK = 1024;
const CHUNKS_AHEAD = 4;
/** Points per upsert call. */
const UPSERT_BATCH = 4096;

function jobDigest(job: IndexJob<unknown>, embedder: Embedder, vectors: VectorStore): string {
  return sha256(`${vectors.kind}:${embedder.id}:${job.recipe}:${job.contentDigest}`);
}

/** True when the store already holds this job's collection, built from the same digest, with every point. */
async function isCurrent(job: IndexJob<unknown>, embedder: Embedder, vectors: VectorStore, state: IndexStateFile | undefined): Promise<boolean> {
  const upToDate = state ? (await state.read(job.collection)) === jobDigest(job, embedder, vectors) : true;
  return upToDate && (await vectors.count(job.collection)) === job.items.length;
}

/** A job's texts in the order to embed them, and the work each is (its cost, plus 1 for the bookkeeping). */
interface Plan {
  readonly texts: readonly string[];
  /** Item indices, most expensive first. */
  readonly order: readonly number[];
  readonly work: readonly number[];
}

/**
 * Most expensive texts first, by the embedder's own costs (USE: token counts; cached texts: 0):
 * consecutive texts then have the same token count, so the embedder's batches pad nothing (on
 * product names 1.6× the real tokens when grouped by characters, 1.06× by tokens), and the last
 * chunks are quick, so the workers finish together. Without costs, characters stand in for them.
 */
async function plan<T>(job: IndexJob<T>, embedder: Embedder): Promise<Plan> {
  const texts = job.items.map(job.toText);
  const costs = (await embedder.costs?.(texts)) ?? texts.map((t) => t.length);
  const order = texts.map((_, i) => i).sort((a, b) => costs[b] - costs[a] || a - b);
  return { texts, order, work: costs.map((c) => c + 1) };
}

/**
 * Embeds a planned collection, up to CHUNKS_AHEAD embed calls at once (the embedder's pool queues
 * their batches), then upserts in item order: rows, and with them the tie-break between equal
 * scores, must not depend on what the embedding cache already held.
 */
async function build<T>(job: IndexJob<T>, { texts, order }: Plan, embedder: Embedder, vectors: VectorStore, chunkSize: number, onChunk: (items: readonly number[]) => void): Promise<void> {
  const chunks: number[][] = [];
  for (let i = 0; i < order.length; i += chunkSize) chunks.push(order.slice(i, i + chunkSize));
  const vectorOf = new Array<Float32Array>(job.items.length);
  const pending: Promise<Float32Array[]>[] = [];
  const start = (c: number) => {
    if (c >= chunks.length) return;
    const p = embedder.embed(chunks[c].map((i) => texts[i]));
    p.catch(() => {}); // awaited below in order; don't report a later chunk's failure as unhandled meanwhile
    pending[c] = p;
  };
  for (let c = 0; c < CHUNKS_AHEAD; c++) start(c);
  for (let c = 0; c < chunks.length; c++) {
    const embedded = await pending[c];
    delete pending[c];
    start(c + CHUNKS_AHEAD);
    chunks[c].forEach((i, j) => (vectorOf[i] = embedded[j]));
    onChunk(chunks[c]);
  }
  for (let i = 0; i < job.items.length; i += UPSERT_BATCH) {
    await vectors.upsert(job.collection, job.items.slice(i, i + UPSERT_BATCH).map((item, j) => job.toPoint(item, vectorOf[i + j])));
  }
}

export interface StartIndexOptions extends IndexOptions {
  /**
   * Return once the collections that cannot be built in parts are built, and build the rest (a
   * job with `partitions`, in a store that searches it exactly) in the background: the returned
   * store's searches then wait only for the parts they can reach, most recently asked first.
   */
  readonly progressive?: boolean;
  /** Stops a background build after the parts in flight; `done` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface StartedIndex {
  /**
   * The store to search: `vectors` itself once every collection is built; while one is built in
   * the background, a view whose searches of it wait for what they can reach (and whose writes,
   * drops and counts of it wait for the whole build).
   */
  readonly vectors: VectorStore;
  /** Collections still being built in the background (empty when nothing is). */
  readonly building: readonly string[];
  /** Every collection built (state written) and what each was; rejects if a build failed or was stopped. */
  readonly done: Promise<IndexSummary[]>;
}

/** Whichever of `jobs` are not current, built one after another (see startIndexing). */
export async function indexCollections(
  // Each job has its own item type; a job only ever sees its own items.
  jobs: readonly IndexJob<any>[],
  embedder: Embedder,
  vectors: VectorStore,
  options: IndexOptions = {},
): Promise<IndexSummary[]> {
  return (await startIndexing(jobs, embedder, vectors, options)).done;
}

/**
 * Builds whichever of `jobs` are not current, reporting progress over all the embedding this call
 * will do, so one bar and one ETA cover the whole index. With `progressive`, a partitioned job the
 * store searches exactly is left building in the background (see StartIndexOptions).
 */
export async function startIndexing(
  jobs: readonly IndexJob<any>[],
  embedder: Embedder,
  vectors: VectorStore,
  { batchSize = CHUNK, onProgress, force = false, state, progressive = false, signal }: StartIndexOptions = {},
): Promise<StartedIndex> {
  const stale: (typeof jobs)[number][] = [];
  for (const job of jobs) {
    await vectors.ensureCollection(job.collection, embedder.dimensions);
    if (force || !(await isCurrent(job, embedder, vectors, state))) stale.push(job);
  }
  // Planned up front (a token count is ~1% of embedding it), so the total is known before the first chunk.
  const plans = await Promise.all(stale.map((job) => plan(job, embedder)));
  const total = stale.reduce((s, j) => s + j.items.length, 0);
  const workTotal = plans.reduce((s, p) => s + p.work.reduce((a, b) => a + b, 0), 0);
  let done = 0;
  let workDone = 0;
  const progressOf = (k: number) => (items: readonly number[]) => {
    done += items.length;
    for (const i of items) workDone += plans[k].work[i];
    onProgress?.({ collection: stale[k].collection, done, total, workDone, workTotal });
  };
  const inParts = (job: IndexJob<unknown>) => progressive && job.partitions !== undefined && job.items.length <= (vectors.exactSearchUpTo ?? 0);
  // A stale collection is rebuilt from empty: no points of items that are gone, and no graph from
  // an older store version to keep updating point by point. Its state is cleared first, so a build
  // stopped half-way is never taken for a current one.
  const reset = async (job: IndexJob<unknown>) => {
    await state?.write(job.collection, '');
    await vectors.dropCollection(job.collection);
    await vectors.ensureCollection(job.collection, embedder.dimensions);
    await job.prepare?.(embedder);
  };
  const whole = stale.map((job, k) => [job, k] as const).filter(([job]) => !inParts(job));
  const parted = stale.map((job, k) => [job, k] as const).filter(([job]) => inParts(job));
  for (const [job, k] of whole) {
    await reset(job);
    await build(job, plans[k], embedder, vectors, batchSize, progressOf(k));
    await state?.write(job.collection, jobDigest(job, embedder, vectors));
  }
  const summaries = () => jobs.map((j) => ({ collection: j.collection, points: j.items.length, reused: !stale.includes(j) }));
  if (parted.length === 0) return { vectors, building: [], done: Promise.resolve(summaries()) };

  // Reset here, not in the background: the collection must never be missing while pages search it.
  const builders = new Map<string, PartitionedBuild>();
  for (const [job, k] of parted) {
    await reset(job);
    builders.set(job.collection, buildInParts(job, plans[k], embedder, vectors, progressOf(k), signal));
  }
  const background = (async () => {
    for (const [job] of parted) {
      await builders.get(job.collection)!.all;
      await state?.write(job.collection, jobDigest(job, embedder, vectors));
    }
    return summaries();
  })();
  background.catch(() => {}); // the caller awaits done; searches report the failure meanwhile
  return { vectors: partialView(vectors, builders, background), building: [...builders.keys()], done: background };
}

/** Texts per embed call of a background build: small, so a page's own embeddings wait behind little. */
const PART_CHUNK = 256;
/** Parts embedded at once in a background build: one per USE worker keeps both cores busy. */
const PART_LANES = 2;

interface PartitionedBuild {
  /** Resolves when every part these keys name (every part, for undefined) is searchable. */
  ready(keys: readonly string[] | undefined): Promise<void>;
  readonly all: Promise<void>;
  /** The job's partitions.reachedBy. */
  readonly reachedBy: Partitions<unknown>['reachedBy'];
}

/**
 * Builds a collection part by part, in `partitions.order` unless a search is waiting for a part
 * (those go first, in the order asked). Each part's points are upserted together in item order, so
 * within a part rows are in the same order as in a whole build; with an exact search, only equal
 * vectors tie, and equal vectors share a part.
 */
function buildInParts<T>(
  job: IndexJob<T>,
  { texts, order }: Plan,
  embedder: Embedder,
  vectors: VectorStore,
  onChunk: (items: readonly number[]) => void,
  signal: AbortSignal | undefined,
): PartitionedBuild {
  const parts = job.partitions!;
  const itemsOf = new Map<string, number[]>();
  // Most expensive first within a part, as a whole build orders them (equal token counts per batch).
  for (const i of order) {
    const key = parts.of(job.items[i]);
    let list = itemsOf.get(key);
    if (!list) itemsOf.set(key, (list = []));
    list.push(i);
  }
  const queue = [...new Set([...(parts.order ?? []).filter((k) => itemsOf.has(k)), ...itemsOf.keys()])];
  const asked: string[] = [];
  const built = new Map<string, { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }>();
  for (const key of queue) {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => {}); // surfaced through ready() and all
    built.set(key, { promise, resolve, reject });
  }
  const taken = new Set<string>();
  const next = (): string | undefined => {
    for (const list of [asked, queue]) {
      while (list.length) {
        const key = list.shift()!;
        if (!taken.has(key)) return key;
      }
    }
    return undefined;
  };
  const lane = async () => {
    for (let key = next(); key !== undefined; key = next()) {
      signal?.throwIfAborted();
      taken.add(key);
      const items = itemsOf.get(key)!;
      const vectorOf = new Map<number, Float32Array>();
      for (let s = 0; s < items.length; s += PART_CHUNK) {
        const chunk = items.slice(s, s + PART_CHUNK);
        const embedded = await embedder.embed(chunk.map((i) => texts[i]));
        chunk.forEach((i, j) => vectorOf.set(i, embedded[j]));
        onChunk(chunk);
      }
      const inItemOrder = [...items].sort((a, b) => a - b);
      await vectors.upsert(job.collection, inItemOrder.map((i) => job.toPoint(job.items[i], vectorOf.get(i)!)));
      built.get(key)!.resolve();
    }
  };
  const all = Promise.all(Array.from({ length: PART_LANES }, lane)).then(
    () => undefined,
    (e) => {
      for (const b of built.values()) b.reject(e);
      throw e;
    },
  );
  all.catch(() => {}); // awaited by the caller
  return {
    all,
    reachedBy: parts.reachedBy,
    ready(keys) {
      if (keys === undefined) return all;
      const waiting = keys.filter((k) => built.has(k));
      for (const k of waiting) if (!taken.has(k)) asked.push(k);
      return Promise.all(waiting.map((k) => built.get(k)!.promise)).then(() => undefined);
    },
  };
}

/** `vectors`, with searches of the collections still building waiting for what they can reach. */
function partialView(vectors: VectorStore, builders: ReadonlyMap<string, PartitionedBuild>, done: Promise<unknown>): VectorStore {
  const whole = async (name: string) => {
    if (builders.has(name)) await done;
  };
  const view: VectorStore & { flush?: () => Promise<void> } = {
    kind: vectors.kind,
    exactSearchUpTo: vectors.exactSearchUpTo,
    ensureCollection: (name, dimensions) => vectors.ensureCollection(name, dimensions),
    hasCollection: (name) => vectors.hasCollection(name),
    dropCollection: async (name) => (await whole(name), vectors.dropCollection(name)),
    upsert: async (name, points) => (await whole(name), vectors.upsert(name, points)),
    delete: async (name, ids) => (await whole(name), vectors.delete(name, ids)),
    count: async (name) => (await whole(name), vectors.count(name)),
    async search(name, vector, options) {
      const b = builders.get(name);
      if (b) await b.ready(b.reachedBy(options.filter));
      return vectors.search(name, vector, options);
    },
    close: () => vectors.close(),
  };
  const flush = (vectors as { flush?: () => Promise<void> }).flush;
  if (flush) view.flush = () => flush.call(vectors);
  return view;
}

/** Keyword corpus → the keywords collection Phase 2 prunes with (payload: text, kind, df, categories, departments). */
export function keywordsJob(corpus: KeywordCorpus): IndexJob<KeywordCorpus['terms'][number]> {
  return {
    collection: COLLECTIONS.keywords,
    items: corpus.terms,
    toText: (t) => t.text,
    toPoint: (t, vector) => ({ id: t.id, vector, payload: { text: t.text, kind: t.kind, df: t.df, categories: [...t.categories], departments: [...t.departments] } }),
    contentDigest: corpus.digest,
    recipe: TEXT_RECIPES.keywords,
  };
}

/**
 * Catalogue → the products collection Phase 4 retrieves from (payload: productId, name, categoryId,
 * departmentId, popularity). The names are embedded; each point's vector adds its category's, as
 * productVectors does for the phases.
 */
export function productsJob(catalogue: Catalogue, stats: CatalogueStats): IndexJob<Product> {
  let categoryVector: Map<string, Float32Array> | undefined;
  const items = [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id));
  return {
    collection: COLLECTIONS.products,
    items,
    partitions: categoryPartitions(items, stats),
    toText: (p) => productText(p),
    async prepare(embedder) {
      const ids = [...catalogue.categories.keys()];
      const vectors = await embedder.embed(ids.map((id) => categoryText(catalogue.categories.get(id)!.name)));
      categoryVector = new Map(ids.map((id, i) => [id, vectors[i]]));
    },
    toPoint: (p, vector) => {
      const category = categoryVector?.get(p.categoryId);
      if (!category) throw new Error(`products index: no vector for category ${p.categoryId} of product ${p.id} (prepare() not run?)`);
      return {
        id: `p:${p.id}`,
        vector: composeProductVector(vector, category),
        payload: { productId: p.id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, popularity: stats.popularity(p.id) },
      };
    },
    contentDigest: catalogueDigest(catalogue, stats),
    recipe: TEXT_RECIPES.products,
  };
}

/**
 * Products in parts by category: Phases 2 and 4 search with category filters (or department ones,
 * which reach that department's categories), so a page waits only for its own categories. The
 * categories most bought from are built first.
 */
export function categoryPartitions(products: readonly Product[], stats: CatalogueStats): Partitions<Product> {
  const categoriesOf = new Map<string, Set<string>>();
  const demand = new Map<string, number>();
  for (const p of products) {
    let set = categoriesOf.get(p.departmentId);
    if (!set) categoriesOf.set(p.departmentId, (set = new Set()));
    set.add(p.categoryId);
    demand.set(p.categoryId, (demand.get(p.categoryId) ?? 0) + stats.popularity(p.id));
  }
  return {
    of: (p) => p.categoryId,
    order: [...demand.keys()].sort((a, b) => demand.get(b)! - demand.get(a)! || compareIds(a, b)),
    reachedBy(filter) {
      // Every `must` narrows; `mustNot` and conditions on other fields only remove points within parts.
      let reached: Set<string> | undefined;
      for (const c of filter?.must ?? []) {
        if (c.key !== 'categoryId' && c.key !== 'departmentId') continue;
        const values = ('any' in c.match ? c.match.any : [c.match.value]).map(String);
        const parts = c.key === 'categoryId' ? values : values.flatMap((d) => [...(categoriesOf.get(d) ?? [])]);
        reached = reached ? new Set(parts.filter((x) => reached!.has(x))) : new Set(parts);
      }
      return reached && [...reached];
    },
  };
}

export async function indexKeywords(corpus: KeywordCorpus, embedder: Embedder, vectors: VectorStore, options: IndexOptions = {}): Promise<IndexSummary> {
  return (await indexCollections([keywordsJob(corpus)], embedder, vectors, options))[0];
}

export async function indexProducts(catalogue: Catalogue, stats: CatalogueStats, embedder: Embedder, vectors: VectorStore, options: IndexOptions = {}): Promise<IndexSummary> {
  return (await indexCollections([productsJob(catalogue, stats)], embedder, vectors, options))[0];
}

/** Digest of what the products collection holds: ids, texts (name and category) and popularity. */
export function catalogueDigest(catalogue: Catalogue, stats: CatalogueStats): string {
  const products = [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id));
  return sha256(
    products.map((p) => `${p.id}\t${productText(p)}\t${categoryText(catalogue.categories.get(p.categoryId)?.name ?? '')}\t${stats.popularity(p.id).toFixed(4)}`).join('\n'),
  );
}

/** What indexing both shared collections reads. */
export interface IndexContext {
  readonly corpus: KeywordCorpus;
  readonly catalogue: Catalogue;
  readonly stats: CatalogueStats;
  readonly embedder: Embedder;
  readonly vectors: VectorStore;
}

/** Both shared collections, keywords first, reusing whatever is already up to date. */
export async function indexAll(ctx: IndexContext, options: IndexOptions = {}): Promise<IndexSummary[]> {
  return (await startIndexAll(ctx, options)).done;
}

/** indexAll, returning as startIndexing does (with `progressive`, once pages can search). */
export function startIndexAll(ctx: IndexContext, options: StartIndexOptions = {}): Promise<StartedIndex> {
  return startIndexing([keywordsJob(ctx.corpus), productsJob(ctx.catalogue, ctx.stats)], ctx.embedder, ctx.vectors, options);
}
