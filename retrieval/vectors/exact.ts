import usearch, { type Matches } from 'usearch';

/** A row of a collection's vector matrix and its similarity to a query. */
export interface RowScore {
  readonly row: number;
  readonly score: number;
}

export function dot(matrix: Float32Array, row: number, dims: number, query: Float32Array): number {
  const off = row * dims;
  let s = 0;
  for (let i = 0; i < dims; i++) s += matrix[off + i] * query[i];
  return s;
}

/**
 * Exact top-k by dot product over the given rows (all `0..rowCount` when `rows` is undefined),
 * skipping rows for which `skip` returns true. A size-k min-heap keeps it O(n log k).
 */
export function exactTopK(
  matrix: Float32Array,
  dims: number,
  query: Float32Array,
  k: number,
  rows: ArrayLike<number> | undefined,
  rowCount: number,
  skip?: (row: number) => boolean,
): RowScore[] {
  if (k <= 0) return [];
  const heapRows = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  const n = rows ? rows.length : rowCount;
  for (let j = 0; j < n; j++) {
    const row = rows ? rows[j] : j;
    if (skip?.(row)) continue;
    const s = dot(matrix, row, dims, query);
    if (size < k) {
      // sift up
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapScores[p] <= s) break;
        heapScores[i] = heapScores[p];
        heapRows[i] = heapRows[p];
        i = p;
      }
      heapScores[i] = s;
      heapRows[i] = row;
    } else if (s > heapScores[0]) {
      // replace the smallest and sift down
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && heapScores[r] < heapScores[l] ? r : l;
        if (heapScores[c] >= s) break;
        heapScores[i] = heapScores[c];
        heapRows[i] = heapRows[c];
        i = c;
      }
      heapScores[i] = s;
      heapRows[i] = row;
    }
  }
  const out: RowScore[] = [];
  for (let i = 0; i < size; i++) out.push({ row: heapRows[i], score: heapScores[i] });
  // Ties break by row so results are deterministic.
  return out.sort((a, b) => b.score - a.score || a.row - b.row);
}

/**
 * Exact top-k over rows `0..rowCount` with USearch's SIMD brute force (about 6× the JS loop at
 * 50K × 512, see INDEX-CHOICE.md). Rows for which `skip` returns true are dropped afterwards, so
 * pass `extra` = how many rows may be skipped; scores are recomputed as exact dot products.
 */
export function nativeTopK(matrix: Float32Array, dims: number, query: Float32Array, k: number, rowCount: number, extra = 0, skip?: (row: number) => boolean): RowScore[] {
  const want = Math.min(rowCount, k + extra);
  if (want <= 0) return [];
  const { keys } = usearch.exactSearch(matrix.subarray(0, rowCount * dims), query, dims, want, usearch.MetricKind.IP, 1) as Matches;
  const out: RowScore[] = [];
  for (let i = 0; i < keys.length; i++) {
    const row = Number(keys[i]);
    if (skip?.(row)) continue;
    out.push({ row, score: dot(matrix, row, dims, query) });
  }
  return out.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
}

/**
 * Exact top-k over a list of rows: packs them into `scratch` (grown as needed and returned for
 * reuse) and runs the SIMD scan there. Copying is memcpy-fast, so for a few thousand rows or
 * more this beats the JS loop about 3× (INDEX-CHOICE.md).
 */
export function nativeTopKRows(
  matrix: Float32Array,
  dims: number,
  query: Float32Array,
  k: number,
  rows: ArrayLike<number>,
  scratch: Float32Array,
): { hits: RowScore[]; scratch: Float32Array } {
  const n = rows.length;
  if (scratch.length < n * dims) scratch = new Float32Array(Math.ceil(n * 1.25) * dims);
  for (let i = 0; i < n; i++) scratch.set(matrix.subarray(rows[i] * dims, (rows[i] + 1) * dims), i * dims);
  const local = nativeTopK(scratch, dims, query, k, n);
  return { hits: local.map(({ row, score }) => ({ row: rows[row], score })).sort((a, b) => b.score - a.score || a.row - b.row), scratch };
}
