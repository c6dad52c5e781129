import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { sigmoid } from '../../base/logistic.js';
import { HubgenError } from '../../base/errors.js';
import { policyDelay, resolveRetryPolicy, retryWithBackoff, type RetryPolicy } from '../../llm/retry.js';
import type { RelevancePair, RelevanceScorer } from './scorer.js';

export interface HttpRerankOptions {
  /** Base URL of the service, or its full rerank endpoint; "/rerank" is appended unless the URL already ends with it. */
  readonly url: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly timeoutMs?: number;
  /** Retries after a network error, a timeout, HTTP 429 or 5xx. */
  readonly maxRetries?: number;
  readonly concurrency?: number;
  /** Documents per request. text-embeddings-inference rejects more than 32 by default. */
  readonly batchSize?: number;
  readonly logger?: Logger;
  readonly fetch?: typeof fetch;
  /** Backoff shape (tests shorten it); maxRetries comes from `maxRetries`. */
  readonly retryPolicy?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

/** A rerank request that failed; the message names the URL. `retryable` drove the retry decision. */
export class HttpRerankError extends HubgenError {
  static override readonly kind: string = 'http-rerank';
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown; headers?: Headers },
  ) {
    super(message, options);
    // Read by llm/retry's Retry-After handling, as it reads the OpenAI SDK's errors.
    this.headers = options?.headers;
  }
  readonly headers: Headers | undefined;
}

export function rerankEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/rerank$/.test(trimmed) ? trimmed : `${trimmed}/rerank`;
}

/**
 * Scores by document index from either response shape: text-embeddings-inference's
 * `[{ index, score }]`, or Cohere/Jina/vLLM's `{ results: [{ index, relevance_score }] }`.
 * Scores outside [0,1] are taken as logits (e.g. TEI with raw_scores) and squashed.
 */
export function parseRerankResponse(body: unknown, documents: number, url: string): number[] {
  const items = Array.isArray(body) ? body : (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(items)) {
    throw new HttpRerankError(`rerank response from ${url} is neither [{ index, score }] nor { results: [{ index, relevance_score }] }: ${JSON.stringify(body)?.slice(0, 200)}`, url, undefined, false);
  }
  const scores = new Array<number | undefined>(documents).fill(undefined);
  for (const item of items as { index?: unknown; score?: unknown; relevance_score?: unknown }[]) {
    const index = item?.index;
    const score = item?.relevance_score ?? item?.score;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= documents || typeof score !== 'number' || !Number.isFinite(score)) {
      throw new HttpRerankError(`rerank response from ${url} has an invalid item ${JSON.stringify(item)?.slice(0, 120)} (expected an index in 0..${documents - 1} and a numeric score)`, url, undefined, false);
    }
    scores[index] = score;
  }
  const missing = scores.flatMap((s, i) => (s === undefined ? [i] : []));
  if (missing.length) throw new HttpRerankError(`rerank response from ${url} has no score for document(s) ${missing.slice(0, 10).join(', ')} of ${documents}`, url, undefined, false);
  const values = scores as number[];
  return values.some((s) => s < 0 || s > 1) ? values.map(sigmoid) : values;
}


/**
 * A RelevanceScorer backed by a rerank service (text-embeddings-inference, Cohere, Jina, vLLM,
 * Infinity). The request carries the documents under both `documents` and `texts`, the two names
 * those servers use, so one client speaks to all of them.
 */
export function httpRerankScorer(options: HttpRerankOptions): RelevanceScorer {
  const url = rerankEndpoint(options.url);
  const { model, apiKey, logger } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 2;
  const batchSize = options.batchSize ?? 32;
  const limit = pLimit(options.concurrency ?? 4);
  const doFetch = options.fetch ?? fetch;

  async function once(query: string, documents: readonly string[]): Promise<number[]> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, query, documents, texts: documents, top_n: documents.length }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `failed: ${err.message}${err.cause ? ` (${(err.cause as Error).message ?? err.cause})` : ''}`;
      throw new HttpRerankError(`rerank POST ${url} ${why}`, url, undefined, true, { cause: e });
    }
    const text = await response.text();
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500;
      throw new HttpRerankError(`rerank POST ${url} returned HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`, url, response.status, retryable, { headers: response.headers });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpRerankError(`rerank POST ${url} returned a body that is not JSON: ${text.slice(0, 200)}`, url, response.status, false);
    }
    return parseRerankResponse(body, documents.length, url);
  }

  // The same backoff as the model layer: jittered exponential, and the server's Retry-After when it sends one.
  const delayMs = policyDelay(resolveRetryPolicy({ maxRetries, ...options.retryPolicy }));
  function withRetries(query: string, documents: readonly string[]): Promise<number[]> {
    return retryWithBackoff(() => once(query, documents), {
      shouldRetry: (e) => HttpRerankError.isInstance(e) && e.retryable,
      delayMs,
      maxRetries,
      // The last error names the URL and status; that is what a caller (and its log) needs.
      createRetryError: (_reason, errors) => errors.at(-1) as Error,
      onRetry: (e, attempt, waitMs) => logger?.warn({ url, attempt, waitMs, err: (e as Error).message }, 'rerank request failed; retrying'),
    });
  }

  return {
    id: `http-rerank:${model}`,
    async score(pairs: readonly RelevancePair[]) {
      // One request per query (and per batch of its documents): rerank APIs score one query against many texts.
      const byQuery = new Map<string, number[]>();
      pairs.forEach((p, i) => byQuery.set(p.query, [...(byQuery.get(p.query) ?? []), i]));
      const out = new Array<number>(pairs.length);
      const jobs: Promise<void>[] = [];
      for (const [query, indices] of byQuery) {
        for (let i = 0; i < indices.length; i += batchSize) {
          const batch = indices.slice(i, i + batchSize);
          jobs.push(
            limit(async () => {
              const scores = await withRetries(query, batch.map((j) => pairs[j].text));
              batch.forEach((j, k) => (out[j] = scores[k]));
            }),
          );
        }
      }
      await Promise.all(jobs);
      return out;
    },
  };
}
