import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userHistory } from './history.js';
import { loadDataset, type Dataset } from '../datasets/instacart/load.js';
import { writeTinyDataset } from '../testing/instacart-fixture.js';
import { buildUserContext, renderUserContext, USER_CONTEXT_LIMITS } from './user-context.js';

const REAL_DIR = new URL('../data/instacart/', import.meta.url).pathname;

let real: Dataset;
let tiny: Dataset;
let tinyDir: string;
beforeAll(async () => {
  ({ dataset: real } = await loadDataset(REAL_DIR));
  tinyDir = await writeTinyDataset();
  ({ dataset: tiny } = await loadDataset(tinyDir));
});
afterAll(() => rm(tinyDir, { recursive: true, force: true }));

const contextOf = (d: Dataset, userId: number) => buildUserContext(userHistory(d, userId), d.catalogue);

describe('buildUserContext on the tiny dataset', () => {
  it('computes shares, affinities and habits from history only', () => {
    // History of user 1: order 101 (Organic Greek Yogurt, Banana), 102 (Organic Greek Yogurt, reordered).
    const uc = contextOf(tiny, 1);
    expect(uc.historyOrders).toBe(2);
    expect(uc.topAisles).toEqual([{ id: 1, name: 'yogurt', share: 0.6667 }, { id: 2, name: 'fresh fruits', share: 0.3333 }]);
    expect(uc.topDepartments.map((d) => d.name)).toEqual(['dairy eggs', 'produce']);
    expect(uc.frequentProducts).toEqual([{ id: 1, name: 'Organic Greek Yogurt', aisleId: 1, orders: 2 }]);
    expect(uc.recentProducts.map((p) => p.id)).toEqual([1, 2]);
    expect(uc.reorderRate).toBe(0.3333);
    expect(uc.habits).toEqual({ topDow: 2, topHour: 8, meanDaysBetween: 7 });
    expect(uc.preferences).toEqual([{ term: 'organic', share: 0.6667 }]);
    expect(uc.productAffinity).toEqual({ '1': 1, '2': 0.5 });
    expect(uc.aisleAffinity).toEqual({ '1': 0.6667, '2': 0.3333 });
    // Product 4 is only in the target order 103.
    expect(JSON.stringify(uc)).not.toContain('Vanilla');
  });

  it('gives an empty context for an empty history', () => {
    const uc = buildUserContext({ userId: 9, history: [], target: undefined }, tiny.catalogue);
    expect(uc).toMatchObject({ historyOrders: 0, topAisles: [], frequentProducts: [], reorderRate: 0, productAffinity: {} });
    expect(uc.habits.meanDaysBetween).toBeUndefined();
    expect(renderUserContext(uc)).toContain('Buys often: none');
  });

  it('names a history product missing from the catalogue', () => {
    const h = userHistory(tiny, 1);
    const broken = { ...h, history: [{ order: h.history[0].order, lines: [{ orderId: 101, productId: 99, addToCartOrder: 1, reordered: false }] }] };
    expect(() => buildUserContext(broken, tiny.catalogue)).toThrow(/user 1: product 99 in their history is not in the catalogue/);
  });
});

describe('buildUserContext on the real sample', () => {
  it("user 1's context holds no product seen only in the target order", () => {
    const h = userHistory(real, 1);
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
    const uc = contextOf(real, 1);
    expect(uc.productAffinity['196']).toBe(1);
    expect(uc.frequentProducts[0]).toMatchObject({ id: 196, name: 'Soda', orders: 10 });
    expect(uc.topAisles[0].name).toBe('soft drinks');
  });

  it('stays prompt-sized and ordered for the heaviest user', () => {
    const heaviest = real.users.reduce((a, b) => (userHistory(real, b.userId).history.length > userHistory(real, a.userId).history.length ? b : a));
    const uc = contextOf(real, heaviest.userId);
    expect(uc.topAisles.length).toBeLessThanOrEqual(USER_CONTEXT_LIMITS.aisles);
    expect(uc.topDepartments.length).toBeLessThanOrEqual(USER_CONTEXT_LIMITS.departments);
    expect(uc.frequentProducts).toHaveLength(USER_CONTEXT_LIMITS.frequent);
    expect(uc.recentProducts).toHaveLength(USER_CONTEXT_LIMITS.recent);
    expect(new Set(uc.recentProducts.map((p) => p.id)).size).toBe(USER_CONTEXT_LIMITS.recent);
    const shares = uc.topAisles.map((a) => a.share);
    expect([...shares].sort((a, b) => b - a)).toEqual(shares);
    const counts = uc.frequentProducts.map((p) => p.orders);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(Object.values(uc.aisleAffinity).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(renderUserContext(uc).length).toBeLessThan(3_000);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(contextOf(real, 7))).toBe(JSON.stringify(contextOf(real, 7)));
  });
});

describe('renderUserContext', () => {
  it('renders every section from the context', () => {
    const text = renderUserContext(contextOf(tiny, 1));
    expect(text.split('\n')).toEqual([
      'Shopper 1: 2 past orders, usually on day 2 of the week (0-6) around 08:00, about every 7 days; 33% of items are reorders.',
      'Top aisles: yogurt 67%; fresh fruits 33%',
      'Top departments: dairy eggs 67%; produce 33%',
      'Buys often: Organic Greek Yogurt (2 orders)',
      'Recently bought: Organic Greek Yogurt; Banana',
      'Leans towards: organic 67%',
    ]);
  });
});
