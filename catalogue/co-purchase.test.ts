import { describe, expect, it } from 'vitest';
import { buildCoPurchase } from './co-purchase.js';

// Four baskets: milk with cereal twice, milk with bread once, bread alone once.
const baskets = [['milk', 'cereal'], ['milk', 'cereal', 'cereal'], ['milk', 'bread'], ['bread']];

describe('buildCoPurchase', () => {
  const co = buildCoPurchase(baskets);

  it('counts orders per product, a product twice in a basket once', () => {
    expect(co.totalOrders).toBe(4);
    expect([co.ordersOf('milk'), co.ordersOf('cereal'), co.ordersOf('bread'), co.ordersOf('jam')]).toEqual([3, 2, 2, 0]);
  });

  it('gives P(j | i) for one product, leaving the product itself out', () => {
    // Of milk's 3 baskets, 2 hold cereal and 1 bread.
    const p = co.conditional(new Map([['milk', 1]]));
    expect(Object.fromEntries(p)).toEqual({ cereal: 2 / 3, bread: 1 / 3 });
  });

  it('averages P(j | i) over weighted products, and leaves every weighted product out', () => {
    // cereal: P(cereal|milk)=2/3, P(cereal|bread)=0; jam, never in a basket, still counts as weight: (3·2/3 + 1·0 + 5·0)/9.
    const p = co.conditional(new Map([['milk', 3], ['bread', 1], ['jam', 5]]));
    expect(p.get('cereal')).toBeCloseTo((3 * (2 / 3)) / 9, 12);
    expect(p.has('milk')).toBe(false);
    expect(p.has('bread')).toBe(false);
  });

  it('lift divides by how often the product is bought at all', () => {
    expect(co.lift(2 / 3, 'cereal')).toBeCloseTo(2 / 3 / (2 / 4), 12);
    expect(co.lift(0.5, 'jam')).toBe(0);
  });

  it('is repeatable: a second query starts from zero', () => {
    const once = co.conditional(new Map([['bread', 1]]));
    expect(co.conditional(new Map([['bread', 1]]))).toEqual(once);
  });

  it('digests the baskets, not the order they came in', () => {
    expect(buildCoPurchase([...baskets].reverse()).digest).toBe(co.digest);
    expect(buildCoPurchase([...baskets, ['jam']]).digest).not.toBe(co.digest);
  });
});
