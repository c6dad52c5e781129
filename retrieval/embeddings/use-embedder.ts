import Tinypool from 'tinypool';
import type { Logger } from 'pino';
import type { Embedder } from './embedder.js';
import { assertTexts, splitIntoBatches } from './batching.js';

export const USE_MODEL_ID = 'use-lite-512';
export const USE_DIMENSIONS = 512;

export interface UseEmbedderOptions {
  /** Worker threads; each holds its own copy of the model (~100 MB) and uses one core. */
  readonly workers?: number;
  /** Texts per worker task: the unit the pool spreads over the workers. */
  readonly batchSize?: number;
  /**
   * Texts per model call inside a task; bounds the memory one tfjs call can take. The worker groups
   * a task's texts by token count into calls of this size: USE-lite pads each call to its longest
   * text, and 64 measured fastest (bench/results/retrieval.md).
   */
  readonly modelBatch?: number;
  readonly logger?: Logger;
}

/**
 * Universal Sentence Encoder lite in a pool of worker threads. tfjs (WebAssembly backend) inside is
 * single-threaded, so one worker per core is what makes it use the machine.
 */
export function useEmbedder({ workers = 2, batchSize = 128, modelBatch = 64, logger }: UseEmbedderOptions = {}): Embedder {
  for (const [name, v] of Object.entries({ workers, batchSize, modelBatch })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`useEmbedder: ${name} must be a positive integer, got ${v}`);
  }
  // Started on first use: each worker loads the model (~100 MB) as it starts, and a start whose
  // pages are all cached artefacts never embeds; on two cores that load slowed its data loading.
  let pool: Tinypool | undefined;
  const workersPool = (): Tinypool => {
    if (!pool) {
      pool = new Tinypool({
        filename: new URL('./use-worker.mjs', import.meta.url).href,
        minThreads: workers,
        maxThreads: workers,
        // The worker is plain JS: don't hand it the parent's loader flags (tsx, vitest).
        execArgv: [],
        idleTimeout: 0,
      });
      logger?.debug({ workers, batchSize, modelBatch }, 'USE embedder pool started');
    }
    return pool;
  };
  let closed = false;

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    let flat: Float32Array;
    try {
      flat = (await workersPool().run({ texts, modelBatch })) as Float32Array;
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
      // All tasks are queued at once; the pool runs `workers` of them at a time. Callers that embed
      // many texts pass them ordered by costs(), so each task is already of one length.
      const parts = await Promise.all(splitIntoBatches(texts, batchSize).map(embedBatch));
      return parts.flat();
    },
    async costs(texts) {
      if (closed) throw new Error('USE embedder: costs() called after close()');
      assertTexts(texts, 'USE embedder');
      // Token counts: one share per worker, since the tokenizer lives in the workers.
      const share = Math.max(256, Math.ceil(texts.length / workers));
      const parts = await Promise.all(splitIntoBatches(texts, share).map((part) => workersPool().run({ texts: part, count: true }) as Promise<Int32Array>));
      return parts.flatMap((p) => Array.from(p));
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool?.destroy();
    },
  };
}
