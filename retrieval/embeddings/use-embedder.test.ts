import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { useEmbedder } from './use-embedder.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('USE-lite embedder (real model, worker threads)', () => {
  const embedder = useEmbedder({ workers: 2, batchSize: 3 });
  afterAll(() => embedder.close());

  it('returns 512-d unit vectors, identical for the same text whatever the batch', async () => {
    const texts = ['organic bananas', 'whole milk', 'dish soap', 'sparkling water', 'organic bananas', ''];
    const vecs = await embedder.embed(texts);
    expect(embedder.id).toBe('use-lite-512');
    expect(vecs).toHaveLength(texts.length);
    for (const v of vecs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(512);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
    // Same text in different batches (batchSize 3) and in a later, separate call.
    expect(Array.from(vecs[4])).toEqual(Array.from(vecs[0]));
    const [again] = await embedder.embed(['organic bananas']);
    for (let i = 0; i < 512; i++) expect(again[i]).toBeCloseTo(vecs[0][i], 6);
    // A token-less text ends a batch above; it must still get its own, position-independent row.
    const [emptyFirst] = await embedder.embed(['', 'x']);
    for (let i = 0; i < 512; i++) expect(emptyFirst[i]).toBeCloseTo(vecs[5][i], 6);
  });

  it('counts tokens as its costs, and a text gets the same vector whatever its neighbours’ lengths', async () => {
    const texts = ['milk', 'organic unsweetened vanilla almond milk beverage', '', 'eggs', 'chocolate sandwich cookies'];
    const costs = await embedder.costs!(texts);
    expect(costs[2]).toBe(0);
    expect(costs[0]).toBeGreaterThan(0);
    expect(costs[1]).toBeGreaterThan(costs[4]);
    expect(costs[4]).toBeGreaterThan(costs[0]);
    // One task (the worker reorders by token count inside it) vs each text alone.
    const wide = useEmbedder({ workers: 1, batchSize: 16, modelBatch: 2 });
    try {
      const together = await wide.embed(texts);
      for (const [i, t] of texts.entries()) {
        const [alone] = await wide.embed([t]);
        for (let d = 0; d < 512; d += 37) expect(together[i][d]).toBeCloseTo(alone[d], 5);
      }
    } finally {
      await wide.close();
    }
  });

  it('puts similar texts closer than unrelated ones', async () => {
    const [pasta, spaghetti, detergent] = await embedder.embed(['spaghetti pasta', 'penne pasta with tomato sauce', 'laundry detergent']);
    expect(dot(pasta, spaghetti)).toBeGreaterThan(dot(pasta, detergent) + 0.1);
  });

  it('rejects non-string input with the index named', async () => {
    await expect(embedder.embed(['ok', 42 as unknown as string])).rejects.toThrow(/index 1 is number/);
  });

  it('refuses to embed after close, and close is idempotent', async () => {
    const e = useEmbedder({ workers: 1 });
    await e.close();
    await e.close();
    await expect(e.embed(['x'])).rejects.toThrow(/after close/);
  });
});

describe('USE worker under `tsx` (how the CLI runs)', () => {
  it('loads and embeds in a child process started with the tsx loader', async () => {
    const script = `
      import { useEmbedder } from ${JSON.stringify(fileURLToPath(new URL('./use-embedder.ts', import.meta.url)))};
      const e = useEmbedder({ workers: 1 });
      const [v] = await e.embed(['apple juice']);
      console.log(JSON.stringify({ n: v.length }));
      await e.close();
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ n: 512 });
  });
});
