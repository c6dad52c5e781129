import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../testing/hashing-embedder.js';
import { memoryVectorStore } from '../testing/memory-vector-store.js';
import type { Embedder } from './embeddings/embedder.js';
import { categoryPartitions, indexCollections, jsonIndexState, startIndexing, TEXT_RECIPES, type IndexJob, type IndexProgress } from './index-catalogue.js';
import type { Product } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import { cachedEmbedder } from './embeddings/cached-embedder.js';
import { PRODUCT_TEXT_RECIPE } from './product-text.js';
import type { VectorPoint, VectorStore } from './vectors/store.js';

/** A hashing embedder that records its calls and can make chosen calls slow or fail. */
function recordingEmbedder({ delayFor = () => 0, failOn }: { delayFor?: (call: number) => number; failOn?: string } = {}): Embedder & { calls: string[][] } {
  const base = hashingEmbedder(8);
  const calls: string[][] = [];
  return {
    id: 'test-recording-8',
    dimensions: 8,
    calls,
    async embed(texts) {
      const call = calls.push([...texts]) - 1;
      await new Promise((r) => setTimeout(r, delayFor(call)));
      if (failOn && texts.includes(failOn)) throw new Error(`cannot embed ${failOn}`);
      return base.embed(texts);
    },
    close: async () => {},
  };
}

/** A store that remembers the order points were upserted in. */
function orderedStore(): VectorStore & { upserted: string[] } {
  const inner = memoryVectorStore();
  const upserted: string[] = [];
  return {
    ...inner,
    upserted,
    async upsert(name: string, points: readonly VectorPoint[]) {
      upserted.push(...points.map((p) => p.id));
      return inner.upsert(name, points);
    },
  };
}

const job = (n: number, recipe = 'test@1', collection = 'things'): IndexJob<number> => ({
  collection,
  items: Array.from({ length: n }, (_, i) => i),
  toText: (i) => `thing number ${i}${'!'.repeat(i % 7)}`,
  toPoint: (i, vector) => ({ id: `t:${i}`, vector, payload: { i } }),
  contentDigest: `things:${n}`,
  recipe,
});

const dirs: string[] = [];
const stateFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'hubgen-index-state-'));
  dirs.push(d);
  return jsonIndexState(join(d, 'index-state.json'));
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('indexCollections', () => {
  it('upserts in item order even when later chunks finish first', async () => {
    // Chunk 0 is the slowest, chunk 3 the fastest: completion order is reversed.
    const embedder = recordingEmbedder({ delayFor: (call) => (4 - call) * 15 });
    const store = orderedStore();
    await indexCollections([job(40)], embedder, store, { batchSize: 10 });
    expect(embedder.calls).toHaveLength(4);
    expect(store.upserted).toEqual(Array.from({ length: 40 }, (_, i) => `t:${i}`));
    expect(await store.count('things')).toBe(40);
  });

  it('embeds the most expensive texts first by the embedder’s costs, a cached text costing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubgen-index-costs-'));
    dirs.push(dir);
    const inner = recordingEmbedder();
    // Cost: 10 + the number in the text, so the order is known; "thing number 3" is cached beforehand.
    const withCosts: Embedder = { ...inner, costs: async (texts) => texts.map((t) => 10 + Number(/\d+/.exec(t)![0])) };
    const embedder = cachedEmbedder(withCosts, { dir });
    const j: IndexJob<number> = { ...job(6), toText: (i) => `thing number ${i}` };
    await embedder.embed(['thing number 3']);
    inner.calls.length = 0;
    const seen: IndexProgress[] = [];
    await indexCollections([j], embedder, memoryVectorStore(), { batchSize: 2, onProgress: (p) => seen.push(p) });
    expect(inner.calls).toEqual([['thing number 5', 'thing number 4'], ['thing number 2', 'thing number 1'], ['thing number 0']]);
    // Work is cost + 1: 16, 15 | 13, 12 | 11, and 1 for the cached text, embedded last.
    expect(seen.map((p) => p.workDone)).toEqual([31, 56, 68]);
    expect(seen[0].workTotal).toBe(68);
    await embedder.close();
  });

  it('keeps several chunks in flight rather than waiting for each upsert', async () => {
    let inFlight = 0;
    let most = 0;
    const base = hashingEmbedder(8);
    const embedder: Embedder = {
      id: 'test-concurrency-8',
      dimensions: 8,
      async embed(texts) {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return base.embed(texts);
      },
      close: async () => {},
    };
    await indexCollections([job(100)], embedder, memoryVectorStore(), { batchSize: 10 });
    expect(most).toBeGreaterThan(1);
  });

  it('reports one progress over every collection it builds, in texts and in estimated work', async () => {
    const seen: IndexProgress[] = [];
    const a = job(25, 'a@1', 'a');
    const b = job(7, 'b@1', 'b');
    await indexCollections([a, b], recordingEmbedder(), memoryVectorStore(), { batchSize: 10, onProgress: (p) => seen.push(p) });
    // Without costs from the embedder, characters (+1 per text) stand in for them.
    const workTotal = [a, b].reduce((s, j) => s + j.items.reduce((w, i) => w + j.toText(i).length + 1, 0), 0);
    expect(seen.map((p) => [p.collection, p.done])).toEqual([
      ['a', 10],
      ['a', 20],
      ['a', 25],
      ['b', 32],
    ]);
    expect(new Set(seen.map((p) => p.total))).toEqual(new Set([32]));
    expect(new Set(seen.map((p) => p.workTotal))).toEqual(new Set([workTotal]));
    expect(seen.at(-1)!.workDone).toBe(workTotal);
    for (let i = 1; i < seen.length; i++) expect(seen[i].workDone).toBeGreaterThan(seen[i - 1].workDone);
  });

  it('reuses a current collection without embedding, and reports no progress for it', async () => {
    const state = stateFile();
    const store = memoryVectorStore();
    await indexCollections([job(12)], recordingEmbedder(), store, { state });
    const again = recordingEmbedder();
    const seen: IndexProgress[] = [];
    const [summary] = await indexCollections([job(12)], again, store, { state, onProgress: (p) => seen.push(p) });
    expect(summary).toEqual({ collection: 'things', points: 12, reused: true });
    expect(again.calls).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('rebuilds a collection when its text recipe version changes, even with the same content', async () => {
    const state = stateFile();
    const store = memoryVectorStore();
    await indexCollections([job(12, 'test@1')], recordingEmbedder(), store, { state });
    const next = recordingEmbedder();
    const [summary] = await indexCollections([job(12, 'test@2')], next, store, { state });
    expect(summary.reused).toBe(false);
    expect(next.calls.flat()).toHaveLength(12);
    // And the new version is now the current one.
    const [third] = await indexCollections([job(12, 'test@2')], recordingEmbedder(), store, { state });
    expect(third.reused).toBe(true);
  });

  it('rebuilds a stale collection from empty, dropping points of items that are gone', async () => {
    const state = stateFile();
    const store = memoryVectorStore();
    await indexCollections([job(12, 'test@1')], recordingEmbedder(), store, { state });
    await indexCollections([{ ...job(5, 'test@1'), contentDigest: 'things:fewer' }], recordingEmbedder(), store, { state });
    expect(await store.count('things')).toBe(5);
  });

  it('fails with the failing chunk’s error, with no unhandled rejection from chunks still in flight', async () => {
    const embedder = recordingEmbedder({ failOn: 'thing number 3!!!' });
    await expect(indexCollections([job(40)], embedder, memoryVectorStore(), { batchSize: 2 })).rejects.toThrow(/cannot embed thing number 3/);
  });

  it('keys the products collection on the product text recipe', () => {
    expect(TEXT_RECIPES.products).toBe(PRODUCT_TEXT_RECIPE);
    expect(TEXT_RECIPES.keywords).toMatch(/@\d+$/);
  });
});

/** 10 things per part (a: 0–9, b: 10–19, …), searchable by a `part` payload filter, built a, b, c… */
const partedJob = (recipe = 'parts@1', names = 'abc'): IndexJob<number> => ({
  ...job(10 * names.length, recipe),
  toPoint: (i, vector) => ({ id: `t:${i}`, vector, payload: { i, part: names[Math.floor(i / 10)] } }),
  partitions: {
    of: (i) => names[Math.floor(i / 10)],
    order: [...names],
    reachedBy: (filter) => {
      const c = filter?.must?.find((m) => m.key === 'part');
      return c && ('any' in c.match ? c.match.any.map(String) : [String(c.match.value)]);
    },
  },
});

/** Resolves to 'pending' when the promise has not settled within a few event-loop turns. */
const settledYet = (p: Promise<unknown>) => Promise.race([p.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 20))]);

describe('startIndexing, progressive', () => {
  const query = (text: string) => hashingEmbedder(8).embed([text]).then(([v]) => v);

  it('answers a search filtered on one part before the rest is built, with what a whole build answers', async () => {
    // Part "a" (things 0–9) cannot be embedded until released: the build cannot finish before that.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inner = recordingEmbedder();
    const embedder: Embedder = { ...inner, embed: async (texts) => (texts.some((t) => /number \d!*$/.test(t)) && (await held), inner.embed(texts)) };
    const store = memoryVectorStore();
    const started = await startIndexing([partedJob()], embedder, store, { progressive: true });
    expect(started.building).toEqual(['things']);
    const v = await query('thing number 25');
    const filter = { must: [{ key: 'part', match: { value: 'c' } }] };
    const hits = await started.vectors.search('things', v, { k: 3, filter });
    expect(await settledYet(started.done)).toBe('pending');
    release();
    await started.done;
    expect(await store.count('things')).toBe(30);

    const whole = memoryVectorStore();
    await indexCollections([partedJob()], recordingEmbedder(), whole);
    expect(hits).toEqual(await whole.search('things', v, { k: 3, filter }));
  });

  it('builds a part a search waits for before the parts no one asked for', async () => {
    const embedder = recordingEmbedder({ delayFor: () => 10 });
    const started = await startIndexing([partedJob('parts@1', 'abcdef')], embedder, memoryVectorStore(), { progressive: true });
    // The two lanes have taken "a" and "b"; "f", last in the build order, is asked for now.
    await started.vectors.search('things', await query('x'), { k: 1, filter: { must: [{ key: 'part', match: { any: ['f'] } }] } });
    await started.done;
    const partOfCall = embedder.calls.map((texts) => 'abcdef'[Math.floor(Number(/\d+/.exec(texts[0])![0]) / 10)]);
    expect(partOfCall).toEqual(['a', 'b', 'f', 'c', 'd', 'e']);
  });

  it('makes an unfiltered search, a count and a write wait for the whole collection', async () => {
    const started = await startIndexing([partedJob()], recordingEmbedder({ delayFor: () => 15 }), memoryVectorStore(), { progressive: true });
    let finished = false;
    void started.done.then(() => (finished = true));
    const hits = await started.vectors.search('things', await query('thing number 1'), { k: 30 });
    expect(finished).toBe(true);
    expect(hits).toHaveLength(30);
    expect(await started.vectors.count('things')).toBe(30);
  });

  it('builds a collection whole, before returning, in a store that may search it approximately', async () => {
    const { exactSearchUpTo: _, ...approximate } = memoryVectorStore();
    const started = await startIndexing([partedJob()], recordingEmbedder(), approximate, { progressive: true });
    expect(started.building).toEqual([]);
    expect(await approximate.count('things')).toBe(30);
  });

  it('writes the state only when every part is in, so a build stopped half-way is rebuilt next time', async () => {
    const state = stateFile();
    const store = memoryVectorStore();
    const stop = new AbortController();
    const started = await startIndexing([partedJob()], recordingEmbedder({ delayFor: () => 20 }), store, { progressive: true, state, signal: stop.signal });
    stop.abort(new Error('closed early'));
    await expect(started.done).rejects.toThrow(/closed early/);
    expect(await state.read('things')).toBe('');
    const again = recordingEmbedder();
    const [summary] = await indexCollections([partedJob()], again, store, { state });
    expect(summary.reused).toBe(false);
    expect(again.calls.flat()).toHaveLength(30);
  });

  it('fails searches waiting on a part, and the build, with the embedder’s error', async () => {
    const started = await startIndexing([partedJob()], recordingEmbedder({ failOn: 'thing number 25!!!!' }), memoryVectorStore(), { progressive: true });
    await expect(started.vectors.search('things', await query('x'), { k: 1, filter: { must: [{ key: 'part', match: { value: 'c' } }] } })).rejects.toThrow(/cannot embed thing number 25/);
    await expect(started.done).rejects.toThrow(/cannot embed thing number 25/);
  });
});

describe('categoryPartitions', () => {
  const products = [
    { id: '1', name: 'milk', categoryId: 'c-milk', departmentId: 'd-dairy' },
    { id: '2', name: 'yogurt', categoryId: 'c-yogurt', departmentId: 'd-dairy' },
    { id: '3', name: 'apple', categoryId: 'c-fruit', departmentId: 'd-produce' },
    { id: '4', name: 'pear', categoryId: 'c-fruit', departmentId: 'd-produce' },
  ] as unknown as Product[];
  const stats = { popularity: (id: string) => ({ '1': 0.9, '2': 0.1, '3': 0.5, '4': 0.6 })[id] ?? 0 } as unknown as CatalogueStats;
  const parts = categoryPartitions(products, stats);

  it('puts a product in its category and builds the categories most bought from first', () => {
    expect(products.map(parts.of)).toEqual(['c-milk', 'c-yogurt', 'c-fruit', 'c-fruit']);
    expect(parts.order).toEqual(['c-fruit', 'c-milk', 'c-yogurt']);
  });

  it('reaches the categories a filter names, a department’s categories, their overlap, or all without one', () => {
    expect(parts.reachedBy({ must: [{ key: 'categoryId', match: { any: ['c-milk', 'c-fruit'] } }] })).toEqual(['c-milk', 'c-fruit']);
    expect(parts.reachedBy({ must: [{ key: 'departmentId', match: { value: 'd-dairy' } }] })).toEqual(['c-milk', 'c-yogurt']);
    expect(
      parts.reachedBy({
        must: [
          { key: 'departmentId', match: { value: 'd-dairy' } },
          { key: 'categoryId', match: { any: ['c-yogurt', 'c-fruit'] } },
        ],
      }),
    ).toEqual(['c-yogurt']);
    expect(parts.reachedBy({ mustNot: [{ key: 'categoryId', match: { value: 'c-milk' } }] })).toBeUndefined();
    expect(parts.reachedBy(undefined)).toBeUndefined();
  });
});
