import { describe, expect, it } from 'vitest';
import { distinctivePhrases, isCleanPhrase, termsInName } from './phrases.js';
import type { KeywordCorpus, KeywordTerm } from '../../retrieval/corpus-types.js';

function corpus(terms: [string, number, KeywordTerm['kind']?][]): KeywordCorpus {
  const list: KeywordTerm[] = terms.map(([text, df, kind = 'phrase']) => ({ id: `kw:${text}`, text, kind, df, categories: [], departments: [] }));
  return { terms: list, byText: new Map(list.map((t) => [t.text, t])), digest: 'test' };
}

describe('termsInName', () => {
  const c = corpus([['greek yogurt', 40], ['yogurt', 300], ['organic', 5000, 'attribute'], ['dairy eggs', 3000, 'department'], ['milk and', 10]]);

  it('finds phrase and attribute terms as whole-word n-grams of the normalised name', () => {
    const found = termsInName("Organic Greek Yogurt, 2% Milk-Fat", c).map((t) => t.text).sort();
    expect(found).toEqual(['greek yogurt', 'organic', 'yogurt']);
  });

  it('ignores category/department terms and fragments ending in a connective', () => {
    expect(termsInName('Dairy Eggs Milk and Honey', c)).toEqual([]);
  });
});

describe('isCleanPhrase', () => {
  it('rejects dangling connectives and number-only phrases', () => {
    expect(isCleanPhrase('greek yogurt')).toBe(true);
    expect(isCleanPhrase('spread with')).toBe(false);
    expect(isCleanPhrase('and pesto')).toBe(false);
    expect(isCleanPhrase('2%')).toBe(false);
  });
});

describe('distinctivePhrases', () => {
  const c = corpus([['greek yogurt', 40], ['yogurt', 300], ['strawberry', 900], ['vanilla', 800], ['total', 60]]);
  const names = [
    { name: 'Vanilla Greek Yogurt', weight: 1 },
    { name: 'Strawberry Greek Yogurt', weight: 1 },
    { name: 'Total Greek Yogurt', weight: 2 },
  ];

  it('ranks phrases common in the group and rare in the catalogue first, with their coverage', () => {
    const phrases = distinctivePhrases(names, c, 50_000, 3);
    expect(phrases[0]).toMatchObject({ text: 'greek yogurt', coverage: 1 });
    expect(phrases.map((p) => p.text)).toContain('total');
    expect(phrases.find((p) => p.text === 'total')!.coverage).toBeCloseTo(0.5);
  });

  it('skips a phrase contained in an already chosen one', () => {
    expect(distinctivePhrases(names, c, 50_000, 10).map((p) => p.text)).not.toContain('yogurt');
  });

  it('returns nothing for an empty corpus or no weight', () => {
    expect(distinctivePhrases(names, corpus([]), 50_000, 3)).toEqual([]);
    expect(distinctivePhrases([], c, 50_000, 3)).toEqual([]);
  });
});
