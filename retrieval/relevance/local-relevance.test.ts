import { afterAll, describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { useEmbedder } from '../embeddings/use-embedder.js';
import { loadRelevanceWeights, localRelevanceScorer, validateRelevanceWeights } from './local-relevance.js';
import { FEATURE_NAMES } from './features.js';

const theme = 'Greek yogurt breakfast: greek yogurt, granola, mixed berries, honey';
const THRESHOLD = 0.35; // the filter's default relevanceThreshold

describe('local relevance model (bundled weights)', () => {
  it('keeps a related keyword and removes an unrelated one (hashing embedder: lexical features carry it)', async () => {
    const scorer = localRelevanceScorer({ model: 'hubgen-relevance-v1', embedder: hashingEmbedder() });
    const [granola, yogurtProduct, laundry, catLitter] = await scorer.score(
      ['granola', 'Non-Fat Blueberry on the Bottom Greek Yogurt', 'laundry detergent', 'cat litter'].map((text) => ({ query: theme, text })),
    );
    expect(granola).toBeGreaterThan(THRESHOLD);
    expect(yogurtProduct).toBeGreaterThan(THRESHOLD);
    expect(laundry).toBeLessThan(THRESHOLD);
    expect(catLitter).toBeLessThan(THRESHOLD);
    for (const s of [granola, yogurtProduct, laundry, catLitter]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('records an honest training report: held-out categories, beating the cosine-only baseline', () => {
    const { weights } = loadRelevanceWeights('hubgen-relevance-v1');
    expect(weights.features).toEqual([...FEATURE_NAMES]);
    expect(weights.embedder).toBe('use-lite-512');
    const report = weights.training.report as { heldOut: { model: { auc: number }; cosineBaseline: { auc: number } }; categories: { heldOut: number } };
    expect(report.categories.heldOut).toBeGreaterThan(0);
    expect(report.heldOut.model.auc).toBeGreaterThan(report.heldOut.cosineBaseline.auc);
  });

  it('rejects weights computed for other features, naming the file', () => {
    const { weights } = loadRelevanceWeights('hubgen-relevance-v1');
    expect(() => validateRelevanceWeights({ ...weights, features: ['cosine'] }, 'w.json')).toThrow(/relevance weights w\.json use features \[cosine\], this code computes \[cosine, max_segment_cosine/);
    expect(() => validateRelevanceWeights({ ...weights, weights: [1] }, 'w.json')).toThrow('relevance weights w.json: weights has 1 values, expected 6');
    expect(() => validateRelevanceWeights({ format: 'x' }, 'w.json')).toThrow(/^relevance weights w\.json are invalid: /);
  });
});

// The embedder the weights were trained with; loads the real USE model (~10 s on 2 cores).
describe('local relevance model with the Universal Sentence Encoder', () => {
  const use = useEmbedder({ workers: 1 });
  afterAll(() => use.close());

  it('keeps a keyword related only in meaning (no shared words) and removes an unrelated one', async () => {
    const scorer = localRelevanceScorer({ model: 'hubgen-relevance-v1', embedder: use });
    const [blueberries, spaghetti, laundry] = await scorer.score(['blueberries', 'spaghetti', 'laundry detergent'].map((text) => ({ query: theme, text })));
    expect(blueberries).toBeGreaterThan(THRESHOLD);
    expect(laundry).toBeLessThan(THRESHOLD);
    expect(blueberries).toBeGreaterThan(spaghetti);
  });
});
