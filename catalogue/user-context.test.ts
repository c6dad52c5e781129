import { beforeAll, describe, expect, it } from 'vitest';
import { userHistory } from './history.js';
import type { Dataset } from './types.js';
import { tinyDataset } from '../testing/instacart-fixture.js';
import { realDataset } from '../testing/real-data.js';
import { buildUserContext, renderUserContext, USER_CONTEXT_LIMITS } from './user-context.js';

let real: Dataset;
let tiny: Dataset;
beforeAll(async () => {
  real = await realDataset();
  tiny = await tinyDataset();
});

const contextOf = (d: Dataset, userId: string) => buildUserContext(userHistory(d, userId), d.catalogue);

describe('buildUserContext on the tiny dataset', () => {
  it('computes shares, affinities and habits from history only', () => {
    // History of user 1: order 101 (Organic Greek Yogurt, Banana), 102 (Organic Greek Yogurt, reordered).
    const uc = contextOf(tiny, '1');
    expect(uc.historyOrders).toBe(2);
    expect(uc.topCategories).toEqual([{ id: 'a1', name: 'yogurt', share: 0.6667 }, { id: 'a2', name: 'fresh fruits', share: 0.3333 }]);
    expect(uc.topDepartments.map((d) => d.name)).toEqual(['dairy eggs', 'produce']);
    expect(uc.frequentProducts).toEqual([{ id: '1', name: 'Organic Greek Yogurt', categoryId: 'a1', orders: 2 }]);
    expect(uc.recentProducts.map((p) => p.id)).toEqual(['1', '2']);
    expect(uc.reorderRate).toBe(0.3333);
    expect(uc.habits).toEqual({ topDow: 2, topHour: 8, meanDaysBetween: 7 });
    expect(uc.preferences).toEqual([{ term: 'organic', share: 0.6667 }]);
    expect(uc.productAffinity).toEqual({ '1': 1, '2': 0.5 });
    expect(uc.categoryAffinity).toEqual({ a1: 0.6667, a2: 0.3333 });
    // Product 4 is only in the target order 103.
    expect(JSON.stringify(uc)).not.toContain('Vanilla');
  });

  it('gives an empty context for an empty history', () => {
    const uc = buildUserContext({ userId: '9', history: [], target: undefined }, tiny.catalogue);
    expect(uc).toMatchObject({ historyOrders: 0, topCategories: [], frequentProducts: [], reorderRate: 0, productAffinity: {} });
    expect(uc.habits.meanDaysBetween).toBeUndefined();
    expect(renderUserContext(uc)).toContain('Buys often: none');
  });

  it('names a history product missing from the catalogue', () => {
    const h = userHistory(tiny, '1');
    const broken = { ...h, history: [{ ...h.history[0], lines: [{ productId: '99', quantity: 1, reordered: false }] }] };
    expect(() => buildUserContext(broken, tiny.catalogue)).toThrow(/user 1: product 99 in their history is not in the catalogue/);
  });
});

describe('buildUserContext on the real sample', () => {
  it("user 1's context holds no product seen only in the target order", () => {
    const h = userHistory(real, '1');
    const seen = new Set(h.history.flatMap((o) => o.lines.map((l) => l.productId)));
    const targetOnly = h.target!.lines.map((l) => l.productId).filter((id) => !seen.has(id));
    expect(targetOnly.length).toBeGreaterThan(0);
    const uc = buildUserContext(h, real.catalogue);
    const ids = new Set([...uc.frequentProducts, ...uc.recentProducts].map((p) => p.id));
    const text = renderUserContext(uc);
    for (const id of targetOnly) {
      expect(ids.has(id)).toBe(false);
      expect(uc.productAffinity[String(id)]).toBeUndefined();
      expect(text).not.toContain(real.catalogue.products.get(id)!.name);
    }
  });

  it('user 1 buys Soda in every history order', () => {
    const uc = contextOf(real, '1');
    expect(uc.productAffinity['196']).toBe(1);
    expect(uc.frequentProducts[0]).toMatchObject({ id: '196', name: 'Soda', orders: 10 });
    expect(uc.topCategories[0].name).toBe('soft drinks');
  });

  it('stays prompt-sized and ordered for the heaviest user', () => {
    const heaviest = [...real.users.keys()].reduce((a, b) => (userHistory(real, b).history.length > userHistory(real, a).history.length ? b : a));
    const uc = contextOf(real, heaviest);
    expect(uc.topCategories.length).toBeLessThanOrEqual(USER_CONTEXT_LIMITS.categories);
    expect(uc.topDepartments.length).toBeLessThanOrEqual(USER_CONTEXT_LIMITS.departments);
    expect(uc.frequentProducts).toHaveLength(USER_CONTEXT_LIMITS.frequent);
    expect(uc.recentProducts).toHaveLength(USER_CONTEXT_LIMITS.recent);
    expect(new Set(uc.recentProducts.map((p) => p.id)).size).toBe(USER_CONTEXT_LIMITS.recent);
    const shares = uc.topCategories.map((a) => a.share);
    expect([...shares].sort((a, b) => b - a)).toEqual(shares);
    const counts = uc.frequentProducts.map((p) => p.orders);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(Object.values(uc.categoryAffinity).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(renderUserContext(uc).length).toBeLessThan(3_000);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(contextOf(real, '7'))).toBe(JSON.stringify(contextOf(real, '7')));
  });
});

describe('renderUserContext', () => {
  it('renders every section from the context', () => {
    const text = renderUserContext(contextOf(tiny, '1'));
    expect(text.split('\n')).toEqual([
      'Shopper 1: 2 past orders, usually on day 2 of the week (0-6) around 08:00, about every 7 days; 33% of items are reorders.',
      'Top categories: yogurt 67%; fresh fruits 33%',
      'Top departments: dairy eggs 67%; produce 33%',
      'Buys often: Organic Greek Yogurt (2 orders)',
      'Recently bought: Organic Greek Yogurt; Banana',
      'Leans towards: organic 67%',
    ]);
  });
});

describe('buildUserContext on data without times, and with stated preferences', () => {
  it('leaves day, hour and cadence out rather than inventing zeros, and renders what the shopper said', async () => {
    const { catalogueOf, datasetOf } = await import('../testing/catalogue-builder.js');
    const catalogue = catalogueOf({ departments: [['d', 'Pantry']], categories: [['c', 'Pasta', 'd']], products: [{ id: 1, name: 'Penne', categoryId: 'c' }] });
    const dataset = datasetOf({ catalogue, users: [['u', undefined, ['vegetarian', 'no nuts']]], orders: { u: [[1], [1], [1]] }, timed: false });
    const uc = buildUserContext(userHistory(dataset, 'u'), catalogue, dataset.users.get('u'));
    expect(uc.habits).toEqual({ topDow: undefined, topHour: undefined, meanDaysBetween: undefined });
    expect(uc.statedPreferences).toEqual(['vegetarian', 'no nuts']);
    const text = renderUserContext(uc).split('\n');
    expect(text[0]).toBe('Shopper u: 2 past orders; 50% of items are reorders.');
    expect(text.at(-1)).toBe('Says they like or avoid: vegetarian; no nuts');
  });
});
