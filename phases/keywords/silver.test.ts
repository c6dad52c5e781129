import { describe, expect, it } from 'vitest';
import { categoryPairs, categoryVocabulary, phraseMatcher, silverLabel, silverRows, silverThemes } from './silver.js';
import { fixtureCatalogue, fixtureCtx } from '../../testing/keywords-fixture.js';
import type { Order } from '../../catalogue/types.js';

const catalogue = fixtureCatalogue();
const matcher = phraseMatcher(catalogue);
const term = (text: string, kind: 'phrase' | 'category' | 'department' = 'phrase', categories: string[] = [], departments: string[] = []) => ({ text, kind, categories, departments });

describe('phraseMatcher', () => {
  it('matches whole words only, counting products per category', () => {
    expect(Object.fromEntries(matcher.categoryCounts('greek yogurt'))).toEqual({ a120: 4 }); // not "Plain Greek Goat Yogurt"
    expect(Object.fromEntries(matcher.categoryCounts('granola'))).toEqual({ a57: 7, a121: 1 });
    expect(matcher.categoryCounts('gran').size).toBe(0);
    expect(matcher.categoryCounts('yogurt greek').size).toBe(0);
  });
});

describe('silverLabel', () => {
  const yogurt = new Set(['a120']);
  it('labels a phrase by where the products it matches sit', () => {
    expect(silverLabel(term('greek yogurt'), yogurt, matcher, catalogue)).toBe(true);
    expect(silverLabel(term('cat food'), yogurt, matcher, catalogue)).toBe(false);
    // "organic" matches products in many categories, few of them yogurt.
    expect(silverLabel(term('organic'), yogurt, matcher, catalogue)).toBe(false);
    expect(silverLabel(term('granola'), new Set(['a57']), matcher, catalogue)).toBe(true);
    expect(silverLabel(term('unicorn'), yogurt, matcher, catalogue)).toBe(false);
  });
  it('labels category terms by their category and department terms by how much of them is the target', () => {
    expect(silverLabel(term('yogurt', 'category', ['a120']), yogurt, matcher, catalogue)).toBe(true);
    expect(silverLabel(term('cereal', 'category', ['a121']), yogurt, matcher, catalogue)).toBe(false);
    expect(silverLabel(term('dairy eggs', 'department', ['a120'], ['d16']), yogurt, matcher, catalogue)).toBe(true);
    expect(silverLabel(term('breakfast', 'department', ['a57', 'a121'], ['d14']), new Set(['a57']), matcher, catalogue)).toBe(true);
    expect(silverLabel(term('breakfast', 'department', ['a57', 'a121'], ['d14']), new Set(['a120']), matcher, catalogue)).toBe(false);
  });
});

describe('silver themes', () => {
  it('draws concepts from the vocabulary of the theme’s categories', () => {
    const vocab = categoryVocabulary(catalogue, ['a120'], 5);
    expect(vocab).toContain('greek yogurt');
    expect(vocab.every((v) => [...catalogue.products.values()].some((p) => p.categoryId === 'a120' && p.name.toLowerCase().includes(v)))).toBe(true);
  });

  it('finds category pairs that orders buy together more than chance', () => {
    const order = (o: number, ...productIds: number[]): Order => ({
      id: String(o), userId: 'u', seq: o + 1, day: undefined, dow: undefined, hour: undefined,
      lines: productIds.map((id) => ({ productId: String(id), quantity: 1, reordered: false })),
    });
    // yogurt (484) and granola (12806) always together; cola (33254) alone.
    const orders: Order[] = [];
    for (let o = 0; o < 50; o++) orders.push(order(o, 484, 12806));
    for (let o = 50; o < 100; o++) orders.push(order(o, 33254, o % 2 ? 484 : 3913));
    expect(categoryPairs({ catalogue, ordersByUser: new Map([['u', orders]]) }, { minOrders: 10 })).toEqual([['a57', 'a120']]);
  });

  it('builds one theme per usable category and pair, hiding categories from some, reproducibly', () => {
    const make = () => silverThemes(catalogue, [['a57', 'a120']], { seed: 7, minCategoryProducts: 5, hideCategoriesShare: 0.5 });
    const themes = make();
    expect(themes).toHaveLength(catalogue.categories.size + 1);
    expect(make()).toEqual(themes);
    const pair = themes.find((t) => t.targetCategoryIds.length === 2)!;
    expect(pair.theme.title.toLowerCase()).toContain('granola & yogurt');
    const hidden = themes.filter((t) => t.scope.categoryIds.length === 0);
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.length).toBeLessThan(themes.length);
    for (const t of themes) expect(t.targetCategoryIds.length).toBeGreaterThan(0);
  });

  it('labels the pruned candidates of each theme', async () => {
    const ctx = await fixtureCtx();
    const themes = silverThemes(catalogue, [], { seed: 1, minCategoryProducts: 5, hideCategoriesShare: 0 }).filter((t) => t.targetCategoryIds[0] === 'a120');
    const rows = await silverRows(ctx, themes, { candidates: 30 });
    expect(rows).toHaveLength(30);
    expect(rows.some((r) => r.chosen)).toBe(true);
    expect(rows.some((r) => !r.chosen)).toBe(true);
    const greek = rows.find((r) => r.candidate.text === 'greek yogurt');
    expect(greek?.chosen).toBe(true);
    for (const r of rows.filter((x) => x.candidate.kind === 'phrase' && x.chosen)) expect(r.candidate.categories).toContain('a120');
  });
});
