import { beforeAll, describe, expect, it } from 'vitest';
import { realCatalogue } from '../testing/real-data.js';
import { catalogueOf } from '../testing/catalogue-builder.js';
import { normaliseText } from '../catalogue/text.js';
import type { Catalogue, Product } from '../catalogue/types.js';
import { buildKeywordCorpus, corpusStats, isJunkToken, phrasesOf } from './corpus.js';
import type { KeywordCorpus } from './corpus-types.js';

let catalogue: Catalogue;
let corpus: KeywordCorpus;
beforeAll(async () => {
  catalogue = await realCatalogue();
  corpus = buildKeywordCorpus(catalogue);
});

const categoryNames = (ids: readonly string[]) => ids.map((id) => catalogue.categories.get(id)!.name);
const departmentNames = (ids: readonly string[]) => ids.map((id) => catalogue.departments.get(id)!.name);

describe('phrasesOf', () => {
  it('keeps 1-3-word grams and drops grams that start or end with a stopword, number or unit', () => {
    const grams = phrasesOf('Organic Greek Yogurt with Honey, 32 oz');
    expect(grams).toEqual(expect.arrayContaining(['organic', 'organic greek yogurt', 'greek yogurt', 'yogurt with honey', 'honey']));
    for (const junk of ['32', 'oz', '32 oz', 'honey 32', 'with', 'with honey', 'yogurt with', 'organic greek yogurt with']) expect(grams).not.toContain(junk);
  });
  it('keeps a single letter only inside a phrase', () => {
    expect(phrasesOf('Vitamin C Tablets')).toEqual(expect.arrayContaining(['vitamin c', 'vitamin c tablets']));
    expect(phrasesOf('Vitamin C Tablets')).not.toContain('c');
  });
  it('classifies junk tokens', () => {
    expect(['of', 'the', 'oz', '12', '2%', '16oz', '1.5', 'ct'].every(isJunkToken)).toBe(true);
    expect(['yogurt', 'd3', 'b12', '7up', 'c'].some(isJunkToken)).toBe(false);
  });
});

describe('buildKeywordCorpus on the real catalogue', () => {
  it('has every kind, and tens of thousands of terms', () => {
    const stats = corpusStats(corpus);
    // 21 departments and 134 categories, less the placeholders "missing" and "other".
    expect(stats.byKind).toMatchObject({ department: 19, category: 132, attribute: 30 });
    expect(stats.byKind.phrase).toBeGreaterThan(15_000);
    expect(stats.terms).toBe(corpus.terms.length);
    expect(Object.values(stats.byWords).reduce((a, b) => a + b, 0)).toBe(stats.terms);
  });

  it('contains real phrases with sensible categories', () => {
    const greek = corpus.byText.get('greek yogurt')!;
    expect(greek).toMatchObject({ id: 'kw:greek yogurt', kind: 'phrase' });
    expect(greek.df).toBeGreaterThan(100);
    expect(categoryNames(greek.categories)[0]).toBe('yogurt');
    expect(departmentNames(greek.departments)[0]).toBe('dairy eggs');
    expect(categoryNames(corpus.byText.get('peanut butter')!.categories)).toContain('spreads');
    expect(categoryNames(corpus.byText.get('cat food')!.categories)[0]).toBe('cat food care');
    expect(corpus.byText.get('mac and cheese')?.kind).toBe('phrase');
    const organic = corpus.byText.get('organic')!;
    expect(organic.kind).toBe('attribute');
    expect(organic.df).toBeGreaterThan(1_000);
    const yogurt = corpus.byText.get('yogurt')!;
    expect(yogurt.kind).toBe('category');
    expect(departmentNames(yogurt.departments)).toEqual(['dairy eggs']);
    expect(corpus.byText.get('frozen')?.kind).toBe('department');
  });

  it('has no junk grams', () => {
    for (const junk of ['oz', '12', 'of the', 'with', '12 oz', 'fl oz', 'and', 'pack', 'of', 'missing', 'other', '']) expect(corpus.byText.has(junk), junk).toBe(false);
    const phrases = corpus.terms.filter((x) => x.kind === 'phrase');
    const junkEnds = phrases.filter((t) => {
      const words = t.text.split(' ');
      return isJunkToken(words[0]) || isJunkToken(words[words.length - 1]);
    });
    expect(junkEnds.map((t) => t.text)).toEqual([]);
    expect(phrases.filter((t) => t.df < 3).map((t) => t.text)).toEqual([]);
  });

  it("counts a phrase's df as the products whose name contains it as whole words", () => {
    const names = [...catalogue.products.values()].map((p) => ` ${normaliseText(p.name)} `);
    const phrases = corpus.terms.filter((t) => t.kind === 'phrase');
    for (let i = 0; i < phrases.length; i += Math.floor(phrases.length / 40)) {
      const t = phrases[i];
      expect(names.filter((n) => n.includes(` ${t.text} `)).length, t.text).toBe(t.df);
    }
  });

  it('caps locations and never lists placeholder categories', () => {
    const placeholders = new Set([...catalogue.categories.values()].filter((a) => ['missing', 'other'].includes(a.name)).map((a) => a.id));
    expect(placeholders.size).toBe(2);
    expect(corpus.terms.filter((t) => t.categories.length > 5 || t.departments.length > 5).map((t) => t.text)).toEqual([]);
    expect(corpus.terms.filter((t) => t.categories.some((a) => placeholders.has(a))).map((t) => t.text)).toEqual([]);
    expect(corpus.terms.filter((t) => t.categories.length === 5).length).toBeGreaterThan(100);
  });

  it('has unique, consistent ids and a deterministic order (kind, then df descending)', () => {
    expect(new Set(corpus.terms.map((t) => t.text)).size).toBe(corpus.terms.length);
    expect(corpus.terms.every((t) => t.id === `kw:${t.text}` && corpus.byText.get(t.text) === t)).toBe(true);
    const kinds = ['department', 'category', 'attribute', 'phrase'];
    const outOfOrder = corpus.terms.filter((b, i) => {
      if (i === 0) return false;
      const a = corpus.terms[i - 1];
      const byKind = kinds.indexOf(a.kind) - kinds.indexOf(b.kind);
      return !(byKind < 0 || (byKind === 0 && a.df >= b.df));
    });
    expect(outOfOrder.map((t) => t.text)).toEqual([]);
  });

  it('digest is stable for the same catalogue and changes with it', () => {
    expect(buildKeywordCorpus(catalogue).digest).toBe(corpus.digest);
    const products = new Map(catalogue.products);
    const p1 = products.get('1')!;
    products.set('1', { ...p1, name: `${p1.name} Greek Yogurt` } satisfies Product);
    const changed = buildKeywordCorpus({ ...catalogue, products });
    expect(changed.digest).not.toBe(corpus.digest);
    expect(changed.byText.get('greek yogurt')!.df).toBe(corpus.byText.get('greek yogurt')!.df + 1);
  });
});

describe('buildKeywordCorpus on a tiny catalogue', () => {
  it('lets a category name win over the same phrase, and respects minDf', () => {
    const names = ['Greek Yogurt Plain', 'Greek Yogurt Vanilla', 'Organic Greek Yogurt', 'Lemon Curd'];
    const tiny = catalogueOf({
      departments: [[1, 'dairy eggs']],
      categories: [[1, 'yogurt', 1], [2, 'missing', 1]],
      products: names.map((name, i) => ({ id: i + 1, name, categoryId: i === 3 ? 2 : 1 })),
    });
    const c = buildKeywordCorpus(tiny);
    expect(c.byText.get('yogurt')).toMatchObject({ kind: 'category', df: 3, categories: ['1'] });
    expect(c.byText.get('greek yogurt')).toMatchObject({ kind: 'phrase', df: 3, categories: ['1'], departments: ['1'] });
    expect(c.byText.has('missing')).toBe(false);
    expect(c.byText.has('plain')).toBe(false); // df 1 < 3
    expect(c.byText.get('organic')).toMatchObject({ kind: 'attribute', df: 1 });
    expect(buildKeywordCorpus(tiny, { minDf: 1 }).byText.get('plain')?.df).toBe(1);
  });
});
