import { availableParallelism } from 'node:os';
import usearch, { type Index } from 'usearch';

/** HNSW parameters; defaults chosen in INDEX-CHOICE.md. */
export interface HnswParams {
  /** Graph degree (M). */
  readonly connectivity: number;
  /** Beam width while inserting (efConstruction). */
  readonly expansionAdd: number;
  /** Beam width while searching (ef); a larger k widens it further. */
  readonly expansionSearch: number;
}

/** Points inserted one at a time before inserts go parallel. */
const SERIAL_SEED = 1_024;
const PARALLEL_MIN_BATCH = 64;

export const DEFAULT_HNSW: HnswParams = { connectivity: 32, expansionAdd: 64, expansionSearch: 256 };

/**
 * An HNSW graph over a collection's rows (USearch, inner-product metric on unit vectors). Keys
 * are row numbers; the collection owns ids, payloads and the exact vectors used for scoring.
 */
export class HnswIndex {
  private index: Index;
  /** Memory-mapped from this file (read-only) until the first change; see load(). */
  private viewedFrom: string | undefined;

  constructor(
    readonly dims: number,
    readonly params: HnswParams = DEFAULT_HNSW,
  ) {
    this.index = HnswIndex.empty(dims, params);
  }

  private static empty(dims: number, params: HnswParams): Index {
    return new usearch.Index({
      dimensions: dims,
      metric: usearch.MetricKind.IP,
      quantization: usearch.ScalarKind.F32,
      connectivity: params.connectivity,
      expansion_add: params.expansionAdd,
      expansion_search: params.expansionSearch,
      multi: false,
    });
  }

  /**
   * Opens a graph saved by save(). It is memory-mapped, which makes a warm start nearly free and
   * shares pages with the OS cache; the first add or remove reads it into memory to change it.
   * save() writes new files and renames them into place, so the mapped file is never rewritten.
   */
  static load(path: string, dims: number, params: HnswParams = DEFAULT_HNSW): HnswIndex {
    const h = new HnswIndex(dims, params);
    h.index.view(path);
    h.viewedFrom = path;
    if (h.index.dimensions() !== dims) throw new Error(`HNSW index ${path} has ${h.index.dimensions()} dimensions, expected ${dims}`);
    return h;
  }

  private writable(): Index {
    if (this.viewedFrom) {
      const copy = HnswIndex.empty(this.dims, this.params);
      copy.load(this.viewedFrom);
      this.index = copy;
      this.viewedFrom = undefined;
    }
    return this.index;
  }

  size(): number {
    return this.index.size();
  }

  /** Adds rows (already absent from the graph) with their vectors, packed row after row. */
  add(rows: ArrayLike<number>, packed: Float32Array): void {
    if (rows.length === 0) return;
    const keys = new BigUint64Array(rows.length);
    for (let i = 0; i < rows.length; i++) keys[i] = BigInt(rows[i]);
    const index = this.writable();
    // Parallel inserts into a small graph race and leave points no search can reach (measured:
    // ~0.5 % of 120 points with 2 threads, none with 1). Seed the graph on one thread, then let
    // USearch spread bigger batches across the cores; building is the slow part.
    const serial = Math.min(rows.length, Math.max(0, SERIAL_SEED - index.size()));
    if (serial > 0) index.add(keys.subarray(0, serial), packed.subarray(0, serial * this.dims), 1);
    if (serial < rows.length) {
      const rest = rows.length - serial;
      index.add(keys.subarray(serial), packed.subarray(serial * this.dims), rest >= PARALLEL_MIN_BATCH ? availableParallelism() : 1);
    }
  }

  remove(rows: ArrayLike<number>): void {
    if (rows.length === 0) return;
    const keys = new BigUint64Array(rows.length);
    for (let i = 0; i < rows.length; i++) keys[i] = BigInt(rows[i]);
    this.writable().remove(keys);
  }

  /** Approximate nearest rows, best first. */
  search(query: Float32Array, k: number): number[] {
    const { keys } = this.index.search(query, k, 1);
    const out = new Array<number>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = Number(keys[i]);
    return out;
  }

  save(path: string): void {
    this.index.save(path);
  }
}
