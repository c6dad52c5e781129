import { createHash } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import type { Logger } from 'pino';
import type { FieldCondition, Filter, Payload, SearchHit, VectorStore } from './store.js';

export interface QdrantStoreOptions {
  readonly url: string;
  readonly apiKey?: string;
  /** Per-request timeout; the client's own default is 300 s. */
  readonly timeoutMs?: number;
  /** Points per upsert request. */
  readonly batchSize?: number;
  readonly logger?: Logger;
}

/** Payload field holding the caller's string id; Qdrant ids must be integers or UUIDs. */
export const ID_FIELD = 'hubgen_id';

const HOW_TO_FIX = 'Start it with `docker compose up -d qdrant` or set QDRANT_URL / vectorStore.url';

/** Qdrant cannot be reached or refuses us: one error that says where and what to do. */
export class QdrantUnavailableError extends Error {
  constructor(
    readonly url: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`Qdrant at ${url} is not usable: ${reason}. ${HOW_TO_FIX}.`, options);
    this.name = 'QdrantUnavailableError';
  }
}

/** A deterministic UUID (v5 layout) for a caller's id, so the same id always maps to the same point. */
export function pointUuid(id: string): string {
  const h = createHash('sha1').update(id, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

type QdrantCondition = { key: string; match: { value: string | number | boolean } | { any: (string | number)[] } };

function toQdrantCondition(c: FieldCondition): QdrantCondition {
  return { key: c.key, match: 'value' in c.match ? { value: c.match.value } : { any: [...c.match.any] as string[] | number[] } as { any: (string | number)[] } };
}

/** Our Filter → Qdrant's: the same must / must_not semantics, array fields match on any element. */
export function toQdrantFilter(filter: Filter | undefined): { must?: QdrantCondition[]; must_not?: QdrantCondition[] } | undefined {
  if (!filter) return undefined;
  const must = (filter.must ?? []).map(toQdrantCondition);
  const mustNot = (filter.mustNot ?? []).map(toQdrantCondition);
  if (must.length === 0 && mustNot.length === 0) return undefined;
  return { ...(must.length ? { must } : {}), ...(mustNot.length ? { must_not: mustNot } : {}) };
}

function describe(e: unknown): string {
  const err = e as { status?: number; data?: { status?: { error?: string } }; message?: string; cause?: { code?: string; message?: string } };
  return err?.data?.status?.error ?? err?.cause?.message ?? err?.message ?? String(e);
}

/** Connection refused, DNS failure, timeout, bad key: the server is unusable, not the request wrong. */
function unavailableReason(e: unknown): string | undefined {
  const err = e as { name?: string; status?: number; message?: string; cause?: { code?: string; message?: string } };
  if (err?.status === 401 || err?.status === 403) return `it rejected the API key (HTTP ${err.status}); set the variable named by vectorStore.apiKeyEnv`;
  if (err?.name === 'QdrantClientTimeoutError') return 'the request timed out';
  const code = err?.cause?.code;
  if (code) return `${code}${err.cause?.message ? ` (${err.cause.message})` : ''}`;
  if (err instanceof TypeError && /fetch failed/i.test(err.message ?? '')) return err.message!;
  return undefined;
}

/**
 * VectorStore on a Qdrant server. Collections use cosine distance; ids become UUIDs derived from
 * the caller's id, which is kept in the payload under `hubgen_id` and stripped from results.
 */
export async function openQdrantStore({ url, apiKey, timeoutMs = 30_000, batchSize = 256, logger }: QdrantStoreOptions): Promise<VectorStore> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QdrantUnavailableError(url, 'the URL is not valid');
  }
  const client = new QdrantClient({
    url: parsed.origin,
    apiKey,
    timeout: timeoutMs,
    // The check costs a request per client and only warns; versions are pinned in docker-compose.yml.
    checkCompatibility: false,
  });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const reason = unavailableReason(e);
      if (reason) throw new QdrantUnavailableError(url, reason, { cause: e });
      throw new Error(`Qdrant ${what} failed: ${describe(e)}`, { cause: e });
    }
  }

  // Fail once, here, with the clear error, rather than on the first real call.
  await call('health check', () => client.getCollections());
  logger?.debug({ url }, 'connected to Qdrant');

  async function dims(name: string): Promise<number | undefined> {
    const { exists } = await call(`collectionExists(${name})`, () => client.collectionExists(name));
    if (!exists) return undefined;
    const info = await call(`getCollection(${name})`, () => client.getCollection(name));
    const vectors = info.config.params.vectors as { size?: number } | undefined;
    if (typeof vectors?.size !== 'number') throw new Error(`Qdrant collection "${name}" does not have a single unnamed vector; hubgen cannot use it`);
    return vectors.size;
  }

  return {
    kind: 'qdrant',
    async ensureCollection(name, dimensions) {
      if (!Number.isInteger(dimensions) || dimensions < 1) throw new Error(`Qdrant store: dimensions must be a positive integer, got ${dimensions}`);
      const have = await dims(name);
      if (have === undefined) {
        await call(`createCollection(${name})`, () => client.createCollection(name, { vectors: { size: dimensions, distance: 'Cosine' } }));
      } else if (have !== dimensions) {
        throw new Error(`Qdrant collection "${name}" has ${have} dimensions, not ${dimensions} (drop it to change the embedder)`);
      }
    },
    async hasCollection(name) {
      return (await call(`collectionExists(${name})`, () => client.collectionExists(name))).exists;
    },
    async dropCollection(name) {
      await call(`deleteCollection(${name})`, () => client.deleteCollection(name));
    },
    async upsert(name, points) {
      for (let i = 0; i < points.length; i += batchSize) {
        const batch = points.slice(i, i + batchSize).map((p) => ({ id: pointUuid(p.id), vector: Array.from(p.vector), payload: { ...p.payload, [ID_FIELD]: p.id } }));
        await call(`upsert into ${name}`, () => client.upsert(name, { wait: true, points: batch }));
      }
    },
    async search(name, vector, { k, filter }) {
      if (!Number.isInteger(k) || k < 0) throw new Error(`Qdrant store: k must be a non-negative integer, got ${k}`);
      if (k === 0) return [];
      const res = await call(`query ${name}`, () => client.query(name, { query: Array.from(vector), limit: k, filter: toQdrantFilter(filter), with_payload: true }));
      return res.points.map((p): SearchHit => {
        const { [ID_FIELD]: id, ...payload } = (p.payload ?? {}) as Payload;
        return { id: String(id ?? p.id), score: p.score, payload };
      });
    },
    async delete(name, ids) {
      if (ids.length === 0) return;
      await call(`delete from ${name}`, () => client.delete(name, { wait: true, points: ids.map(pointUuid) }));
    },
    async count(name) {
      return (await call(`count ${name}`, () => client.count(name, { exact: true }))).count;
    },
    async close() {},
  };
}
