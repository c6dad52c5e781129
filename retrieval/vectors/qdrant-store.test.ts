import { describe, expect, it } from 'vitest';
import { runVectorStoreContract } from '../../testing/vector-store-contract.js';
import { openQdrantStore, pointUuid, QdrantUnavailableError, toQdrantFilter } from './qdrant-store.js';

const QDRANT_URL = process.env.QDRANT_URL;

describe.skipIf(!QDRANT_URL)(QDRANT_URL ? `qdrant at ${QDRANT_URL}` : 'qdrant (skipped: set QDRANT_URL to run, e.g. after docker compose up -d qdrant)', () => {
  runVectorStoreContract('qdrant', () => ({ open: () => openQdrantStore({ url: QDRANT_URL!, apiKey: process.env.QDRANT_API_KEY }) }), { persistent: true });
});

describe('qdrant store without a server', () => {
  it('fails fast with one clear error naming the URL and how to fix it', async () => {
    const started = performance.now();
    const err = await openQdrantStore({ url: 'http://127.0.0.1:1', timeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QdrantUnavailableError);
    expect((err as Error).message).toMatch(/Qdrant at http:\/\/127\.0\.0\.1:1 is not usable/);
    expect((err as Error).message).toMatch(/docker compose up -d qdrant/);
    expect((err as Error).message).toMatch(/QDRANT_URL \/ vectorStore\.url/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('rejects a malformed URL the same way', async () => {
    await expect(openQdrantStore({ url: 'not a url' })).rejects.toThrow(/Qdrant at not a url is not usable: the URL is not valid/);
  });

  it('maps ids to stable, distinct UUIDs', () => {
    expect(pointUuid('p:1')).toBe(pointUuid('p:1'));
    expect(pointUuid('p:1')).not.toBe(pointUuid('p:2'));
    expect(pointUuid('kw:organic milk')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('translates filters to Qdrant syntax', () => {
    expect(toQdrantFilter(undefined)).toBeUndefined();
    expect(toQdrantFilter({ must: [], mustNot: [] })).toBeUndefined();
    expect(
      toQdrantFilter({ must: [{ key: 'departmentId', match: { any: [4, 16] } }], mustNot: [{ key: 'kind', match: { value: 'brand' } }] }),
    ).toEqual({ must: [{ key: 'departmentId', match: { any: [4, 16] } }], must_not: [{ key: 'kind', match: { value: 'brand' } }] });
  });
});
