import { describe, expect, it } from 'vitest';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { Order, UserHistory } from '../catalogue/types.js';
import { ownReordersRanking, popularityRanking } from './baselines.js';

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
    const stats: CatalogueStats = { productOrders: new Map([['5', 3], ['2', 9], ['7', 3], ['9', 0]]), categoryLines: new Map(), totalOrders: 10, popularity: () => 0 };
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
});
