import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { realCatalogue } from '../../testing/real-data.js';
import type { Catalogue } from '../../catalogue/types.js';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { localRelevanceScorer, validateRelevanceWeights } from './local-relevance.js';
import { mulberry32 } from '../../base/random.js';
import { buildSilverPairs, bundledWeightsPath, classifierMetrics, trainAndWriteRelevance, trainRelevanceFor } from './train.js';
import { fitLogistic } from '../../base/logistic.js';

describe('training primitives', () => {
  it("the trainer's PRNG (mulberry32) is deterministic per seed", () => {
    const a = mulberry32(3);
    const b = mulberry32(3);
    const c = mulberry32(4);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('fitLogistic separates a separable problem and learns the sign of each feature', () => {
    const rnd = mulberry32(1);
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const label = i % 2;
      // Feature 0 carries the label, feature 1 is noise.
      X.push([label + (rnd() - 0.5) * 0.8, rnd()]);
      y.push(label);
    }
    const fit = fitLogistic(X, y, { epochs: 500 });
    expect(fit.weights[0]).toBeGreaterThan(1);
    expect(Math.abs(fit.weights[1])).toBeLessThan(fit.weights[0] / 5);
    const p = (x: number[]) => 1 / (1 + Math.exp(-(fit.bias + x.reduce((s, v, j) => s + (fit.weights[j] * (v - fit.mean[j])) / fit.std[j], 0))));
    expect(classifierMetrics(X.map(p), y).accuracy).toBe(1);
  });

  it('classifierMetrics computes accuracy and a rank AUC (ties count half)', () => {
    expect(classifierMetrics([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toMatchObject({ accuracy: 1, auc: 1 });
    expect(classifierMetrics([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toMatchObject({ accuracy: 0, auc: 0 });
    expect(classifierMetrics([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]).auc).toBe(0.5);
    expect(classifierMetrics([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0])).toMatchObject({ accuracy: 0.5, auc: 0.75 });
  });
});

describe('silver pairs and training on the real catalogue', () => {
  let catalogue: Catalogue;
  beforeAll(async () => {
    catalogue = await realCatalogue();
  });

  it('trainRelevanceFor (the CLI) reports without touching the bundled weights unless given --out', async () => {
    const bundled = await readFile(bundledWeightsPath(), 'utf8');
    const report = await trainRelevanceFor({ catalogue, embedder: hashingEmbedder(), boundModel: 'hubgen-relevance-v1', seed: 3 });
    expect(report.out).toBeNull();
    expect(report.heldOut.model.auc).toBeGreaterThan(0.5);
    expect(await readFile(bundledWeightsPath(), 'utf8')).toBe(bundled);
  });

  it('balances labels, keeps held-out categories apart, and never uses a query phrase as its own positive', () => {
    const pairs = buildSilverPairs(catalogue, undefined, { seed: 5, perCategory: 4 });
    expect(pairs.filter((p) => p.label === 1).length).toBe(pairs.filter((p) => p.label === 0).length);
    expect(buildSilverPairs(catalogue, undefined, { seed: 5, perCategory: 4 })).toEqual(pairs);

    const categoryOfName = new Map([...catalogue.products.values()].map((p) => [p.name, p.categoryId]));
    const heldOutCategories = new Set(pairs.filter((p) => p.heldOut).flatMap((p) => p.categoryIds));
    expect(heldOutCategories.size).toBeGreaterThan(10);
    for (const p of pairs) {
      const category = categoryOfName.get(p.text)!;
      expect(heldOutCategories.has(category), `${p.text} (${p.heldOut ? 'held-out' : 'train'} pair)`).toBe(p.heldOut);
      expect(p.categoryIds.includes(category)).toBe(p.label === 1);
      expect(p.query.includes(p.text)).toBe(false);
    }
    const names = new Set(pairs.map((p) => catalogue.categories.get(p.categoryIds[0])!.name));
    expect(names.has('missing')).toBe(false);
    expect(names.has('other')).toBe(false);
  });

  it('trains, reports held-out metrics against a cosine baseline, and writes weights the scorer can load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-relevance-'));
    try {
      const out = join(dir, 'w.json');
      const report = await trainAndWriteRelevance({ catalogue, embedder: hashingEmbedder(), perCategory: 4, seed: 3, out });
      expect(report.out).toBe(out);
      expect(report.embedder).toBe('test-hashing-256');
      expect(report.pairs.train).toBeGreaterThan(report.pairs.heldOut);
      expect(report.heldOut.model.auc).toBeGreaterThan(0.6);
      expect(report.heldOut.cosineBaseline.auc).toBeGreaterThan(0.5);
      const weights = validateRelevanceWeights(JSON.parse(await readFile(out, 'utf8')), out);
      expect(weights.training.seed).toBe(3);
      const scorer = localRelevanceScorer({ model: 'hubgen-relevance-v1', embedder: hashingEmbedder(), weights });
      const [yes, no] = await scorer.score([
        { query: 'yogurt', text: 'Greek Yogurt Plain' },
        { query: 'yogurt', text: 'Paper Towels' },
      ]);
      expect(yes).toBeGreaterThan(no);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
