import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Filter, VectorPoint } from './store.js';
import { openEmbeddedStore } from './embedded-store.js';
import { seededRandom } from '../../base/random.js';
import { matchesFilter } from './filter.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hubgen-embedded-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Clustered unit vectors (like real embeddings) with payloads of known selectivity. */
function clustered(n: number, dims: number, seed = 3): VectorPoint[] {
  const r = seededRandom(seed);
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: dims }, () => r() * 2 - 1));
  return Array.from({ length: n }, (_, i) => {
    const c = centres[i % 20];
    const v = Float32Array.from(c, (x) => x + (r() - 0.5) * 0.8);
    const norm = Math.hypot(...v);
    return {
      id: `p${i}`,
      vector: v.map((x) => x / norm),
      payload: { dept: i % 10, rare: i % 50 === 0, tags: i % 3 === 0 ? ['a'] : ['b', 'c'] },
    };
  });
}

function exact(points: VectorPoint[], q: Float32Array, k: number, filter?: Filter): string[] {
  return points
    .filter((p) => matchesFilter(p.payload, filter))
    .map((p) => ({ id: p.id, s: p.vector.reduce((a, x, i) => a + x * q[i], 0) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((h) => h.id);
}

describe('embedded store beyond the contract', () => {
  const points = clustered(3000, 32);
  const queries = clustered(20, 32, 77).map((p) => p.vector);
  const filters: [string, Filter | undefined][] = [
    ['no filter', undefined],
    ['90% pass (mustNot)', { mustNot: [{ key: 'dept', match: { value: 0 } }] }],
    ['30% pass (must any)', { must: [{ key: 'dept', match: { any: [1, 2, 3] } }] }],
    ['33% pass (array field)', { must: [{ key: 'tags', match: { value: 'a' } }] }],
    ['2% pass (must)', { must: [{ key: 'rare', match: { value: true } }] }],
  ];

  const modes: [string, number | undefined][] = [
    ['default thresholds', undefined],
    ['graph forced for every filter', 0],
  ];
  const cases = filters.flatMap(([label, filter]) => modes.map(([mode, exactFilteredMax]) => [`${label}, ${mode}`, filter, exactFilteredMax] as const));
  it.each(cases)('HNSW-backed search stays accurate and filter-correct: %s', async (_label, filter, exactFilteredMax) => {
    // exactMax 500 puts 3000 points on the graph.
    const store = openEmbeddedStore({ dir: tempDir(), exactMax: 500, exactFilteredMax });
    await store.ensureCollection('c', 32);
    await store.upsert('c', points);
    let found = 0;
    for (const q of queries) {
      const hits = await store.search('c', q, { k: 10, filter });
      const truth = exact(points, q, 10, filter);
      expect(hits).toHaveLength(truth.length);
      for (const h of hits) expect(matchesFilter(h.payload, filter)).toBe(true);
      found += hits.filter((h) => truth.includes(h.id)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    await store.close();
  });

  it('saves the graph, reopens it (memory-mapped) with identical results, and can change it afterwards', async () => {
    const dir = tempDir();
    const s1 = openEmbeddedStore({ dir, exactMax: 500 });
    await s1.ensureCollection('c', 32);
    await s1.upsert('c', points);
    const before = await Promise.all(queries.map((q) => s1.search('c', q, { k: 10 })));
    await s1.close();
    expect(existsSync(join(dir, 'c', 'hnsw.usearch'))).toBe(true);

    const s2 = openEmbeddedStore({ dir, exactMax: 500 });
    const after = await Promise.all(queries.map((q) => s2.search('c', q, { k: 10 })));
    expect(after.map((h) => h.map((x) => x.id))).toEqual(before.map((h) => h.map((x) => x.id)));
    const moved: VectorPoint = { id: 'p1', vector: queries[0], payload: { dept: 99, rare: false, tags: [] } };
    await s2.upsert('c', [moved]);
    await s2.delete('c', ['p2']);
    expect((await s2.search('c', queries[0], { k: 1 }))[0].id).toBe('p1');
    expect(await s2.count('c')).toBe(2999);
    await s2.close();
  });

  it('flush() persists without closing', async () => {
    const dir = tempDir();
    const s1 = openEmbeddedStore({ dir });
    await s1.ensureCollection('c', 32);
    await s1.upsert('c', points.slice(0, 10));
    await s1.flush();
    const s2 = openEmbeddedStore({ dir });
    expect(await s2.count('c')).toBe(10);
    await s2.close();
    await s1.close();
  });

  it('answers ensureCollection and count of a saved collection without reading its vectors', async () => {
    const dir = tempDir();
    const s1 = openEmbeddedStore({ dir });
    await s1.ensureCollection('c', 32);
    await s1.upsert('c', points.slice(0, 10));
    await s1.delete('c', ['p3']);
    await s1.close();
    // A truncated vectors file fails any load, so these two answering proves they did not load.
    writeFileSync(join(dir, 'c', 'vectors.f32'), '');
    const s2 = openEmbeddedStore({ dir });
    await s2.ensureCollection('c', 32);
    expect(await s2.count('c')).toBe(9);
    await expect(s2.ensureCollection('c', 16)).rejects.toThrow(/has 32 dimensions, not 16/);
    await expect(s2.search('c', points[0].vector, { k: 1 })).rejects.toThrow(/vectors\.f32 has 0 bytes/);
  });

  it('recovers the previous save after a crash in the middle of replacing it', async () => {
    const dir = tempDir();
    const s1 = openEmbeddedStore({ dir });
    await s1.ensureCollection('c', 32);
    await s1.upsert('c', points.slice(0, 5));
    await s1.close();
    // Crash after moving the old copy aside, with the new copy half written.
    renameSync(join(dir, 'c'), join(dir, 'c.old'));
    mkdirSync(join(dir, 'c'));
    writeFileSync(join(dir, 'c', 'vectors.f32'), Buffer.alloc(10));
    mkdirSync(join(dir, 'd.tmp-12345'));
    const s2 = openEmbeddedStore({ dir });
    expect(await s2.count('c')).toBe(5);
    expect(existsSync(join(dir, 'd.tmp-12345'))).toBe(false);
    await s2.close();
  });

  it('rebuilds a graph missing from disk', async () => {
    const dir = tempDir();
    const s1 = openEmbeddedStore({ dir, exactMax: 500 });
    await s1.ensureCollection('c', 32);
    await s1.upsert('c', points);
    await s1.close();
    rmSync(join(dir, 'c', 'hnsw.usearch'));
    const s2 = openEmbeddedStore({ dir, exactMax: 500 });
    const hits = await s2.search('c', queries[0], { k: 10 });
    expect(hits.filter((h) => exact(points, queries[0], 10).includes(h.id)).length).toBeGreaterThanOrEqual(9);
    await s2.close();
    expect(existsSync(join(dir, 'c', 'hnsw.usearch'))).toBe(true);
  });

  it('scores cosine similarity even for vectors that are not unit length', async () => {
    const store = openEmbeddedStore({ dir: tempDir() });
    await store.ensureCollection('c', 2);
    await store.upsert('c', [{ id: 'a', vector: new Float32Array([3, 4]), payload: {} }]);
    const [hit] = await store.search('c', new Float32Array([10, 0]), { k: 1 });
    expect(hit.score).toBeCloseTo(0.6, 6);
    await store.close();
  });

  it('names bad collection names, missing collections and use after close', async () => {
    const store = openEmbeddedStore({ dir: tempDir() });
    await expect(store.ensureCollection('../escape', 4)).rejects.toThrow(/collection name "\.\.\/escape" is invalid/);
    await expect(store.count('nope')).rejects.toThrow(/collection "nope" does not exist \(call ensureCollection first\)/);
    await expect(store.ensureCollection('c', 0)).rejects.toThrow(/dimensions must be a positive integer/);
    await store.close();
    await expect(store.count('c')).rejects.toThrow(/after close/);
  });
});
