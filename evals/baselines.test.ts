import { describe, expect, it } from 'vitest';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { Order, UserHistory } from '../catalogue/types.js';
import { ownReordersRanking, popularityRanking } from './baselines.js';

const order = (number: number): Order => ({ id: 100 + number, userId: 1, evalSet: 'prior', number, dow: 0, hour: 9, daysSincePrior: undefined });
const lines = (orderNumber: number, ...productIds: number[]) =>
  productIds.map((productId, i) => ({ orderId: 100 + orderNumber, productId, addToCartOrder: i + 1, reordered: false }));

describe('baselines', () => {
  it('popularity ranks by history orders, ties to the lower id, and leaves out never-ordered products', () => {
    const stats: CatalogueStats = { productOrders: new Map([[5, 3], [2, 9], [7, 3], [9, 0]]), aisleLines: new Map(), totalOrders: 10, popularity: () => 0 };
    expect(popularityRanking(stats)).toEqual([2, 5, 7]);
  });

  it('own reorders rank by orders containing the product (a repeat line counts once), ties to the most recent', () => {
    const history: Pick<UserHistory, 'history'> = {
      history: [
        { order: order(1), lines: lines(1, 10, 11, 11, 12) },
        { order: order(2), lines: lines(2, 10, 13) },
        { order: order(3), lines: lines(3, 10, 12) },
      ],
    };
    // 10: 3 orders; 12: 2; 11: 1 (last in order 1); 13: 1 (last in order 2) → 13 before 11
    expect(ownReordersRanking(history)).toEqual([10, 12, 13, 11]);
  });
});
