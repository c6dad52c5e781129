import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, candidateFeatures, contentTokens, contextOf, stem, themeTokens, tokenDice, type Candidate, type ThemeScope } from './features.js';

const theme: ThemeScope = {
  id: 't',
  title: 'Greek yogurt breakfast',
  description: 'Thick yogurt with granola.',
  concepts: ['greek yogurt', 'blueberries'],
  aisleIds: [120, 57],
  departmentIds: [16],
};

const cand = (over: Partial<Candidate>): Candidate => ({ id: 'kw:x', text: 'x', kind: 'phrase', df: 10, aisles: [], departments: [], similarity: 0.5, rank: 0, ...over });
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

  it('rewards a candidate in the theme aisles that matches a concept', () => {
    const f = candidateFeatures(t, cand({ text: 'Greek Yogurts', aisles: [120, 2], departments: [16], similarity: 0.7, rank: 5 }), context);
    expect(f).toHaveLength(FEATURE_NAMES.length);
    expect(feature(f, 'aislePrimary')).toBe(1);
    expect(feature(f, 'aisleAny')).toBe(1);
    expect(feature(f, 'departmentPrimary')).toBe(1);
    expect(feature(f, 'conceptMatch')).toBe(1);
    expect(feature(f, 'lexicalOverlap')).toBe(1);
    expect(feature(f, 'similarityGap')).toBeCloseTo(0.1);
    expect(feature(f, 'rankFraction')).toBeCloseTo(0.5);
  });

  it('gives an off-theme candidate no aisle, department or lexical agreement', () => {
    const f = candidateFeatures(t, cand({ text: 'diet cola', aisles: [77], departments: [7], df: 0 }), context);
    expect(feature(f, 'aislePrimary')).toBe(0);
    expect(feature(f, 'aisleAny')).toBe(0);
    expect(feature(f, 'departmentPrimary')).toBe(0);
    expect(feature(f, 'lexicalOverlap')).toBe(0);
    expect(feature(f, 'conceptMatch')).toBe(0);
    expect(feature(f, 'logDf')).toBe(0);
  });

  it('counts aisle agreement in the top three aisles only, and only when the theme names aisles', () => {
    expect(feature(candidateFeatures(t, cand({ aisles: [1, 2, 3, 120] }), context), 'aisleAny')).toBe(0);
    expect(feature(candidateFeatures(t, cand({ aisles: [1, 120] }), context), 'aisleAny')).toBe(1);
    const noAisles = themeTokens({ ...theme, aisleIds: [] });
    const f = candidateFeatures(noAisles, cand({ aisles: [120] }), context);
    expect(feature(f, 'aisleAny')).toBe(0);
    expect(feature(f, 'themeHasAisles')).toBe(0);
  });

  it('one-hot encodes the kind with phrase as the baseline', () => {
    const kinds = (kind: Candidate['kind']) => ['kindAisle', 'kindDepartment', 'kindAttribute'].map((n) => feature(candidateFeatures(t, cand({ kind }), context), n as never));
    expect(kinds('phrase')).toEqual([0, 0, 0]);
    expect(kinds('aisle')).toEqual([1, 0, 0]);
    expect(kinds('department')).toEqual([0, 1, 0]);
    expect(kinds('attribute')).toEqual([0, 0, 1]);
  });

  it('derives the list context from similarities', () => {
    expect(contextOf([{ similarity: 0.2 }, { similarity: 0.9 }])).toEqual({ candidateCount: 2, topSimilarity: 0.9 });
    expect(contextOf([])).toEqual({ candidateCount: 0, topSimilarity: 0 });
  });
});
