import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_TERMS, attributesOf } from './attributes.js';

describe('attributesOf', () => {
  it('finds attributes from any alias, in list order', () => {
    expect(attributesOf('Gluten-Free Organic Whole Wheat Bread')).toEqual(['organic', 'gluten free', 'whole wheat']);
    expect(attributesOf('Nonfat Plain Greek Yogurt')).toEqual(['fat free']);
    expect(attributesOf('100% Natural Cage-Free Eggs')).toEqual(['free range', 'all natural']);
  });
  it('matches whole words only', () => {
    expect(attributesOf('Rawhide Dog Chews')).toEqual([]);
    expect(attributesOf('Dietary Fiber Supplement')).toEqual([]);
    expect(attributesOf('Organically Grown Kale')).toEqual([]);
  });
  it('has unique terms, each matching its own name', () => {
    const terms = ATTRIBUTE_TERMS.map((a) => a.term);
    expect(new Set(terms).size).toBe(terms.length);
    for (const a of ATTRIBUTE_TERMS) expect(attributesOf(a.aliases[0])).toContain(a.term);
  });
});
