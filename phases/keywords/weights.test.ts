import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { makeTestCtx } from '../../testing/test-context.js';
import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import { evaluate, readLabelledFile, runDistill } from './distill.js';
import { candidateFeatures, themeTokens } from './features.js';
import { loadStudentWeights, pickDiverse, predictProbability, weightsPathFor, WEIGHTS_DIR } from './student.js';

/**
 * The shipped v1 weights on silver rows from themes that were held out of their training
 * (weights/silver-heldout.jsonl, written by `hubgen train-student` with USE-lite similarities).
 */
const HELD_OUT = join(WEIGHTS_DIR, 'silver-heldout.jsonl');

describe('student-v1 weights', async () => {
  const { weights } = loadStudentWeights(weightsPathFor('hubgen-student-v1'));
  const rows = await readLabelledFile(HELD_OUT);
  const themeOf = rows.map((r) => r.theme.id);
  const labels = rows.map((r) => r.chosen);
  const probabilities = rows.map((r) => predictProbability(weights, candidateFeatures(themeTokens(r.theme), { ...r.candidate, id: '' }, r.context)));

  it('were fitted on USE-lite similarities and document their training data', () => {
    expect(weights.embedderId).toBe('use-lite-512');
    expect(weights.trainedOn).toMatch(/silver labels on the Instacart 2017 catalogue/);
    expect(new Set(themeOf).size).toBeGreaterThanOrEqual(10);
  });

  it('beat the majority class and cosine-similarity ranking on held-out themes', () => {
    const student = evaluate(probabilities, labels, themeOf, weights.cutoff);
    const positives = labels.filter(Boolean).length;
    const majority = Math.max(positives, labels.length - positives) / labels.length;
    // Ranking each theme's candidates by cosine alone (the pruning order), top 5.
    const cosine = evaluate(rows.map((r) => r.candidate.similarity), labels, themeOf, Infinity);
    expect(student.accuracy).toBeGreaterThan(majority + 0.05);
    expect(student.precisionAt5).toBeGreaterThan(cosine.precisionAt5 + 0.1);
    expect(student.f1).toBeGreaterThan(0.6);
  });

  it('pick mostly positive keywords per held-out theme, without near-duplicates', () => {
    let right = 0;
    let picked = 0;
    for (const id of new Set(themeOf)) {
      const idx = rows.map((_, i) => i).filter((i) => themeOf[i] === id);
      const picks = pickDiverse(
        idx.map((i) => ({ candidate: { ...rows[i].candidate, id: String(i) }, probability: probabilities[i] })),
        { minKeywords: 5, maxKeywords: 12, cutoff: weights.cutoff },
      );
      expect(picks.length).toBeGreaterThanOrEqual(5);
      expect(new Set(picks.map((p) => p.candidate.text)).size).toBe(picks.length);
      picked += picks.length;
      right += picks.filter((p) => labels[Number(p.candidate.id)]).length;
    }
    expect(right / picked).toBeGreaterThan(0.7);
  });

  it('are reported against when distilling from a labelled file', async () => {
    // The rows carry USE-lite similarities: the context must say it embeds with the same model.
    const embedder: Embedder = { id: 'use-lite-512', dimensions: 512, embed: async () => [], close: async () => {} };
    const ctx = makeTestCtx({ config: loadConfig({ env: {}, cwd: '/nonexistent' }), embedder });
    const report = await runDistill({ ctx, from: HELD_OUT, holdoutShare: 0.3, seed: 3 });
    expect(report.previousModel).toBe('hubgen-student-v1');
    expect(report.previousAccuracy).toBeGreaterThan(report.baselineAccuracy);
    expect(report.written).toBeUndefined();
    expect(report.heldOutThemes).toBeGreaterThanOrEqual(3);
  });
});
