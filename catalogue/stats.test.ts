import { describe, expect, it } from 'vitest';
import { buildCatalogueStats, catalogueStatsOf } from './stats.js';
import { tinyDataset } from '../testing/instacart-fixture.js';
import { realDataset } from '../testing/real-data.js';

describe('buildCatalogueStats', () => {
  it('counts history orders only, never target orders', async () => {
    const stats = buildCatalogueStats(await tinyDataset());
    // History: user 1 → 101, 102; user 2 → 201, 202. Targets 103 and 203 are left out.
    expect(stats.totalOrders).toBe(4);
    expect(Object.fromEntries(stats.productOrders)).toEqual({ 1: 2, 2: 3, 3: 1 });
    expect(Object.fromEntries(stats.categoryLines)).toEqual({ a1: 2, a2: 4 });
    expect(stats.popularity('2')).toBe(1);
    expect(stats.popularity('1')).toBeCloseTo(Math.log(3) / Math.log(4), 10);
    expect(stats.popularity('4')).toBe(0); // bought only in a target order
    // Orders with anything from the category: yogurt in 101, 102; fruit in 101, 201, 202.
    expect(Object.fromEntries(stats.categoryOrders)).toEqual({ a1: 2, a2: 3 });
    expect(stats.coPurchase.totalOrders).toBe(4);
    expect(Object.fromEntries(stats.coPurchase.conditional(new Map([['1', 1]])))).toEqual({ 2: 0.5 });
  });

  it('counts per product the users who bought it and those who bought it again', async () => {
    const stats = buildCatalogueStats(await tinyDataset());
    // History: user 1 bought 1 twice and 2 once; user 2 bought 2 twice and 3 once.
    expect(Object.fromEntries(stats.productRepeat)).toEqual({ 1: { buyers: 1, repeaters: 1 }, 2: { buyers: 2, repeaters: 1 }, 3: { buyers: 1, repeaters: 0 } });
    expect(stats.repeatPrior).toBeCloseTo(2 / 4);
  });

  it('shares one computation per dataset through catalogueStatsOf', async () => {
    const dataset = await tinyDataset();
    expect(catalogueStatsOf(dataset)).toBe(catalogueStatsOf(dataset));
  });

  it('leaves out every order of excluded users (calibration does, for its own users)', async () => {
    const stats = buildCatalogueStats(await tinyDataset(), { excludeUsers: new Set(['2']) });
    expect(stats.totalOrders).toBe(2);
    expect(Object.fromEntries(stats.productOrders)).toEqual({ 1: 2, 2: 1 });
  });

  it('on the real sample: every order with products is history or a target', async () => {
    const dataset = await realDataset();
    const stats = buildCatalogueStats(dataset);
    const orders = [...dataset.ordersByUser.values()];
    expect(stats.totalOrders).toBe(orders.reduce((n, list) => n + list.length, 0) - orders.length);
    const historyLines = [...stats.categoryLines.values()].reduce((a, b) => a + b, 0);
    const targetLines = orders.reduce((n, list) => n + list.at(-1)!.lines.length, 0);
    expect(historyLines).toBe(293_167 - targetLines);
    for (const p of [...stats.productOrders.keys()].slice(0, 500)) {
      expect(stats.popularity(p)).toBeGreaterThan(0);
      expect(stats.popularity(p)).toBeLessThanOrEqual(1);
    }
  });
});
