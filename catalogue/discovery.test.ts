import { describe, expect, it } from 'vitest';
import { catalogueOf } from '../testing/catalogue-builder.js';
import { statsOfBaskets } from './stats.js';
import { discoveryFeatures, discoveryScorer, discoveryScores, discoveryUserOf, discoveryWeights } from './discovery.js';

const catalogue = catalogueOf({
  departments: [['dairy', 'Dairy'], ['bakery', 'Bakery']],
  categories: [['milk', 'Milk', 'dairy'], ['yogurt', 'Yogurt', 'dairy'], ['bread', 'Bread', 'bakery']],
  products: [
    { id: 'whole', name: 'Whole Milk', categoryId: 'milk' },
    { id: 'oat', name: 'Oat Milk', categoryId: 'milk' },
    { id: 'greek', name: 'Greek Yogurt', categoryId: 'yogurt' },
    { id: 'rye', name: 'Rye Bread', categoryId: 'bread' },
    { id: 'bagel', name: 'Bagels', categoryId: 'bread' },
  ],
});
// Whole milk goes with Greek yogurt; rye is popular on its own; bagels once.
const stats = statsOfBaskets([['whole', 'greek'], ['whole', 'greek'], ['whole', 'rye'], ['rye'], ['rye'], ['rye', 'bagel'], ['oat']], catalogue);
const user = { owned: new Map([['whole', 0.8]]), categoryAffinity: { milk: 1 } };

describe('discoveryFeatures', () => {
  const f = new Map(discoveryFeatures(user, stats, catalogue).map((x) => [x.productId, x]));

  it('scores only products co-bought with what the user owns, never the owned ones', () => {
    expect([...f.keys()].sort()).toEqual(['greek', 'rye']);
  });

  it('computes co-purchase, lift, popularity and popularity within the category', () => {
    const greek = f.get('greek')!;
    expect(greek.coPurchase).toBeCloseTo(2 / 3, 12); // 2 of whole milk's 3 baskets
    expect(greek.popularity).toBeCloseTo(2 / 7, 12);
    expect(greek.lift).toBeCloseTo(2 / 3 / (2 / 7), 12);
    expect(greek.popularityInCategory).toBe(1); // the only yogurt
    expect(f.get('rye')!.popularityInCategory).toBe(1); // in every bread basket
  });

  it("reads the user's category and department shares", () => {
    expect(f.get('greek')!.categoryAffinity).toBe(0);
    expect(f.get('greek')!.departmentAffinity).toBe(1); // dairy, through milk
    expect(f.get('rye')!.departmentAffinity).toBe(0);
  });

  it('scores any named product, with zero co-purchase when it was never bought beside theirs', () => {
    const [bagel] = discoveryFeatures(user, stats, catalogue, ['bagel', 'whole']);
    expect(bagel.productId).toBe('bagel');
    expect(bagel.coPurchase).toBe(0);
  });
});

describe('discoveryScores', () => {
  it('are probabilities that rise with co-purchase lift and with the user\'s department', () => {
    const p = discoveryScores(user, stats, catalogue, ['greek', 'rye', 'bagel']);
    for (const v of p.values()) expect(v).toBeGreaterThan(0);
    expect(p.get('greek')!).toBeGreaterThan(p.get('bagel')!);
    const w = discoveryWeights();
    expect(w.weights[w.inputs.indexOf('log_lift')]).toBeGreaterThan(0);
    expect(w.weights[w.inputs.indexOf('log_popularity')]).toBeGreaterThan(0);
  });
});

describe('discoveryScorer', () => {
  const scorer = discoveryScorer(user, stats, catalogue);

  it('scores like discoveryScores, and 0 for what the user owns or the catalogue lacks', () => {
    const batch = discoveryScores(user, stats, catalogue, ['greek', 'rye', 'bagel']);
    for (const [id, p] of batch) expect(scorer.score(id)).toBe(p);
    expect(scorer.score('whole')).toBe(0);
    expect(scorer.score('caviar')).toBe(0);
  });

  it('ranks the products co-bought with theirs, likeliest first', () => {
    const ranked = scorer.ranked();
    expect(ranked.map((r) => r.productId).sort()).toEqual(['greek', 'rye']);
    expect(ranked[0].score).toBeGreaterThanOrEqual(ranked[1].score);
  });

  it('reads a user context: its products weighted by reorder propensity', () => {
    const u = discoveryUserOf({ reorderPropensity: { whole: 0.8 }, categoryAffinity: { milk: 1 } });
    expect(u.owned).toEqual(new Map([['whole', 0.8]]));
  });
});

