import { describe, expect, it } from 'vitest';
import { buildCatalogueStats } from './stats.js';
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
