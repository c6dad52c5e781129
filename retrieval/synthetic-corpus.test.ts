import { beforeAll, describe, expect, it } from 'vitest';
import { realCatalogue } from '../testing/real-data.js';
import { buildKeywordCorpus } from './corpus.js';
import type { KeywordCorpus } from './corpus-types.js';
import { buildSyntheticCorpus, SYNTHETIC_ID_PREFIX } from './synthetic-corpus.js';


let base: KeywordCorpus;
beforeAll(async () => {
  base = buildKeywordCorpus(await realCatalogue());
});

describe('buildSyntheticCorpus', () => {
  it('grows the real corpus to 300K terms, every generated one labelled synthetic', () => {
    const syn = buildSyntheticCorpus(base);
    expect(syn.terms).toHaveLength(300_000);
    expect(syn).toMatchObject({ synthetic: true, seed: 1, baseDigest: base.digest, generatedTerms: 300_000 - base.terms.length });
    expect(syn.terms.slice(0, base.terms.length)).toEqual(base.terms);
    const generated = syn.terms.slice(base.terms.length);
    expect(generated.filter((t) => !t.id.startsWith(SYNTHETIC_ID_PREFIX) || t.id !== `${SYNTHETIC_ID_PREFIX}${t.text}` || t.df !== 0)).toEqual([]);
    expect(new Set(syn.terms.map((t) => t.text)).size).toBe(300_000);
    expect(syn.byText.size).toBe(300_000);
    // Grocery-like: normalised words, each built from real terms, in a real category.
    expect(generated.filter((t) => !/^[a-z0-9%]+( [a-z0-9%]+)+$/.test(t.text) || t.categories.length === 0)).toEqual([]);
    const realWords = new Set(base.terms.flatMap((t) => t.text.split(' ')));
    expect(generated.slice(0, 2_000).filter((t) => t.text.split(' ').some((w) => w !== 'with' && !realWords.has(w)))).toEqual([]);
  });

  it('is deterministic per seed', () => {
    const a = buildSyntheticCorpus(base, { size: 40_000, seed: 3 });
    const b = buildSyntheticCorpus(base, { size: 40_000, seed: 3 });
    const c = buildSyntheticCorpus(base, { size: 40_000, seed: 4 });
    expect(b.digest).toBe(a.digest);
    expect(b.terms.map((t) => t.text)).toEqual(a.terms.map((t) => t.text));
    expect(c.digest).not.toBe(a.digest);
    expect(a.digest).not.toBe(base.digest);
  });

  it('returns the base terms when the size is already reached, and refuses a bad size or a base too small', () => {
    expect(buildSyntheticCorpus(base, { size: 10 }).terms).toEqual(base.terms);
    expect(() => buildSyntheticCorpus(base, { size: -5 })).toThrow(RangeError);
    const tiny: KeywordCorpus = { terms: base.terms.slice(0, 3), byText: new Map(), digest: 'x' };
    expect(() => buildSyntheticCorpus(tiny, { size: 100 })).toThrow(/no phrases with df >= 5/);
  });
});
