import { describe, expect, it } from 'vitest';
import { exactTopK, nativeTopK, nativeTopKRows } from './exact.js';
import { seededRandom } from '../../base/random.js';

function randomMatrix(rows: number, dims: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const m = new Float32Array(rows * dims);
  for (let i = 0; i < m.length; i++) m[i] = r() * 2 - 1;
  return m;
}

describe('exactTopK', () => {
  const dims = 8;
  const rows = 500;
  const m = randomMatrix(rows, dims, 7);
  const q = randomMatrix(1, dims, 99);
  const naive = (candidates: number[]) =>
    candidates
      .map((row) => ({ row, score: Array.from(q).reduce((s, x, i) => s + x * m[row * dims + i], 0) }))
      .sort((a, b) => b.score - a.score)
      .map((h) => h.row);

  it('matches a full sort over all rows', () => {
    const all = Array.from({ length: rows }, (_, i) => i);
    expect(exactTopK(m, dims, q, 25, undefined, rows).map((h) => h.row)).toEqual(naive(all).slice(0, 25));
  });

  it('respects a candidate subset and a skip predicate', () => {
    const subset = Array.from({ length: rows }, (_, i) => i).filter((i) => i % 3 === 0);
    const got = exactTopK(m, dims, q, 10, Int32Array.from(subset), rows, (r) => r % 2 === 0);
    expect(got.map((h) => h.row)).toEqual(naive(subset.filter((r) => r % 2 !== 0)).slice(0, 10));
  });

  it('returns fewer than k when fewer rows qualify, and nothing for k = 0', () => {
    expect(exactTopK(m, dims, q, 10, [1, 2, 3], rows)).toHaveLength(3);
    expect(exactTopK(m, dims, q, 0, undefined, rows)).toEqual([]);
  });

  it('nativeTopK agrees with exactTopK, and drops skipped rows given enough extra', () => {
    expect(nativeTopK(m, dims, q, 25, rows).map((h) => h.row)).toEqual(exactTopK(m, dims, q, 25, undefined, rows).map((h) => h.row));
    const skip = (r: number) => r % 10 === 0;
    expect(nativeTopK(m, dims, q, 20, rows, 50, skip).map((h) => h.row)).toEqual(exactTopK(m, dims, q, 20, undefined, rows, skip).map((h) => h.row));
  });

  it('nativeTopKRows agrees with exactTopK on a row subset, growing its scratch buffer', () => {
    const subset = Int32Array.from({ length: 200 }, (_, i) => (i * 7) % rows);
    const { hits, scratch } = nativeTopKRows(m, dims, q, 15, subset, new Float32Array(0));
    expect(hits.map((h) => h.row)).toEqual(exactTopK(m, dims, q, 15, subset, rows).map((h) => h.row));
    expect(scratch.length).toBeGreaterThanOrEqual(200 * dims);
  });
});
