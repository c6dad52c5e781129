import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../base/random.js';
import { HnswIndex } from './hnsw-index.js';

function unitRows(n: number, dims: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const m = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += (m[i * dims + d] = r() * 2 - 1) ** 2;
    for (let d = 0; d < dims; d++) m[i * dims + d] /= Math.sqrt(norm);
  }
  return m;
}

describe('HnswIndex', () => {
  it('leaves no point unreachable in a small graph built from one batch (parallel inserts used to)', () => {
    for (let seed = 0; seed < 10; seed++) {
      const rows = Array.from({ length: 120 }, (_, i) => i);
      const h = new HnswIndex(8);
      const m = unitRows(120, 8, seed);
      h.add(rows, m);
      for (let q = 0; q < 5; q++) expect(new Set(h.search(m.subarray(q * 8, q * 8 + 8), 120)).size).toBe(120);
    }
  });

  it('finds a point by its own vector, forgets removed rows, and survives save + memory-mapped load + change', () => {
    const m = unitRows(2000, 16, 1);
    const h = new HnswIndex(16);
    h.add(Array.from({ length: 2000 }, (_, i) => i), m);
    expect(h.search(m.subarray(5 * 16, 6 * 16), 1)).toEqual([5]);
    h.remove([5]);
    expect(h.search(m.subarray(5 * 16, 6 * 16), 3)).not.toContain(5);

    const dir = mkdtempSync(join(tmpdir(), 'hubgen-hnsw-'));
    try {
      h.save(join(dir, 'g.usearch'));
      const loaded = HnswIndex.load(join(dir, 'g.usearch'), 16);
      expect(loaded.size()).toBe(1999);
      expect(loaded.search(m.subarray(7 * 16, 8 * 16), 1)).toEqual([7]);
      // The first change copies the mapped graph into memory.
      loaded.add([5], m.subarray(5 * 16, 6 * 16));
      expect(loaded.search(m.subarray(5 * 16, 6 * 16), 1)).toEqual([5]);
      expect(() => HnswIndex.load(join(dir, 'g.usearch'), 32)).toThrow(/16 dimensions, expected 32/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
