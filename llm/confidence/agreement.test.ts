import { describe, expect, it } from 'vitest';
import { canonicalSet, jaccard, majorityAgreement, normaliseText, setAgreement } from './agreement.js';

/** Five samples of a themes answer: three name the same themes in other orders and spellings. */
const samples = [
  { themes: [{ title: 'Pasta night' }, { title: 'Fresh bakery' }] },
  { themes: [{ title: 'Fresh Bakery' }, { title: 'pasta night!' }] },
  { themes: [{ title: 'Pasta  Night' }, { title: 'Fresh bakery' }] },
  { themes: [{ title: 'Pasta night' }, { title: 'Breakfast' }] },
  { themes: [{ title: 'Snacks' }] },
];
const titles = (s: (typeof samples)[number]) => s.themes.map((t) => t.title);

describe('majorityAgreement', () => {
  it('is the share agreeing with the most common canonical answer', () => {
    const r = majorityAgreement(samples, (s) => canonicalSet(titles(s)));
    expect(r).toEqual({ share: 3 / 5, majority: JSON.stringify(['fresh bakery', 'pasta night']), representative: 0, samples: 5 });
  });

  it('is 1 when every sample agrees and 1/n when none do', () => {
    expect(majorityAgreement([3, 3, 3], String).share).toBe(1);
    expect(majorityAgreement(['a', 'b', 'c', 'd'], (x) => x)).toMatchObject({ share: 0.25, representative: 0 });
  });

  it('refuses fewer than two samples instead of reporting certainty', () => {
    expect(() => majorityAgreement(['a'], (x) => x)).toThrow(/at least 2 samples.*got 1/);
  });
});

describe('setAgreement', () => {
  it('picks the medoid and averages the others’ Jaccard similarity to it', () => {
    const sets = samples.map((s) => titles(s).map(normaliseText));
    const r = setAgreement(sets, (x) => x);
    // Sample 0's set {pasta night, fresh bakery} matches 1 and 2 exactly, 3 at 1/3 and 4 at 0.
    expect(r.medoid).toBe(0);
    expect(r.meanJaccard).toBeCloseTo((1 + 1 + 1 / 3 + 0) / 4, 10);
    expect(r.samples).toBe(5);
  });

  it('is higher for near-agreeing lists than for disjoint ones', () => {
    const close = setAgreement([['a', 'b', 'c'], ['a', 'b', 'd'], ['a', 'b', 'c']], (x) => x).meanJaccard;
    const apart = setAgreement([['a'], ['b'], ['c']], (x) => x).meanJaccard;
    expect(close).toBeGreaterThan(0.7);
    expect(apart).toBe(0);
  });
});

describe('jaccard and normaliseText', () => {
  it('measures overlap and ignores case and punctuation', () => {
    expect(jaccard(new Set(['a', 'b']), new Set(['b', 'c']))).toBeCloseTo(1 / 3, 10);
    expect(jaccard(new Set(), new Set())).toBe(1);
    expect(normaliseText('  Crème-Brûlée, FRESH! ')).toBe('crème brûlée fresh');
    expect(canonicalSet(['b', 'A', 'a '])).toBe('["a","b"]');
  });
});
