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
const user = { orderCounts: new Map([['whole', 3]]), owned: new Map([['whole', 0.8]]), categoryAffinity: { milk: 1 }, recent: ['whole'], reorderRate: 0.7 };

describe('discoveryFeatures', () => {
  const f = new Map(discoveryFeatures(user, stats, catalogue).map((x) => [x.productId, x]));

  it('scores only products co-bought with what the user owns or bought by their neighbours, never the owned ones', () => {
    expect([...f.keys()].sort()).toEqual(['greek', 'rye']);
    // Shoppers who bought oat milk alone are nobody's neighbour here: they share nothing with this user.
    expect(discoveryFeatures({ ...user, orderCounts: new Map([['oat', 1]]), owned: new Map([['oat', 1]]) }, stats, catalogue).map((x) => x.productId)).toEqual([]);
  });

  it('weighs what the shoppers most like them bought: knn(j) = Σ sim·w ÷ Σ sim', () => {
    // Each basket is one shopper; idf = ln(7 ÷ buyers) + 0.1. The user (whole milk) is like the three
    // whole-milk shoppers: two also bought Greek yogurt, one rye.
    const idf = (buyers: number) => Math.log(7 / buyers) + 0.1;
    const [a, b, c] = [idf(3), idf(2), idf(4)]; // whole, greek, rye
    const [n1, n3] = [Math.hypot(a, b), Math.hypot(a, c)];
    const [s1, s3] = [a / n1, a / n3]; // cosine to a whole+greek and to the whole+rye shopper, up to the user's own length
    expect(f.get('greek')!.neighbourScore).toBeCloseTo((2 * s1 * (b / n1)) / (2 * s1 + s3), 12);
    expect(f.get('rye')!.neighbourScore).toBeCloseTo((s3 * (c / n3)) / (2 * s1 + s3), 12);
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

  it("reads what goes with their latest products, how many shoppers bought it and how much they try new things", () => {
    // Recent is whole milk alone here: recent lift is the lift.
    expect(f.get('greek')!.recentLift).toBeCloseTo(f.get('greek')!.lift, 12);
    // Each basket is a different shopper's: rye is in 4 of 7.
    expect(f.get('rye')!.buyerShare).toBeCloseTo(4 / 7, 12);
    expect(f.get('greek')!.newItemShare).toBeCloseTo(0.3, 12);
    // Lately they bought rye: bagels (1 of rye's 4 baskets, 1 of 7 overall) lift by 7/4 beside it, yogurt not at all.
    const lately = new Map(discoveryFeatures({ ...user, recent: ['rye'] }, stats, catalogue, ['bagel', 'greek']).map((x) => [x.productId, x]));
    expect(lately.get('bagel')!.recentLift).toBeCloseTo(7 / 4, 12);
    expect(lately.get('greek')!.recentLift).toBe(0);
    expect(lately.get('greek')!.lift).toBeCloseTo(f.get('greek')!.lift, 12);
  });

  it('scores any named product, with zero co-purchase when it was never bought beside theirs', () => {
    const [bagel] = discoveryFeatures(user, stats, catalogue, ['bagel', 'whole']);
    expect(bagel.productId).toBe('bagel');
    expect(bagel.coPurchase).toBe(0);
  });
});

describe('discoveryScores', () => {
  it('are probabilities that rise with co-purchase lift, the share of shoppers who buy it and the user\'s department', () => {
    const p = discoveryScores(user, stats, catalogue, ['greek', 'rye', 'bagel']);
    for (const v of p.values()) expect(v).toBeGreaterThan(0);
    expect(p.get('greek')!).toBeGreaterThan(p.get('bagel')!);
    const w = discoveryWeights();
    expect(w.weights[w.inputs.indexOf('log_lift')]).toBeGreaterThan(0);
    // Popularity enters twice (orders and shoppers); together it raises the probability.
    expect(w.weights[w.inputs.indexOf('log_buyer_share')] + w.weights[w.inputs.indexOf('log_popularity')]).toBeGreaterThan(0);
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

  it('reads a user context: its products weighted by reorder propensity, its latest products, its reorder rate', () => {
    const u = discoveryUserOf({
      userId: '7',
      historyOrders: 4,
      productAffinity: { whole: 0.75, rye: 0.25 },
      reorderPropensity: { whole: 0.8 },
      categoryAffinity: { milk: 1 },
      recentProducts: [{ id: 'whole', name: 'Whole Milk', categoryId: 'milk' }],
      reorderRate: 0.7,
    });
    expect(u.userId).toBe('7');
    expect(u.orderCounts).toEqual(new Map([['whole', 3], ['rye', 1]]));
    expect(u.owned).toEqual(new Map([['whole', 0.8]]));
    expect(u.recent).toEqual(['whole']);
    expect(u.reorderRate).toBe(0.7);
  });
});

