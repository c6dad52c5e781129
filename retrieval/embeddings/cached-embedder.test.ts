import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import type { Embedder } from './embedder.js';
import { cachedEmbedder, modelDirName } from './cached-embedder.js';

/** A hashing embedder that records every text it is asked to embed, optionally slowly. */
function countingEmbedder(delayMs = 0): Embedder & { calls: string[][] } {
  const base = hashingEmbedder(16);
  const calls: string[][] = [];
  return {
    id: 'test-counting-16',
    dimensions: 16,
    calls,
    async embed(texts) {
      calls.push([...texts]);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return base.embed(texts);
    },
    close: async () => {},
  };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hubgen-embcache-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('cachedEmbedder', () => {
  it('embeds only misses, and a second call is all hits with equal vectors', async () => {
    const inner = countingEmbedder();
    const e = cachedEmbedder(inner, { dir: tempDir() });
    const first = await e.embed(['milk', 'bread', 'milk']);
    expect(inner.calls).toEqual([['milk', 'bread']]);
    expect(e.stats()).toMatchObject({ misses: 2, hits: 1 });
    const second = await e.embed(['bread', 'eggs', 'milk']);
    expect(inner.calls[1]).toEqual(['eggs']);
    expect(Array.from(second[0])).toEqual(Array.from(first[1]));
    expect(Array.from(second[2])).toEqual(Array.from(first[0]));
    expect(e.stats()).toMatchObject({ misses: 3, hits: 3, entries: 3 });
    await e.close();
  });

  it('costs: a cached text or a repeat costs nothing, others what the model says; no costs without the model’s', async () => {
    const inner = countingEmbedder();
    const withCosts = cachedEmbedder({ ...inner, costs: async (texts) => texts.map((t) => t.length) }, { dir: tempDir() });
    await withCosts.embed(['milk']);
    expect(await withCosts.costs!(['milk', 'bread', 'bread', 'eggs!'])).toEqual([0, 5, 0, 5]);
    expect(cachedEmbedder(inner, { dir: tempDir() }).costs).toBeUndefined();
  });

  it('returns copies, so a caller mutating a vector does not poison the cache', async () => {
    const e = cachedEmbedder(countingEmbedder(), { dir: tempDir() });
    const [a] = await e.embed(['tea']);
    const original = a[0];
    a[0] = 42;
    const [b] = await e.embed(['tea']);
    expect(b[0]).toBe(original);
    await e.close();
  });

  it('reads the cache on first use, so it sees what another process wrote after it was created', async () => {
    const dir = tempDir();
    const early = countingEmbedder();
    const e1 = cachedEmbedder(early, { dir });
    const e2 = cachedEmbedder(countingEmbedder(), { dir });
    await e2.embed(['apples']);
    await e2.close();
    await e1.embed(['apples']);
    expect(early.calls).toEqual([]);
    await e1.close();
  });

  it('persists across instances: a new instance over the same dir embeds nothing', async () => {
    const dir = tempDir();
    const e1 = cachedEmbedder(countingEmbedder(), { dir });
    const v1 = await e1.embed(['apples', 'pears']);
    await e1.close();
    expect(readdirSync(join(dir, modelDirName('test-counting-16'))).length).toBe(1);

    const inner2 = countingEmbedder();
    const e2 = cachedEmbedder(inner2, { dir });
    const v2 = await e2.embed(['pears', 'apples']);
    expect(inner2.calls).toEqual([]);
    expect(e2.stats()).toMatchObject({ hits: 2, misses: 0, entries: 2 });
    expect(Array.from(v2[0])).toEqual(Array.from(v1[1]));
    await e2.close();
  });

  it('ignores a torn tail left by a crash mid-write, keeps the good records and keeps working', async () => {
    const dir = tempDir();
    const e1 = cachedEmbedder(countingEmbedder(), { dir });
    await e1.embed(['a', 'b', 'c']);
    await e1.close();
    const modelDir = join(dir, modelDirName('test-counting-16'));
    const shard = join(modelDir, readdirSync(modelDir)[0]);
    const recordBytes = statSync(shard).size / 3;
    // Crash mid-way through the third record, then garbage from a half-flushed page.
    truncateSync(shard, Math.floor(recordBytes * 2.5));
    appendFileSync(shard, Buffer.alloc(recordBytes, 0));

    const inner = countingEmbedder();
    const e2 = cachedEmbedder(inner, { dir });
    expect(e2.stats()).toMatchObject({ entries: 2 });
    expect(e2.stats().skippedOnLoad).toBeGreaterThan(0);
    await e2.embed(['a', 'b', 'c']);
    expect(inner.calls).toEqual([['c']]);
    await e2.close();

    const e3 = cachedEmbedder(countingEmbedder(), { dir });
    expect(e3.stats().entries).toBe(3);
    await e3.close();
  });

  it('detects a corrupted record by checksum', async () => {
    const dir = tempDir();
    const e1 = cachedEmbedder(countingEmbedder(), { dir });
    await e1.embed(['x', 'y']);
    await e1.close();
    const modelDir = join(dir, modelDirName('test-counting-16'));
    const shard = join(modelDir, readdirSync(modelDir)[0]);
    const size = statSync(shard).size;
    // Overwrite the last record with a same-length record of ones (right size, wrong checksum).
    truncateSync(shard, size / 2);
    appendFileSync(shard, Buffer.alloc(size / 2, 1));
    const e2 = cachedEmbedder(countingEmbedder(), { dir });
    expect(e2.stats()).toMatchObject({ entries: 1, skippedOnLoad: 1 });
    await e2.close();
  });

  it('embeds a new text once when concurrent calls ask for it', async () => {
    const inner = countingEmbedder(30);
    const e = cachedEmbedder(inner, { dir: tempDir() });
    const [r1, r2, r3] = await Promise.all([e.embed(['kale', 'rice']), e.embed(['kale']), e.embed(['rice', 'beans'])]);
    expect(inner.calls.flat().sort()).toEqual(['beans', 'kale', 'rice']);
    expect(Array.from(r2[0])).toEqual(Array.from(r1[0]));
    expect(Array.from(r3[0])).toEqual(Array.from(r1[1]));
    await e.close();
  });

  it('keeps different models apart', async () => {
    const dir = tempDir();
    const a = cachedEmbedder(countingEmbedder(), { dir });
    await a.embed(['soup']);
    await a.close();
    const other = hashingEmbedder(8);
    const b = cachedEmbedder(other, { dir });
    const [v] = await b.embed(['soup']);
    expect(v.length).toBe(8);
    expect(b.stats()).toMatchObject({ misses: 1, hits: 0 });
    await b.close();
  });

  it('surfaces a failing model to every caller waiting on the text, and does not cache it', async () => {
    let fail = true;
    const inner: Embedder = {
      id: 'test-flaky',
      dimensions: 4,
      embed: async (texts) => {
        await new Promise((r) => setTimeout(r, 10));
        if (fail) throw new Error('model down');
        return texts.map(() => new Float32Array([1, 0, 0, 0]));
      },
      close: async () => {},
    };
    const e = cachedEmbedder(inner, { dir: tempDir() });
    const results = await Promise.allSettled([e.embed(['q']), e.embed(['q'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await e.embed(['q']))[0][0]).toBe(1);
    await e.close();
  });

  it('rejects a model that returns vectors of the wrong size', async () => {
    const bad: Embedder = { id: 'test-bad', dimensions: 4, embed: async (t) => t.map(() => new Float32Array(3)), close: async () => {} };
    const e = cachedEmbedder(bad, { dir: tempDir() });
    await expect(e.embed(['z'])).rejects.toThrow(/3-d vector, expected 4/);
    await e.close();
  });

  it('reloads all of 100K cached vectors', async () => {
    const dir = tempDir();
    const dims = 512;
    const inner: Embedder = {
      id: 'test-bulk-512',
      dimensions: dims,
      embed: async (texts) => texts.map((_, i) => { const v = new Float32Array(dims); v[i % dims] = 1; return v; }),
      close: async () => {},
    };
    const e1 = cachedEmbedder(inner, { dir });
    const texts = Array.from({ length: 100_000 }, (_, i) => `text ${i}`);
    for (let i = 0; i < texts.length; i += 10_000) await e1.embed(texts.slice(i, i + 10_000));
    await e1.close();
    // How fast this reopens is a benchmark figure (npm run bench), not a test assertion.
    const e2 = cachedEmbedder(inner, { dir });
    expect(e2.stats().entries).toBe(100_000);
    await e2.close();
  });
});
