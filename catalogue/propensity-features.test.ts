import { describe, expect, it } from 'vitest';
import type { Order } from './types.js';
import { DEFAULT_REPEAT_RATE, PRIOR_BUYERS, productPriors, propensityFeatures, summariseHistory, type ProductPriors } from './propensity-features.js';

const order = (seq: number, day: number | undefined, ids: string[]): Order => ({
  id: `o${seq}`,
  userId: 'u',
  seq,
  day,
  dow: undefined,
  hour: undefined,
  lines: ids.map((productId) => ({ productId, quantity: 1, reordered: false })),
});

// Days 0, 10, 14, 30: a mean gap of 10 days, so the next order is expected on day 40.
const timed = [order(1, 0, ['A', 'B']), order(2, 10, ['A']), order(3, 14, ['A', 'C']), order(4, 30, ['B'])];
const byId = (orders: Order[]) => new Map(propensityFeatures(orders).map((f) => [f.productId, f]));
const byIdWith = (orders: Order[], priors: ProductPriors) => new Map(propensityFeatures(orders, priors).map((f) => [f.productId, f]));

describe('propensityFeatures on a hand-checked history', () => {
  const f = byId(timed);

  it('counts frequency and share of orders', () => {
    expect([f.get('A')!.orders, f.get('B')!.orders, f.get('C')!.orders]).toEqual([3, 2, 1]);
    expect([f.get('A')!.share, f.get('B')!.share, f.get('C')!.share]).toEqual([0.75, 0.5, 0.25]);
  });

  it('measures recency in orders: 0 when it was in the last order', () => {
    expect([f.get('A')!.ordersSinceLast, f.get('B')!.ordersSinceLast, f.get('C')!.ordersSinceLast]).toEqual([1, 0, 1]);
    expect([f.get('A')!.ordersToNext, f.get('B')!.ordersToNext]).toEqual([2, 1]);
  });

  it('measures days since the last purchase at the expected next order (last day + mean gap)', () => {
    // A last bought on day 14, B on day 30: 26 and 10 days before day 40.
    expect(f.get('A')!.daysSinceLast).toBe(26);
    expect(f.get('B')!.daysSinceLast).toBe(10);
    expect(f.get('C')!.daysSinceLast).toBe(26);
  });

  it("takes each product's own rhythm: mean days and orders between its purchases", () => {
    expect(f.get('A')!.typicalGapDays).toBe(7); // days 0, 10, 14
    expect(f.get('B')!.typicalGapDays).toBe(30); // days 0, 30
    expect(f.get('A')!.typicalGapOrders).toBe(1);
    expect(f.get('B')!.typicalGapOrders).toBe(3);
    // Bought once: no rhythm yet.
    expect(f.get('C')!.typicalGapDays).toBeUndefined();
    expect(f.get('C')!.typicalGapOrders).toBeUndefined();
  });

  it('smooths the repurchase rate since the first purchase with one pseudo-order each way', () => {
    // A: 2 of the 3 later orders, (2+1)/(3+2); B: 1 of 3, (1+1)/(3+2); C: 0 of 1, (0+1)/(1+2).
    expect(f.get('A')!.repurchaseRate).toBeCloseTo(0.6, 12);
    expect(f.get('B')!.repurchaseRate).toBeCloseTo(0.4, 12);
    expect(f.get('C')!.repurchaseRate).toBeCloseTo(1 / 3, 12);
  });

  it('counts the last five orders as recent', () => {
    const long = [...Array.from({ length: 6 }, (_, i) => order(i + 1, i * 7, i === 0 ? ['X', 'Y'] : ['Y']))];
    const g = byId(long);
    expect(g.get('X')!.recentShare).toBe(0); // only in the first of six orders
    expect(g.get('Y')!.recentShare).toBe(1);
  });

  it('summarises the user: orders, mean gap in days, basket and distinct products', () => {
    expect(summariseHistory(timed)).toEqual({ historyOrders: 4, meanOrderGapDays: 10, meanBasket: 1.5, distinctProducts: 3 });
  });
});

describe('propensityFeatures without days', () => {
  it('degrades to order counts: day features undefined, order features unchanged', () => {
    const untimed = timed.map((o) => ({ ...o, day: undefined }));
    const f = byId(untimed);
    const g = byId(timed);
    for (const id of ['A', 'B', 'C']) {
      expect(f.get(id)!.daysSinceLast).toBeUndefined();
      expect(f.get(id)!.typicalGapDays).toBeUndefined();
      expect({ ...f.get(id)!, daysSinceLast: 0, typicalGapDays: 0 }).toEqual({ ...g.get(id)!, daysSinceLast: 0, typicalGapDays: 0 });
    }
    expect(summariseHistory(untimed).meanOrderGapDays).toBeUndefined();
  });

  it('treats a history with one unknown day as having no days, rather than inventing a gap', () => {
    const partial = timed.map((o, i) => (i === 2 ? { ...o, day: undefined } : o));
    expect(byId(partial).get('A')!.daysSinceLast).toBeUndefined();
  });

  it('gives nothing for an empty history', () => {
    expect(propensityFeatures([])).toEqual([]);
  });
});

describe('productPriors', () => {
  // Five buyers of milk, four of whom bought it again; the catalogue-wide rate is 0.5.
  const stats = { productRepeat: new Map([['milk', { buyers: 5, repeaters: 4 }]]), repeatPrior: 0.5 };

  it('smooths the share of buyers who bought again toward the catalogue-wide rate', () => {
    expect(productPriors(stats, { includesUser: false }).repeatRate('milk', 1)).toBeCloseTo((4 + PRIOR_BUYERS * 0.5) / (5 + PRIOR_BUYERS));
    expect(productPriors(stats, { includesUser: false }).repeatRate('caviar', 1)).toBeCloseTo(0.5);
  });

  it("takes the user's own purchase out when the statistics include their history (leave-one-out)", () => {
    const priors = productPriors(stats, { includesUser: true });
    // A repeat buyer is one of the four repeaters; a one-time buyer one of the five buyers only.
    expect(priors.repeatRate('milk', 3)).toBeCloseTo((3 + PRIOR_BUYERS * 0.5) / (4 + PRIOR_BUYERS));
    expect(priors.repeatRate('milk', 1)).toBeCloseTo((4 + PRIOR_BUYERS * 0.5) / (4 + PRIOR_BUYERS));
  });

  it('reaches the features, and without statistics every product gets the same prior', () => {
    const withPriors = byIdWith(timed, productPriors({ productRepeat: new Map([['A', { buyers: 10, repeaters: 10 }]]), repeatPrior: 0.2 }, { includesUser: false }));
    expect(withPriors.get('A')!.productRepeat).toBeGreaterThan(withPriors.get('B')!.productRepeat);
    expect(new Set(propensityFeatures(timed).map((f) => f.productRepeat))).toEqual(new Set([DEFAULT_REPEAT_RATE]));
  });
});

