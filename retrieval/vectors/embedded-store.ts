import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Filter, Payload, SearchHit, SearchOptions, VectorPoint, VectorStore } from './store.js';
import { dot, exactTopK, nativeTopK, nativeTopKRows, type RowScore } from './exact.js';
import { DEFAULT_HNSW, HnswIndex, type HnswParams } from './hnsw-index.js';
import { PayloadIndex } from './payload-index.js';

export interface EmbeddedStoreOptions {
  /** Root directory; one sub-directory per collection. Usually `<workDir>/vectors`. */
  readonly dir: string;
  readonly logger?: Logger;
  /** Collections with at most this many points are searched exactly; bigger ones get an HNSW graph. */
  readonly exactMax?: number;
  /**
   * A filtered search whose filter lets at most this many points through is exact. Default:
   * where an exact scan of the matching rows gets dearer than the HNSW over-fetch it replaces.
   */
  readonly exactFilteredMax?: number;
  readonly hnsw?: HnswParams;
}

/** The embedded store also persists on demand, not only on close. */
export interface EmbeddedVectorStore extends VectorStore {
  flush(): Promise<void>;
}

// Defaults from the measurements in INDEX-CHOICE.md.
/**
 * Exact search up to 60K points, which covers the bundled catalogue (49,688 products, 21,290
 * keywords): building their graphs took 19 CPU-s of a first run, while exact search made a 20-user
 * run's 1,443 searches 0.5 s slower in all (the graph pays for itself after ~750 users).
 */
export const DEFAULT_EXACT_MAX = 60_000;
/** Per-row cost of the packed SIMD exact scan vs per-candidate cost of an HNSW search (µs, measured at 512-d). */
const EXACT_US_PER_ROW = 0.4;
/** Below this many rows the JS loop is as fast as packing the rows for the SIMD scan. */
const PACK_MIN_ROWS = 1_000;
const HNSW_US_PER_CANDIDATE = 6;
/** Beyond this over-fetch the graph search degrades; the exact scan is the safer choice. */
const MAX_OVERFETCH = 5_000;
const FORMAT = 1;

interface Meta {
  readonly format: number;
  readonly dims: number;
  readonly rows: number;
  readonly hnsw: HnswParams | null;
  /** Live points (rows minus deleted ones), so count() needs no load; absent in older files. */
  readonly live?: number;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new Error(`embedded vector store: collection name ${JSON.stringify(name)} is invalid (letters, digits, "_" and "-", starting with a letter or digit)`);
  }
}

/** Copies and scales to unit length, so a dot product is the cosine similarity. */
function unit(v: Float32Array): Float32Array {
  const out = Float32Array.from(v);
  let n = 0;
  for (let i = 0; i < out.length; i++) n += out[i] * out[i];
  if (n > 0 && Math.abs(n - 1) > 1e-6) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < out.length; i++) out[i] *= inv;
  }
  return out;
}

/**
 * One collection's state: a row-major matrix of unit vectors, ids and payloads by row, posting
 * lists for filters, and an HNSW graph once it is big enough to need one. Rows of deleted points
 * are reused, so row numbers (the graph's keys) stay stable and nothing needs compacting.
 */
class Collection {
  matrix: Float32Array;
  rows = 0;
  ids: (string | undefined)[] = [];
  payloads: (Payload | undefined)[] = [];
  readonly idToRow = new Map<string, number>();
  readonly freeRows: number[] = [];
  payloadIndex = new PayloadIndex();
  hnsw: HnswIndex | undefined;
  dirty = false;
  /** Reused buffer for packing filtered rows for the SIMD scan. */
  private scratch: Float32Array = new Float32Array(0);

  constructor(
    readonly name: string,
    readonly dims: number,
    private readonly settings: Settings,
  ) {
    this.matrix = new Float32Array(dims * 1024);
  }

  get live(): number {
    return this.idToRow.size;
  }

  private grow(minRows: number): void {
    if (minRows * this.dims <= this.matrix.length) return;
    const next = new Float32Array(Math.max(minRows, Math.ceil((this.matrix.length / this.dims) * 1.5)) * this.dims);
    next.set(this.matrix.subarray(0, this.rows * this.dims));
    this.matrix = next;
  }

  private checkVector(v: Float32Array, what: string): void {
    if (!(v instanceof Float32Array)) throw new TypeError(`collection "${this.name}": ${what} must be a Float32Array`);
    if (v.length !== this.dims) throw new Error(`collection "${this.name}" has ${this.dims} dimensions, but ${what} has ${v.length}`);
  }

  upsert(points: readonly VectorPoint[]): void {
    for (const p of points) {
      if (typeof p?.id !== 'string' || p.id === '') throw new Error(`collection "${this.name}": every point needs a non-empty string id`);
      this.checkVector(p.vector, `the vector of point "${p.id}"`);
    }
    // Last write wins for an id repeated within one batch.
    const latest = new Map<string, VectorPoint>();
    for (const p of points) latest.set(p.id, p);
    const replaced: number[] = [];
    const touched: number[] = [];
    for (const p of latest.values()) {
      let row = this.idToRow.get(p.id);
      if (row !== undefined) replaced.push(row);
      else {
        row = this.freeRows.pop() ?? this.rows++;
        this.grow(this.rows);
        this.idToRow.set(p.id, row);
        this.ids[row] = p.id;
      }
      this.matrix.set(unit(p.vector), row * this.dims);
      this.payloads[row] = p.payload ?? {};
      this.payloadIndex.add(row, this.payloads[row]!);
      touched.push(row);
    }
    this.dirty = true;
    if (this.hnsw) {
      this.hnsw.remove(replaced);
      this.hnsw.add(touched, this.pack(touched));
    } else if (this.live > this.settings.exactMax) {
      this.buildHnsw();
    }
  }

  /** Builds the graph over every live row (first time the collection outgrows exact search). */
  buildHnsw(): void {
    const rows = [...this.idToRow.values()].sort((a, b) => a - b);
    this.hnsw = new HnswIndex(this.dims, this.settings.hnsw);
    for (let i = 0; i < rows.length; i += 10_000) {
      const chunk = rows.slice(i, i + 10_000);
      this.hnsw.add(chunk, this.pack(chunk));
    }
  }

  private pack(rows: readonly number[]): Float32Array {
    const out = new Float32Array(rows.length * this.dims);
    rows.forEach((r, i) => out.set(this.matrix.subarray(r * this.dims, (r + 1) * this.dims), i * this.dims));
    return out;
  }

  delete(ids: readonly string[]): void {
    const gone: number[] = [];
    for (const id of ids) {
      const row = this.idToRow.get(id);
      if (row === undefined) continue;
      this.idToRow.delete(id);
      this.ids[row] = undefined;
      this.payloads[row] = undefined;
      this.matrix.fill(0, row * this.dims, (row + 1) * this.dims);
      this.freeRows.push(row);
      gone.push(row);
    }
    if (gone.length === 0) return;
    this.dirty = true;
    this.hnsw?.remove(gone);
  }

  search(vector: Float32Array, { k, filter }: SearchOptions): SearchHit[] {
    this.checkVector(vector, 'the query vector');
    if (!Number.isInteger(k) || k < 0) throw new Error(`collection "${this.name}": k must be a non-negative integer, got ${k}`);
    if (k === 0 || this.live === 0) return [];
    const q = unit(vector);
    const dead = (r: number) => this.ids[r] === undefined;
    let top: RowScore[];
    if (!hasConditions(filter)) {
      const exact = () => nativeTopK(this.matrix, this.dims, q, k, this.rows, this.freeRows.length, dead);
      // The graph can return fewer than k (a k near the collection size, an unlucky walk); the
      // exact scan is then both right and cheap enough.
      const graph = this.hnsw && k < this.live ? this.hnsw.search(q, k) : undefined;
      top = graph && graph.length >= k ? this.rescore(graph, q, k) : exact();
    } else {
      const m = this.payloadIndex.match(filter!, this.rows, this.live, (r) => this.payloads[r]);
      if (m.count === 0) return [];
      const exact = (): RowScore[] => {
        if (m.rows && m.rows.length >= PACK_MIN_ROWS) {
          const packed = nativeTopKRows(this.matrix, this.dims, q, k, m.rows, this.scratch);
          this.scratch = packed.scratch;
          return packed.hits;
        }
        return exactTopK(this.matrix, this.dims, q, k, m.rows, this.rows, m.rows ? undefined : (r) => !m.has(r));
      };
      // Over-fetch from the graph in proportion to how much the filter removes.
      const want = Math.min(this.live, Math.ceil((k * this.live * 1.5) / m.count) + 10);
      const exactCheaper = this.settings.exactFilteredMax !== undefined ? m.count <= this.settings.exactFilteredMax : m.count * EXACT_US_PER_ROW <= Math.max(want, this.settings.hnsw.expansionSearch) * HNSW_US_PER_CANDIDATE;
      if (!this.hnsw || exactCheaper || want > MAX_OVERFETCH) top = exact();
      else {
        const survivors = this.hnsw.search(q, want).filter((r) => m.has(r));
        // Too few survived (the graph returned fewer than asked): the exact scan is always right.
        top = survivors.length >= Math.min(k, m.count) ? this.rescore(survivors, q, k) : exact();
      }
    }
    return top.map(({ row, score }) => ({ id: this.ids[row]!, score, payload: this.payloads[row]! }));
  }

  /** Exact scores for graph candidates, so every path reports the same cosine similarity. */
  private rescore(rows: readonly number[], q: Float32Array, k: number): RowScore[] {
    return rows
      .filter((r) => this.ids[r] !== undefined)
      .map((row) => ({ row, score: dot(this.matrix, row, this.dims, q) }))
      .sort((a, b) => b.score - a.score || a.row - b.row)
      .slice(0, k);
  }

  /** Writes the collection into `dir` (a fresh directory). */
  writeTo(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const meta: Meta = { format: FORMAT, dims: this.dims, rows: this.rows, hnsw: this.hnsw ? this.hnsw.params : null, live: this.live };
    const m = this.matrix.subarray(0, this.rows * this.dims);
    writeFileSync(join(dir, 'vectors.f32'), new Uint8Array(m.buffer, m.byteOffset, m.byteLength));
    const records = [];
    for (let r = 0; r < this.rows; r++) records.push(this.ids[r] === undefined ? null : [this.ids[r], this.payloads[r]]);
    writeFileSync(join(dir, 'records.json'), JSON.stringify(records));
    if (this.hnsw) this.hnsw.save(join(dir, 'hnsw.usearch'));
    // meta.json last: a directory without it was not completely written.
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  }

  static readFrom(dir: string, name: string, settings: Settings, logger?: Logger): Collection {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
    if (meta.format !== FORMAT) throw new Error(`embedded vector store: ${dir} has format ${meta.format}, this version reads ${FORMAT}; delete it and re-index`);
    const c = new Collection(name, meta.dims, settings);
    // Read straight into the matrix: no second copy of what can be hundreds of MB.
    c.matrix = new Float32Array(Math.max(meta.rows, 1024) * meta.dims);
    const expected = meta.rows * meta.dims * 4;
    const got = readInto(join(dir, 'vectors.f32'), new Uint8Array(c.matrix.buffer, 0, expected));
    if (got !== expected) throw new Error(`embedded vector store: ${dir}/vectors.f32 has ${got} bytes, expected ${expected}; delete the directory and re-index`);
    const records = JSON.parse(readFileSync(join(dir, 'records.json'), 'utf8')) as ([string, Payload] | null)[];
    c.rows = meta.rows;
    for (let r = 0; r < records.length; r++) {
      const rec = records[r];
      if (!rec) {
        c.freeRows.push(r);
        continue;
      }
      c.ids[r] = rec[0];
      c.payloads[r] = rec[1];
      c.idToRow.set(rec[0], r);
      c.payloadIndex.add(r, rec[1]);
    }
    const hnswFile = join(dir, 'hnsw.usearch');
    if (meta.hnsw && existsSync(hnswFile)) c.hnsw = HnswIndex.load(hnswFile, meta.dims, meta.hnsw);
    else if (c.live > settings.exactMax) {
      logger?.warn({ collection: name }, 'embedded vector store: HNSW graph missing on disk, rebuilding it');
      c.buildHnsw();
      c.dirty = true;
    }
    return c;
  }
}

interface Settings {
  readonly exactMax: number;
  readonly exactFilteredMax: number | undefined;
  readonly hnsw: HnswParams;
}

/** Reads a whole file into `into`; returns the file's size (≠ into.length means a size mismatch). */
function readInto(path: string, into: Uint8Array): number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size !== into.length) return size;
    let off = 0;
    while (off < size) {
      const n = readSync(fd, into, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off;
  } finally {
    closeSync(fd);
  }
}

function hasConditions(filter: Filter | undefined): boolean {
  return !!filter && ((filter.must?.length ?? 0) > 0 || (filter.mustNot?.length ?? 0) > 0);
}

/**
 * Replaces `target` with `fresh` so a crash leaves either the old or the new directory: the old
 * one is moved aside first, and put back on open if the swap never finished.
 */
function swapDir(fresh: string, target: string): void {
  const aside = `${target}.old`;
  rmSync(aside, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, aside);
  renameSync(fresh, target);
  rmSync(aside, { recursive: true, force: true });
}

/**
 * The default, in-process vector store: exact search for small collections, an HNSW graph
 * (USearch) for big ones, payload filters through posting lists, persisted under `dir` on
 * flush() and close(), loaded lazily per collection on first use.
 */
export function openEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedVectorStore {
  const { dir, logger } = options;
  const settings = {
    exactMax: options.exactMax ?? DEFAULT_EXACT_MAX,
    exactFilteredMax: options.exactFilteredMax,
    hnsw: options.hnsw ?? DEFAULT_HNSW,
  };
  mkdirSync(dir, { recursive: true });
  const loaded = new Map<string, Collection>();
  const onDisk = new Set<string>();
  for (const entry of readdirSync(dir)) {
    if (entry.includes('.tmp-')) rmSync(join(dir, entry), { recursive: true, force: true });
    else if (entry.endsWith('.old')) {
      // A crash between the two renames of swapDir: the old copy is the complete one.
      const target = join(dir, entry.slice(0, -'.old'.length));
      if (!existsSync(join(target, 'meta.json'))) {
        rmSync(target, { recursive: true, force: true });
        renameSync(join(dir, entry), target);
        onDisk.add(entry.slice(0, -'.old'.length));
      } else rmSync(join(dir, entry), { recursive: true, force: true });
    } else if (existsSync(join(dir, entry, 'meta.json'))) onDisk.add(entry);
  }
  let closed = false;

  function get(name: string): Collection | undefined {
    checkName(name);
    if (closed) throw new Error('embedded vector store: used after close()');
    let c = loaded.get(name);
    if (!c && onDisk.has(name)) {
      const t0 = performance.now();
      try {
        c = Collection.readFrom(join(dir, name), name, settings, logger);
      } catch (e) {
        throw new Error(`embedded vector store: could not load collection "${name}" from ${join(dir, name)}: ${(e as Error).message}`, { cause: e });
      }
      loaded.set(name, c);
      logger?.debug({ collection: name, points: c.live, hnsw: !!c.hnsw, ms: Math.round(performance.now() - t0) }, 'vector collection loaded');
    }
    return c;
  }
  /**
   * meta.json of a collection that is on disk and not loaded yet: ensureCollection and count are
   * answered from it, so a start that finds its index current and its pages cached never reads
   * the vectors (~150 MB for the bundled catalogue).
   */
  function unloadedMeta(name: string): Meta | undefined {
    checkName(name);
    if (closed) throw new Error('embedded vector store: used after close()');
    if (loaded.has(name) || !onDisk.has(name)) return undefined;
    try {
      return JSON.parse(readFileSync(join(dir, name, 'meta.json'), 'utf8')) as Meta;
    } catch {
      return undefined; // unreadable: loading it reports the problem
    }
  }

  function must(name: string): Collection {
    const c = get(name);
    if (!c) throw new Error(`embedded vector store: collection "${name}" does not exist (call ensureCollection first)`);
    return c;
  }

  function save(): void {
    for (const c of loaded.values()) {
      if (!c.dirty) continue;
      const fresh = join(dir, `${c.name}.tmp-${process.pid}`);
      rmSync(fresh, { recursive: true, force: true });
      c.writeTo(fresh);
      swapDir(fresh, join(dir, c.name));
      onDisk.add(c.name);
      c.dirty = false;
      logger?.debug({ collection: c.name, points: c.live }, 'vector collection saved');
    }
  }

  return {
    kind: 'embedded-usearch',
    // Up to exactMax points no HNSW graph is built: every search (filtered ones too) scans exactly.
    exactSearchUpTo: settings.exactMax,
    async ensureCollection(name, dimensions) {
      if (!Number.isInteger(dimensions) || dimensions < 1) throw new Error(`embedded vector store: dimensions must be a positive integer, got ${dimensions}`);
      const onDiskDims = unloadedMeta(name)?.dims;
      if (onDiskDims !== undefined) {
        if (onDiskDims !== dimensions) throw new Error(`embedded vector store: collection "${name}" has ${onDiskDims} dimensions, not ${dimensions} (drop it to change the embedder)`);
        return;
      }
      const c = get(name);
      if (c && c.dims !== dimensions) throw new Error(`embedded vector store: collection "${name}" has ${c.dims} dimensions, not ${dimensions} (drop it to change the embedder)`);
      if (!c) {
        const fresh = new Collection(name, dimensions, settings);
        fresh.dirty = true;
        loaded.set(name, fresh);
      }
    },
    async hasCollection(name) {
      checkName(name);
      return loaded.has(name) || onDisk.has(name);
    },
    async dropCollection(name) {
      checkName(name);
      loaded.delete(name);
      onDisk.delete(name);
      rmSync(join(dir, name), { recursive: true, force: true });
    },
    async upsert(name, points) {
      must(name).upsert(points);
    },
    async search(name, vector, options) {
      return must(name).search(vector, options);
    },
    async delete(name, ids) {
      must(name).delete(ids);
    },
    async count(name) {
      return unloadedMeta(name)?.live ?? must(name).live;
    },
    async flush() {
      if (closed) throw new Error('embedded vector store: flush() after close()');
      save();
    },
    async close() {
      if (closed) return;
      save();
      closed = true;
      loaded.clear();
    },
  };
}
