import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { catalogueOf, datasetOf } from '../../testing/catalogue-builder.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { buildCatalogueStats } from '../../catalogue/stats.js';
import { contextOfUser } from '../../catalogue/user-context.js';
import { groupDiscovery, groupProducts, planPage, type PlannedProduct } from './plan.js';

// A store of 30 yogurts and 30 beers; Ann buys yogurts 1..n every week, Bob beer and yogurt 1..5.
const catalogue = catalogueOf({
  departments: [['dairy', 'Dairy Eggs'], ['alcohol', 'Alcohol']],
  categories: [['yogurt', 'Yogurt', 'dairy'], ['beer', 'Beers Coolers', 'alcohol']],
  products: [
    ...Array.from({ length: 30 }, (_, i) => ({ id: `y${i + 1}`, name: `Yogurt ${i + 1}`, categoryId: 'yogurt' })),
    ...Array.from({ length: 30 }, (_, i) => ({ id: `b${i + 1}`, name: `Beer ${i + 1}`, categoryId: 'beer' })),
  ],
});
const weekly = (ids: string[]) => Array.from({ length: 4 }, () => ids);
const yogurts = (n: number) => Array.from({ length: n }, (_, i) => `y${i + 1}`);

function planFor(ids: string[], config: { staplesThemes?: number; discoveryThemes?: number; maxThemes?: number; allowAlcohol?: boolean; available?: boolean; target?: string[] } = {}) {
  const store = config.available === false ? { ...catalogue, products: new Map([...catalogue.products].map(([id, p]) => [id, id === 'y1' ? { ...p, available: false } : p])) } : catalogue;
  // Everyone else buys yogurts 1..30 together, so co-purchase points Ann at the ones she lacks.
  // Each user's last order is their held-out target.
  const dataset = datasetOf({ catalogue: store, users: [['ann'], ['crowd']], orders: { ann: [...weekly(ids), config.target ?? ids], crowd: [...weekly(yogurts(30)), ['y1']] } });
  const cfg = loadConfig({
    env: {},
    cwd: '/nonexistent',
    overrides: {
      phases: {
        themes: { maxThemes: config.maxThemes ?? 8, plan: { staplesThemes: config.staplesThemes ?? 6, discoveryThemes: config.discoveryThemes ?? 1 } },
        assemble: { productsPerTheme: 12, minProductsPerTheme: 4 },
        filter: { policy: { allowAlcohol: config.allowAlcohol ?? false } },
      },
    },
  });
  const ctx = makeTestCtx({ config: cfg, catalogue: store, stats: buildCatalogueStats(dataset) });
  return planPage(contextOfUser(dataset, 'ann').context, ctx);
}

describe('planPage', () => {
  it('gives every staple a theme, likeliest first, and the themes the staples cannot fill to discovery', () => {
    const plan = planFor(yogurts(26));
    // 26 staples: two full themes and a third of 2 — too few for a theme (minProductsPerTheme 4).
    expect(plan.staplesThemes).toBe(2);
    expect(plan.staples).toHaveLength(24);
    expect(plan.discoveryThemes).toBe(1 + (6 - 2));
    for (let i = 1; i < plan.staples.length; i++) expect(plan.staples[i - 1].score).toBeGreaterThanOrEqual(plan.staples[i].score);
  });

  it('makes a theme of a remainder big enough to fill one, and never more than staplesThemes', () => {
    expect(planFor(yogurts(29)).staplesThemes).toBe(3); // 12 + 12 + 5
    expect(planFor(yogurts(29), { staplesThemes: 2 })).toMatchObject({ staplesThemes: 2, discoveryThemes: 1 });
    expect(planFor(yogurts(29), { staplesThemes: 0, discoveryThemes: 2 })).toMatchObject({ staplesThemes: 0, discoveryThemes: 2, staples: [] });
  });

  it('never plans more than maxThemes in all', () => {
    const plan = planFor(yogurts(3), { maxThemes: 4 });
    expect(plan.staplesThemes).toBe(0);
    expect(plan.discoveryThemes).toBe(4);
  });

  it('plans new products the user lacks, likeliest first, and none they own', () => {
    const plan = planFor(yogurts(10));
    expect(plan.discovery.length).toBe(20);
    expect(plan.discovery.every((p) => !yogurts(10).includes(p.id))).toBe(true);
  });

  it('reads nothing of the target order: a different next order, new products included, plans the same page', () => {
    const plan = planFor(yogurts(10));
    // Her real next order holds the likeliest new yogurt, the least likely one, and a beer.
    const target = [plan.discovery[0].id, plan.discovery.at(-1)!.id, 'b7'];
    expect(planFor(yogurts(10), { target })).toEqual(plan);
    expect(planFor(yogurts(10), { target: [] })).toEqual(plan);
  });

  it('keeps alcohol and unavailable products out of the plan unless the policy allows alcohol', () => {
    const withBeer = [...yogurts(5), 'b1', 'b2'];
    expect(planFor(withBeer).staples.map((p) => p.id)).not.toContain('b1');
    expect(planFor(withBeer, { allowAlcohol: true }).staples.map((p) => p.id)).toContain('b1');
    expect(planFor(yogurts(5), { available: false }).staples.map((p) => p.id)).not.toContain('y1');
  });
});

const p = (id: string, departmentId: string, categoryId: string, score: number): PlannedProduct => ({ id, name: id, departmentId, categoryId, score });

describe('groupProducts', () => {
  it('cuts products ordered by department and category into runs of the theme size, the richest group first', () => {
    const products = [p('a', 'd1', 'c1', 0.9), p('b', 'd2', 'c3', 0.8), p('c', 'd1', 'c2', 0.1), p('d', 'd1', 'c1', 0.5), p('e', 'd2', 'c3', 0.05)];
    // d1 (1.5) before d2 (0.85); in d1, c1 (1.4) before c2 (0.1): a, d, c | b, e.
    expect(groupProducts(products, 2, 3).map((g) => g.map((x) => x.id))).toEqual([['a', 'd', 'c'], ['b', 'e']]);
    expect(groupProducts(products, 1, 3).map((g) => g.map((x) => x.id))).toEqual([['a', 'd', 'c']]);
    expect(groupProducts([], 3, 3)).toEqual([]);
  });

  it('groups for discovery only the new products its themes can hold', () => {
    const discovery = Array.from({ length: 30 }, (_, i) => p(`n${i}`, 'd', `c${i % 3}`, 1 - i / 100));
    const groups = groupDiscovery({ discovery, discoveryThemes: 2, productsPerTheme: 12 });
    expect(groups.flat().map((x) => x.id).sort()).toEqual(discovery.slice(0, 24).map((x) => x.id).sort());
  });
});
