import { describe, expect, it } from 'vitest';
import { aislePairs, aisleVocabulary, phraseMatcher, silverLabel, silverRows, silverThemes } from './silver.js';
import { fixtureCatalogue, fixtureCtx } from '../../testing/keywords-fixture.js';
import type { OrderLine } from '../../catalogue/types.js';

const catalogue = fixtureCatalogue();
const matcher = phraseMatcher(catalogue);
const term = (text: string, kind: 'phrase' | 'aisle' | 'department' = 'phrase', aisles: number[] = [], departments: number[] = []) => ({ text, kind, aisles, departments });

describe('phraseMatcher', () => {
  it('matches whole words only, counting products per aisle', () => {
    expect(Object.fromEntries(matcher.aisleCounts('greek yogurt'))).toEqual({ 120: 4 }); // not "Plain Greek Goat Yogurt"
    expect(Object.fromEntries(matcher.aisleCounts('granola'))).toEqual({ 57: 7, 121: 1 });
    expect(matcher.aisleCounts('gran').size).toBe(0);
    expect(matcher.aisleCounts('yogurt greek').size).toBe(0);
  });
});

describe('silverLabel', () => {
  const yogurt = new Set([120]);
  it('labels a phrase by where the products it matches sit', () => {
    expect(silverLabel(term('greek yogurt'), yogurt, matcher, catalogue)).toBe(true);
    expect(silverLabel(term('cat food'), yogurt, matcher, catalogue)).toBe(false);
    // "organic" matches products in many aisles, few of them yogurt.
    expect(silverLabel(term('organic'), yogurt, matcher, catalogue)).toBe(false);
    expect(silverLabel(term('granola'), new Set([57]), matcher, catalogue)).toBe(true);
    expect(silverLabel(term('unicorn'), yogurt, matcher, catalogue)).toBe(false);
  });
  it('labels aisle terms by their aisle and department terms by how much of them is the target', () => {
    expect(silverLabel(term('yogurt', 'aisle', [120]), yogurt, matcher, catalogue)).toBe(true);
    expect(silverLabel(term('cereal', 'aisle', [121]), yogurt, matcher, catalogue)).toBe(false);
    expect(silverLabel(term('dairy eggs', 'department', [120], [16]), yogurt, matcher, catalogue)).toBe(true);
    expect(silverLabel(term('breakfast', 'department', [57, 121], [14]), new Set([57]), matcher, catalogue)).toBe(true);
    expect(silverLabel(term('breakfast', 'department', [57, 121], [14]), new Set([120]), matcher, catalogue)).toBe(false);
  });
});

describe('silver themes', () => {
  it('draws concepts from the vocabulary of the theme’s aisles', () => {
    const vocab = aisleVocabulary(catalogue, [120], 5);
    expect(vocab).toContain('greek yogurt');
    expect(vocab.every((v) => [...catalogue.products.values()].some((p) => p.aisleId === 120 && p.name.toLowerCase().includes(v)))).toBe(true);
  });

  it('finds aisle pairs that orders buy together more than chance', () => {
    const line = (orderId: number, productId: number): OrderLine => ({ orderId, productId, addToCartOrder: 1, reordered: false });
    // yogurt (484) and granola (12806) always together; cola (33254) alone.
    const linesByOrder = new Map<number, OrderLine[]>();
    for (let o = 0; o < 50; o++) linesByOrder.set(o, [line(o, 484), line(o, 12806)]);
    for (let o = 50; o < 100; o++) linesByOrder.set(o, [line(o, 33254), line(o, o % 2 ? 484 : 3913)]);
    expect(aislePairs({ catalogue, linesByOrder }, { minOrders: 10 })).toEqual([[57, 120]]);
  });

  it('builds one theme per usable aisle and pair, hiding aisles from some, reproducibly', () => {
    const make = () => silverThemes(catalogue, [[57, 120]], { seed: 7, minAisleProducts: 5, hideAislesShare: 0.5 });
    const themes = make();
    expect(themes).toHaveLength(catalogue.aisles.size + 1);
    expect(make()).toEqual(themes);
    const pair = themes.find((t) => t.targetAisleIds.length === 2)!;
    expect(pair.theme.title.toLowerCase()).toContain('granola & yogurt');
    const hidden = themes.filter((t) => t.scope.aisleIds.length === 0);
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.length).toBeLessThan(themes.length);
    for (const t of themes) expect(t.targetAisleIds.length).toBeGreaterThan(0);
  });

  it('labels the pruned candidates of each theme', async () => {
    const ctx = await fixtureCtx();
    const themes = silverThemes(catalogue, [], { seed: 1, minAisleProducts: 5, hideAislesShare: 0 }).filter((t) => t.targetAisleIds[0] === 120);
    const rows = await silverRows(ctx, themes, { candidates: 30 });
    expect(rows).toHaveLength(30);
    expect(rows.some((r) => r.chosen)).toBe(true);
    expect(rows.some((r) => !r.chosen)).toBe(true);
    const greek = rows.find((r) => r.candidate.text === 'greek yogurt');
    expect(greek?.chosen).toBe(true);
    for (const r of rows.filter((x) => x.candidate.kind === 'phrase' && x.chosen)) expect(r.candidate.aisles).toContain(120);
  });
});
