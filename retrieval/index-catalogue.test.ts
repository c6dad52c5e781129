import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../testing/hashing-embedder.js';
import { memoryVectorStore } from '../testing/memory-vector-store.js';
import type { Embedder } from './embeddings/embedder.js';
import { indexCollections, jsonIndexState, TEXT_RECIPES, type IndexJob, type IndexProgress } from './index-catalogue.js';
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
