import { describe, expect, it } from 'vitest';
import { buildUserNeighbours, neighboursDigest, orderCountsOf, type ShopperHistory } from './neighbours.js';

const shopper = (userId: string, counts: Record<string, number>): ShopperHistory => ({ userId, orderCounts: new Map(Object.entries(counts)) });

// u1 and u2 buy the same two things; u3 shares only bread with them and buys jam; u4 shares nothing.
const pool = [shopper('u1', { milk: 2, bread: 1 }), shopper('u2', { milk: 2, bread: 1, eggs: 1 }), shopper('u3', { bread: 3, jam: 1 }), shopper('u4', { tea: 5 })];
const neighbours = buildUserNeighbours(pool);

describe('orderCountsOf', () => {
  it('counts the orders holding each product, a product once per order', () => {
    expect(orderCountsOf([['milk', 'milk', 'bread'], ['milk']])).toEqual(new Map([['milk', 2], ['bread', 1]]));
  });
});

describe('buildUserNeighbours', () => {
  it('never makes a shopper their own neighbour', () => {
    const asU1 = neighbours.productScores({ userId: 'u1', orderCounts: pool[0].orderCounts });
    const anonymous = neighbours.productScores({ orderCounts: pool[0].orderCounts });
    // u1 asking: u2 and u3 are the neighbours; eggs (u2's alone) shows, and u1's own weights do not.
    expect(asU1.get('eggs')).toBeGreaterThan(0);
    expect(anonymous.get('milk')!).toBeGreaterThan(asU1.get('milk')!);
    expect(asU1.has('tea')).toBe(false); // u4 shares nothing
  });

  it('weighs the closest shoppers most, and keeps only the k closest', () => {
    const all = neighbours.productScores({ userId: 'u1', orderCounts: pool[0].orderCounts });
    // u2 is far closer to u1 than u3 is: eggs (u2's) outweighs jam (u3's).
    expect(all.get('eggs')!).toBeGreaterThan(all.get('jam')!);
    const closest = neighbours.productScores({ userId: 'u1', orderCounts: pool[0].orderCounts }, 1);
    expect([...closest.keys()].sort()).toEqual(['bread', 'eggs', 'milk']);
    // One neighbour: the score is that neighbour's own (unit-length) weight.
    const w = (n: number, buyers: number) => Math.log1p(n) * (Math.log(4 / buyers) + 0.1);
    const norm = Math.hypot(w(2, 2), w(1, 3), w(1, 1));
    expect(closest.get('eggs')).toBeCloseTo(w(1, 1) / norm, 12);
  });

  it("does not depend on the query's own scale, and ignores products nobody in the pool bought", () => {
    const a = neighbours.productScores({ orderCounts: new Map([['bread', 1]]) });
    const b = neighbours.productScores({ orderCounts: new Map([['bread', 1], ['caviar', 9]]) });
    expect(b).toEqual(a);
    expect(neighbours.productScores({ orderCounts: new Map([['caviar', 9]]) }).size).toBe(0);
  });

  it('answers the same to the same query, so scratch state never leaks between queries', () => {
    const first = neighbours.productScores({ userId: 'u3', orderCounts: pool[2].orderCounts });
    neighbours.productScores({ userId: 'u4', orderCounts: pool[3].orderCounts });
    expect(neighbours.productScores({ userId: 'u3', orderCounts: pool[2].orderCounts })).toEqual(first);
  });

  it('has a digest that changes with whose baskets they were, not with the order shoppers come in', () => {
    expect(neighboursDigest([...pool].reverse())).toBe(neighbours.digest);
    const regrouped = [shopper('u1', { milk: 2 }), shopper('u2', { milk: 2, bread: 2, eggs: 1 }), pool[2], pool[3]];
    expect(neighboursDigest(regrouped)).not.toBe(neighbours.digest);
    expect(neighbours.shoppers).toBe(4);
  });
});
