import { OpenAIEmbeddings } from '@langchain/openai';
import type { Logger } from 'pino';
import type { Embedder } from './embedder.js';
import { assertTexts, normaliseInPlace } from './batching.js';

export interface OpenAIEmbedderOptions {
  readonly model: string;
  /** OpenAI-compatible server root including `/v1`; omitted → api.openai.com. */
  readonly baseURL?: string;
  /** Keyless local servers (vLLM, Ollama) still need some string here; a placeholder is used. */
  readonly apiKey?: string;
  /** Requested output size (text-embedding-3 only); otherwise learnt from the model. */
  readonly dimensions?: number;
  readonly batchSize?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

/** Output sizes of OpenAI's own models, so creating an embedder for them costs no request. */
const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * An embedder backed by any OpenAI-compatible `/v1/embeddings` endpoint. Vectors are normalised
 * here because not every server returns unit vectors. Asks for plain float arrays: the SDK's
 * base64 default is not understood by every compatible server.
 */
export async function openAIEmbedder(options: OpenAIEmbedderOptions): Promise<Embedder> {
  const { model, baseURL, apiKey, dimensions, batchSize = 256, concurrency = 2, timeoutMs = 60_000, maxRetries = 3, logger } = options;
  if (!model) throw new Error('openAIEmbedder: a model name is required');
  const client = new OpenAIEmbeddings({
    model,
    apiKey: apiKey || 'not-needed',
    configuration: baseURL ? { baseURL } : undefined,
    dimensions,
    batchSize,
    maxConcurrency: concurrency,
    maxRetries,
    timeout: timeoutMs,
    encodingFormat: 'float',
    // Newlines carry no meaning for short catalogue texts; keep the SDK's default behaviour.
    stripNewLines: true,
  });
  const where = baseURL ?? 'https://api.openai.com/v1';

  async function raw(texts: readonly string[]): Promise<Float32Array[]> {
    let rows: number[][];
    try {
      // The API rejects empty strings; a single space embeds as "nothing" just the same.
      rows = await client.embedDocuments(texts.map((t) => (t === '' ? ' ' : t)));
    } catch (e) {
      throw new Error(`OpenAI-compatible embeddings at ${where} (model ${model}) failed: ${(e as Error).message}`, { cause: e });
    }
    if (rows.length !== texts.length) throw new Error(`OpenAI-compatible embeddings at ${where} returned ${rows.length} vectors for ${texts.length} texts`);
    return rows.map((r) => normaliseInPlace(Float32Array.from(r)));
  }

  const dims = dimensions ?? KNOWN_DIMENSIONS[model] ?? (await raw(['dimension probe']))[0].length;
  logger?.debug({ model, baseURL: where, dimensions: dims }, 'OpenAI-compatible embedder ready');
  return {
    id: dimensions ? `openai:${model}:${dimensions}` : `openai:${model}`,
    dimensions: dims,
    async embed(texts) {
      assertTexts(texts, `OpenAI embedder (${model})`);
      if (texts.length === 0) return [];
      const out = await raw(texts);
      for (const v of out) {
        if (v.length !== dims) throw new Error(`OpenAI-compatible embeddings at ${where} returned a ${v.length}-d vector, expected ${dims}`);
      }
      return out;
    },
    close: async () => {},
  };
}
