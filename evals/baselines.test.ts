import { describe, expect, it } from 'vitest';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { Order, UserHistory } from '../catalogue/types.js';
import { coPurchaseRanking, discoveryOnlyRanking, ownReordersRanking, popularityRanking, popularityUnseenRanking } from './baselines.js';
import { discoveryScorer, discoveryUserOf } from '../catalogue/discovery.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { catalogueOf } from '../testing/catalogue-builder.js';
import { emptyStats, statsOfBaskets } from '../catalogue/stats.js';

const order = (seq: number, ...productIds: number[]): Order => ({
  id: String(100 + seq),
  userId: '1',
  seq,
  day: undefined,
  dow: 0,
  hour: 9,
  lines: productIds.map((id) => ({ productId: String(id), quantity: 1, reordered: false })),
});

describe('baselines', () => {
  it('popularity ranks by history orders, ties to the lower id, and leaves out never-ordered products', () => {
    const stats: CatalogueStats = { ...emptyStats(), productOrders: new Map([['5', 3], ['2', 9], ['7', 3], ['9', 0]]), totalOrders: 10 };
    expect(popularityRanking(stats)).toEqual(['2', '5', '7']);
  });

  it('own reorders rank by orders containing the product (a repeat line counts once), ties to the most recent', () => {
    const history: Pick<UserHistory, 'history'> = {
      history: [
        order(1, 10, 11, 11, 12),
        order(2, 10, 13),
        order(3, 10, 12),
      ],
    };
    // 10: 3 orders; 12: 2; 11: 1 (last in order 1); 13: 1 (last in order 2) → 13 before 11
    expect(ownReordersRanking(history)).toEqual(['10', '12', '13', '11']);
  });

  it('popularity-unseen skips what the user owns and stops at n', () => {
    expect(popularityUnseenRanking(['2', '5', '7', '8'], new Set(['5']), 2)).toEqual(['2', '7']);
  });

  it('co-purchase ranks new products by Σ share × P(j | owned), then fills from popularity', () => {
    const catalogue = catalogueOf({ departments: [['d', 'D']], categories: [['c', 'C', 'd']], products: ['10', '20', '30', '40', '50'].map((id) => ({ id, name: id, categoryId: 'c' })) });
    // 10 is bought with 20 in two baskets of three and with 30 in one; 40 and 50 are only bought alone, 50 more often.
    const stats = statsOfBaskets([['10', '20'], ['10', '20'], ['10', '30'], ['40'], ['50'], ['50']], catalogue);
    const history = { history: [order(1, 10), order(2, 10)] };
    expect(coPurchaseRanking(history, stats, 4)).toEqual(['20', '30', '50', '40']);
    expect(coPurchaseRanking(history, stats, 1)).toEqual(['20']);
  });

  it("discovery-only ranks new products by the page's discovery model, then fills from popularity", () => {
    const catalogue = catalogueOf({ departments: [['d', 'D']], categories: [['c', 'C', 'd']], products: ['10', '20', '30', '40', '50'].map((id) => ({ id, name: id, categoryId: 'c' })) });
    const stats = statsOfBaskets([['10', '20'], ['10', '20'], ['10', '30'], ['40'], ['50'], ['50']], catalogue);
    type DiscoveryFields = 'userId' | 'historyOrders' | 'productAffinity' | 'reorderPropensity' | 'categoryAffinity' | 'recentProducts' | 'reorderRate';
    const fields: Pick<UserContext, DiscoveryFields> = { userId: '1', historyOrders: 2, productAffinity: { '10': 1 }, reorderPropensity: { '10': 0.9 }, categoryAffinity: { c: 1 }, recentProducts: [{ id: '10', name: '10', categoryId: 'c' }], reorderRate: 0.5 };
    const context = fields as UserContext;
    const model = discoveryScorer(discoveryUserOf(context), stats, catalogue).ranked().map((x) => x.productId);
    // The co-bought ones first, in the model's order; then 50 and 40 by popularity; never 10, which they own.
    expect(model.sort()).toEqual(['20', '30']);
    const ranked = discoveryOnlyRanking(context, stats, catalogue, 4);
    expect(ranked.slice(0, 2)).toEqual(discoveryScorer(discoveryUserOf(context), stats, catalogue).ranked().map((x) => x.productId));
    expect(ranked.slice(2)).toEqual(['50', '40']);
    expect(discoveryOnlyRanking(context, stats, catalogue, 1)).toHaveLength(1);
  });
});
