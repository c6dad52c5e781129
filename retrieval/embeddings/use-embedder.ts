import Tinypool from 'tinypool';
import type { Logger } from 'pino';
import type { Embedder } from './embedder.js';
import { assertTexts, lengthGroupedBatches } from './batching.js';

export const USE_MODEL_ID = 'use-lite-512';
export const USE_DIMENSIONS = 512;

export interface UseEmbedderOptions {
  /** Worker threads; each holds its own copy of the model (~100 MB) and uses one core. */
  readonly workers?: number;
  /** Texts per worker task; bounds the memory one tfjs call can take. */
  readonly batchSize?: number;
  readonly logger?: Logger;
}

/**
 * Universal Sentence Encoder lite in a pool of worker threads. The tfjs CPU backend inside is
 * single-threaded, so one worker per core is what makes it use the machine.
 */
export function useEmbedder({ workers = 2, batchSize = 128, logger }: UseEmbedderOptions = {}): Embedder {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`useEmbedder: workers must be a positive integer, got ${workers}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`useEmbedder: batchSize must be a positive integer, got ${batchSize}`);
  const pool = new Tinypool({
    filename: new URL('./use-worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    // The worker is plain JS: don't hand it the parent's loader flags (tsx, vitest).
    execArgv: [],
    idleTimeout: 0,
  });
  logger?.debug({ workers, batchSize }, 'USE embedder pool started');
  let closed = false;

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    let flat: Float32Array;
    try {
      flat = (await pool.run({ texts })) as Float32Array;
    } catch (e) {
      throw new Error(`USE embedder: a worker failed on a batch of ${texts.length} texts: ${(e as Error).message}`, { cause: e });
    }
    if (flat.length !== texts.length * USE_DIMENSIONS) {
      throw new Error(`USE embedder: worker returned ${flat.length} floats for ${texts.length} texts (expected ${USE_DIMENSIONS} each)`);
    }
    return texts.map((_, i) => flat.subarray(i * USE_DIMENSIONS, (i + 1) * USE_DIMENSIONS));
  }

  return {
    id: USE_MODEL_ID,
    dimensions: USE_DIMENSIONS,
    async embed(texts) {
      if (closed) throw new Error('USE embedder: embed() called after close()');
      assertTexts(texts, 'USE embedder');
      if (texts.length === 0) return [];
      // All batches are queued at once; the pool runs `workers` of them at a time. Batches group
      // texts of similar length (less padding), so their rows are put back in the caller's order.
      const batches = lengthGroupedBatches(texts, batchSize);
      const parts = await Promise.all(batches.map((rows) => embedBatch(rows.map((i) => texts[i]))));
      const out = new Array<Float32Array>(texts.length);
      batches.forEach((rows, b) => rows.forEach((row, j) => (out[row] = parts[b][j])));
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}
