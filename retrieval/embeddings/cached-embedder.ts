import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readSync, closeSync, fstatSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import type { Embedder } from './embedder.js';
import { assertTexts } from './batching.js';

/**
 * On-disk format, one directory per model: append-only shard files of fixed-size records
 *   [sha256(text): 32 bytes][vector: dims × float32 LE][crc32 of the preceding bytes: uint32 LE]
 * Each process appends only to a shard it created, so two processes sharing a cache never
 * interleave writes, and a crash leaves at worst a torn or garbage tail in one shard, which the
 * size and checksum checks detect and skip on load.
 */
const KEY_BYTES = 32;
const SHARD_PREFIX = 'shard-';
const SHARD_SUFFIX = '.bin';
/** Start a new shard past this size so no single file grows without bound. */
const MAX_SHARD_BYTES = 256 * 1024 * 1024;

export interface EmbeddingCacheStats {
  /** Texts served without calling the model (cached, repeated in a call, or already in flight). */
  readonly hits: number;
  /** Texts the wrapped model embedded. */
  readonly misses: number;
  /** Vectors held in memory (loaded from disk plus new). */
  readonly entries: number;
  /** Records skipped on load because a shard had a torn or corrupt tail. */
  readonly skippedOnLoad: number;
}

export interface CachedEmbedder extends Embedder {
  stats(): EmbeddingCacheStats;
  /** Waits until every new vector is written to disk. */
  flush(): Promise<void>;
}

export interface CachedEmbedderOptions {
  /** Cache root; vectors go under `<dir>/<model-id>/`. Usually `<workDir>/embeddings`. */
  readonly dir: string;
  readonly logger?: Logger;
}

/** File-system safe directory name for a model id ("openai:text-embedding-3-small" → "openai_text-embedding-3-small"). */
export function modelDirName(modelId: string): string {
  return modelId.replace(/[^A-Za-z0-9._-]/g, '_');
}

function textKey(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

interface LoadResult {
  readonly vectors: Map<string, Float32Array>;
  readonly skipped: number;
  readonly shards: number;
}

function readWhole(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    // A fresh ArrayBuffer so Float32Array views over it are 4-byte aligned.
    const buf = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Loads every valid record of every shard; stops at the first bad record of a shard (its torn tail). */
export function loadShards(dir: string, dims: number, logger?: Logger): LoadResult {
  const recordBytes = KEY_BYTES + dims * 4 + 4;
  const vectors = new Map<string, Float32Array>();
  let skipped = 0;
  const files = readdirSync(dir).filter((f) => f.startsWith(SHARD_PREFIX) && f.endsWith(SHARD_SUFFIX)).sort();
  for (const file of files) {
    const buf = readWhole(join(dir, file));
    const whole = Math.floor(buf.length / recordBytes);
    let good = 0;
    for (; good < whole; good++) {
      const off = good * recordBytes;
      const stored = Buffer.from(buf.buffer, buf.byteOffset + off + recordBytes - 4, 4).readUInt32LE(0);
      if (crc32(buf.subarray(off, off + recordBytes - 4)) !== stored) break;
      const key = Buffer.from(buf.buffer, buf.byteOffset + off, KEY_BYTES).toString('base64');
      vectors.set(key, new Float32Array(buf.buffer, buf.byteOffset + off + KEY_BYTES, dims));
    }
    const bad = buf.length - good * recordBytes;
    if (bad > 0) {
      skipped += whole - good + (buf.length % recordBytes > 0 ? 1 : 0);
      logger?.warn({ shard: join(dir, file), validRecords: good, ignoredBytes: bad }, 'embedding cache: ignoring a torn or corrupt shard tail (likely an interrupted write)');
    }
  }
  return { vectors, skipped, shards: files.length };
}

function encodeRecords(keys: readonly Buffer[], vecs: readonly Float32Array[], dims: number): Buffer {
  const recordBytes = KEY_BYTES + dims * 4 + 4;
  const out = Buffer.alloc(keys.length * recordBytes);
  for (let i = 0; i < keys.length; i++) {
    const off = i * recordBytes;
    keys[i].copy(out, off);
    Buffer.from(vecs[i].buffer, vecs[i].byteOffset, dims * 4).copy(out, off + KEY_BYTES);
    out.writeUInt32LE(crc32(out.subarray(off, off + recordBytes - 4)), off + recordBytes - 4);
  }
  return out;
}

/**
 * Wraps an embedder with a persistent cache keyed by (model id, sha256(text)). Only texts not
 * seen before reach the model, and a text already being embedded by another call is awaited,
 * not embedded twice. Returned vectors are copies, so callers may mutate them.
 */
export function cachedEmbedder(inner: Embedder, { dir, logger }: CachedEmbedderOptions): CachedEmbedder {
  const modelDir = join(dir, modelDirName(inner.id));
  mkdirSync(modelDir, { recursive: true });
  const dims = inner.dimensions;
  // Read on first use, not here: a start whose pages are all cached artefacts embeds nothing, and
  // reading every shard (~140 MB for the bundled catalogue) was a fifth of such a start.
  let loaded: LoadResult | undefined;
  const cache = (): Map<string, Float32Array> => {
    if (!loaded) {
      const started = performance.now();
      loaded = loadShards(modelDir, dims, logger);
      logger?.debug({ model: inner.id, entries: loaded.vectors.size, shards: loaded.shards, ms: Math.round(performance.now() - started) }, 'embedding cache loaded');
    }
    return loaded.vectors;
  };

  const inFlight = new Map<string, Promise<Float32Array>>();
  let hits = 0;
  let misses = 0;
  let closed = false;

  // Appends go through one chain so records land whole and in order; the shard is ours alone.
  let writeChain: Promise<void> = Promise.resolve();
  let shard: { handle: FileHandle; bytes: number } | undefined;
  let writeError: Error | undefined;
  const newShardName = () => `${SHARD_PREFIX}${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}${SHARD_SUFFIX}`;

  function append(keys: Buffer[], vecs: Float32Array[]): void {
    const bytes = encodeRecords(keys, vecs, dims);
    writeChain = writeChain.then(async () => {
      try {
        if (!shard || shard.bytes + bytes.length > MAX_SHARD_BYTES) {
          await shard?.handle.close();
          shard = { handle: await open(join(modelDir, newShardName()), 'a'), bytes: 0 };
        }
        await shard.handle.write(bytes);
        shard.bytes += bytes.length;
      } catch (e) {
        // Keep serving from memory; report once and surface the error at flush/close.
        writeError ??= e as Error;
        logger?.error({ err: e, dir: modelDir }, 'embedding cache: write failed; new vectors are kept in memory only');
      }
    });
  }

  async function embedMisses(texts: string[], keys: string[], keyBufs: Buffer[]): Promise<void> {
    const work = inner.embed(texts).then((vecs) => {
      if (vecs.length !== texts.length) throw new Error(`embedding cache: model ${inner.id} returned ${vecs.length} vectors for ${texts.length} texts`);
      for (let i = 0; i < vecs.length; i++) {
        if (vecs[i].length !== dims) throw new Error(`embedding cache: model ${inner.id} returned a ${vecs[i].length}-d vector, expected ${dims}`);
        cache().set(keys[i], vecs[i]);
      }
      append(keyBufs, vecs);
      return vecs;
    });
    keys.forEach((k, i) => {
      const p = work.then((vecs) => vecs[i]);
      p.catch(() => {}); // the awaiting caller sees the error; don't also report it as unhandled
      inFlight.set(k, p);
    });
    try {
      await work;
    } finally {
      for (const k of keys) inFlight.delete(k);
    }
  }

  return {
    id: inner.id,
    dimensions: dims,
    async embed(texts) {
      if (closed) throw new Error(`embedding cache (${inner.id}): embed() called after close()`);
      assertTexts(texts, `embedding cache (${inner.id})`);
      const vectors = cache();
      const keyBufs = texts.map(textKey);
      const keys = keyBufs.map((b) => b.toString('base64'));
      const missTexts: string[] = [];
      const missKeys: string[] = [];
      const missBufs: Buffer[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < texts.length; i++) {
        const k = keys[i];
        if (vectors.has(k) || inFlight.has(k) || seen.has(k)) {
          hits++;
          continue;
        }
        seen.add(k);
        missTexts.push(texts[i]);
        missKeys.push(k);
        missBufs.push(keyBufs[i]);
      }
      misses += missTexts.length;
      if (missTexts.length > 0) await embedMisses(missTexts, missKeys, missBufs);
      const out: Float32Array[] = [];
      for (const k of keys) {
        const v = vectors.get(k) ?? (await inFlight.get(k));
        if (!v) throw new Error(`embedding cache (${inner.id}): vector for a text went missing (its embedding failed in a concurrent call)`);
        out.push(v.slice());
      }
      return out;
    },
    // A cached text, one being embedded, or a repeat within the call costs nothing more.
    ...(inner.costs
      ? {
          async costs(texts: readonly string[]) {
            assertTexts(texts, `embedding cache (${inner.id})`);
            const vectors = cache();
            const seen = new Set<string>();
            const misses: number[] = [];
            texts.forEach((t, i) => {
              const k = textKey(t).toString('base64');
              if (!vectors.has(k) && !inFlight.has(k) && !seen.has(k)) misses.push(i);
              seen.add(k);
            });
            const out = new Array<number>(texts.length).fill(0);
            const missCosts = misses.length ? await inner.costs!(misses.map((i) => texts[i])) : [];
            misses.forEach((i, j) => (out[i] = missCosts[j]));
            return out;
          },
        }
      : {}),
    stats: () => ({ hits, misses, entries: cache().size, skippedOnLoad: loaded!.skipped }),
    async flush() {
      await writeChain;
      if (shard) await shard.handle.sync();
      if (writeError) throw new Error(`embedding cache: could not write to ${modelDir}: ${writeError.message}`, { cause: writeError });
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await writeChain;
        if (shard) {
          await shard.handle.sync();
          await shard.handle.close();
        }
      } finally {
        await inner.close();
      }
    },
  };
}
