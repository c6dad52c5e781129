import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../datasets/instacart/load.js';
import { buildCatalogueStats } from './stats.js';
import { writeTinyDataset } from '../testing/instacart-fixture.js';

const REAL_DIR = new URL('../data/instacart/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('buildCatalogueStats', () => {
  it('counts history orders only, never target orders', async () => {
    const dir = await writeTinyDataset();
    dirs.push(dir);
    const { dataset } = await loadDataset(dir);
    const stats = buildCatalogueStats(dataset);
    // History: user 1 → 101, 102; user 2 → 201, 202. Targets 103 and 203 are left out.
    expect(stats.totalOrders).toBe(4);
    expect(Object.fromEntries(stats.productOrders)).toEqual({ 1: 2, 2: 3, 3: 1 });
    expect(Object.fromEntries(stats.aisleLines)).toEqual({ 1: 2, 2: 4 });
    expect(stats.popularity(2)).toBe(1);
    expect(stats.popularity(1)).toBeCloseTo(Math.log(3) / Math.log(4), 10);
    expect(stats.popularity(4)).toBe(0); // bought only in a target order
  });

  it('on the real sample: every order is history, a target, or a test order', async () => {
    const { dataset } = await loadDataset(REAL_DIR);
    const stats = buildCatalogueStats(dataset);
    const testOrders = [...dataset.orders.values()].filter((o) => o.evalSet === 'test').length;
    expect(stats.totalOrders).toBe(dataset.orders.size - dataset.users.length - testOrders);
    const historyLines = [...stats.aisleLines.values()].reduce((a, b) => a + b, 0);
    const targetLines = dataset.users.reduce((n, u) => n + dataset.linesByOrder.get(u.targetOrderId)!.length, 0);
    expect(historyLines).toBe(293_167 - targetLines);
    for (const p of [...stats.productOrders.keys()].slice(0, 500)) {
      expect(stats.popularity(p)).toBeGreaterThan(0);
      expect(stats.popularity(p)).toBeLessThanOrEqual(1);
    }
  });
});
