import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, candidateFeatures, contentTokens, contextOf, stem, themeTokens, tokenDice, type Candidate, type ThemeScope } from './features.js';

const theme: ThemeScope = {
  id: 't',
  title: 'Greek yogurt breakfast',
  description: 'Thick yogurt with granola.',
  concepts: ['greek yogurt', 'blueberries'],
  categoryIds: ['a120', 'a57'],
  departmentIds: ['d16'],
};

const cand = (over: Partial<Candidate>): Candidate => ({ id: 'kw:x', text: 'x', kind: 'phrase', df: 10, categories: [], departments: [], similarity: 0.5, rank: 0, ...over });
const feature = (values: number[], name: (typeof FEATURE_NAMES)[number]) => values[FEATURE_NAMES.indexOf(name)];

describe('tokens', () => {
  it('stems plurals so singular and plural forms meet', () => {
    expect(stem('blueberries')).toBe('blueberry');
    expect(stem('apples')).toBe('apple');
    expect(stem('peaches')).toBe('peach');
    expect(stem('glass')).toBe('glass');
    expect(contentTokens('Apples and the Peaches!')).toEqual(['apple', 'peach']);
  });

  it('scores word overlap with the Dice coefficient', () => {
    expect(tokenDice(['greek', 'yogurt'], ['greek', 'yogurt'])).toBe(1);
    expect(tokenDice(['greek', 'yogurt'], ['plain', 'greek', 'yogurt'])).toBeCloseTo(0.8);
    expect(tokenDice(['cola'], ['yogurt'])).toBe(0);
    expect(tokenDice([], ['yogurt'])).toBe(0);
  });
});

describe('candidateFeatures', () => {
  const t = themeTokens(theme);
  const context = { candidateCount: 11, topSimilarity: 0.8 };

  it('rewards a candidate in the theme categories that matches a concept', () => {
    const f = candidateFeatures(t, cand({ text: 'Greek Yogurts', categories: ['a120', 'a2'], departments: ['d16'], similarity: 0.7, rank: 5 }), context);
    expect(f).toHaveLength(FEATURE_NAMES.length);
    expect(feature(f, 'categoryPrimary')).toBe(1);
    expect(feature(f, 'categoryAny')).toBe(1);
    expect(feature(f, 'departmentPrimary')).toBe(1);
    expect(feature(f, 'conceptMatch')).toBe(1);
    expect(feature(f, 'lexicalOverlap')).toBe(1);
    expect(feature(f, 'similarityGap')).toBeCloseTo(0.1);
    expect(feature(f, 'rankFraction')).toBeCloseTo(0.5);
  });

  it('gives an off-theme candidate no category, department or lexical agreement', () => {
    const f = candidateFeatures(t, cand({ text: 'diet cola', categories: ['a77'], departments: ['d7'], df: 0 }), context);
    expect(feature(f, 'categoryPrimary')).toBe(0);
    expect(feature(f, 'categoryAny')).toBe(0);
    expect(feature(f, 'departmentPrimary')).toBe(0);
    expect(feature(f, 'lexicalOverlap')).toBe(0);
    expect(feature(f, 'conceptMatch')).toBe(0);
    expect(feature(f, 'logDf')).toBe(0);
  });

  it('counts category agreement in the top three categories only, and only when the theme names categories', () => {
    expect(feature(candidateFeatures(t, cand({ categories: ['a1', 'a2', 'a3', 'a120'] }), context), 'categoryAny')).toBe(0);
    expect(feature(candidateFeatures(t, cand({ categories: ['a1', 'a120'] }), context), 'categoryAny')).toBe(1);
    const noCategories = themeTokens({ ...theme, categoryIds: [] });
    const f = candidateFeatures(noCategories, cand({ categories: ['a120'] }), context);
    expect(feature(f, 'categoryAny')).toBe(0);
    expect(feature(f, 'themeHasCategories')).toBe(0);
  });

  it('one-hot encodes the kind with phrase as the baseline', () => {
    const kinds = (kind: Candidate['kind']) => ['kindCategory', 'kindDepartment', 'kindAttribute'].map((n) => feature(candidateFeatures(t, cand({ kind }), context), n as never));
    expect(kinds('phrase')).toEqual([0, 0, 0]);
    expect(kinds('category')).toEqual([1, 0, 0]);
    expect(kinds('department')).toEqual([0, 1, 0]);
    expect(kinds('attribute')).toEqual([0, 0, 1]);
  });

  it('derives the list context from similarities', () => {
    expect(contextOf([{ similarity: 0.2 }, { similarity: 0.9 }])).toEqual({ candidateCount: 2, topSimilarity: 0.9 });
    expect(contextOf([])).toEqual({ candidateCount: 0, topSimilarity: 0 });
  });
});
