import { describe, expect, it } from 'vitest';
import { bestPerProduct, compareScored, DEFAULT_RANKING, dot, pickTop, pickTopCapped, rankScore, relevance } from './rank.js';
import { loadConfig } from '../../config/config.js';

describe('relevance', () => {
  it('blends hit score and theme cosine by the hit weight', () => {
    expect(relevance(1, 0, { ...DEFAULT_RANKING, hitWeight: 0.7 })).toBeCloseTo(0.7);
    expect(relevance(0, 1, { ...DEFAULT_RANKING, hitWeight: 0.7 })).toBeCloseTo(0.3);
    expect(relevance(0.8, 0.4)).toBeCloseTo(0.6);
  });

  it('clamps negative and non-finite similarities to 0 and caps at 1', () => {
    expect(relevance(-0.5, -1)).toBe(0);
    expect(relevance(Number.NaN, 2)).toBeCloseTo(1 - DEFAULT_RANKING.hitWeight);
  });
});

describe('rankScore', () => {
  it('is relevance^exponent × probability, each clamped to [0, 1]', () => {
    expect(rankScore(0.5, 0.2)).toBeCloseTo(Math.sqrt(0.5) * 0.2);
    expect(rankScore(0.5, 0.2, { ...DEFAULT_RANKING, relevanceExponent: 1 })).toBeCloseTo(0.5 * 0.2);
    expect(rankScore(0.5, 0.2, { ...DEFAULT_RANKING, relevanceExponent: 2 })).toBeCloseTo(0.25 * 0.2);
    expect(rankScore(0.5, 0.2, { ...DEFAULT_RANKING, relevanceExponent: 0 })).toBeCloseTo(0.2);
    expect(rankScore(-1, 0.2)).toBe(0);
    expect(rankScore(0.5, 3)).toBeCloseTo(Math.sqrt(0.5));
  });

  it('ranks a likely reorder of middling relevance above an unlikely new product that fits perfectly', () => {
    expect(rankScore(0.5, 0.3)).toBeGreaterThan(rankScore(1, 0.01));
  });
});

describe('DEFAULT_RANKING', () => {
  it('is the config default, so code without a config ranks as a run does', () => {
    expect(loadConfig({ env: {}, cwd: '/nonexistent' }).phases.assemble.ranking).toEqual(DEFAULT_RANKING);
  });
});

describe('ordering', () => {
  it('orders by score descending, then productId ascending', () => {
    const items = [
      { productId: '5', score: 0.5 },
      { productId: '2', score: 0.9 },
      { productId: '3', score: 0.5 },
    ];
    expect([...items].sort(compareScored).map((i) => i.productId)).toEqual(['2', '3', '5']);
  });

  it('keeps the best entry per product', () => {
    const best = bestPerProduct([
      { productId: '1', score: 0.2, keyword: 'a' },
      { productId: '1', score: 0.6, keyword: 'b' },
      { productId: '2', score: 0.1, keyword: 'a' },
    ]);
    expect(best.find((b) => b.productId === '1')?.keyword).toBe('b');
    expect(best).toHaveLength(2);
  });

  it('picks the top n, skipping products already on the page', () => {
    const items = [1, 2, 3, 4, 5].map((id) => ({ productId: String(id), score: id / 10 }));
    expect(pickTop(items, 2, new Set(['5'])).map((i) => i.productId)).toEqual(['4', '3']);
    expect(pickTop(items, 10, new Set(['1', '2', '3', '4', '5']))).toEqual([]);
  });
});

describe('dot', () => {
  it('computes the dot product and rejects mismatched lengths', () => {
    expect(dot(Float32Array.from([0.6, 0.8]), Float32Array.from([0.6, 0.8]))).toBeCloseTo(1);
    expect(() => dot(new Float32Array(2), new Float32Array(3))).toThrow(/length mismatch/);
  });
});

describe('pickTopCapped', () => {
  const items = [
    { productId: '1', score: 0.9 },
    { productId: '2', score: 0.8 },
    { productId: '3', score: 0.7 },
    { productId: '4', score: 0.6 },
    { productId: '5', score: 0.5 },
  ];
  const own = (it: { productId: string }) => Number(it.productId) <= 3;

  it('passes over own items beyond the cap in favour of the next best new ones', () => {
    expect(pickTopCapped(items, 3, new Set(), own, 1).map((x) => x.productId)).toEqual(['1', '4', '5']);
    expect(pickTopCapped(items, 3, new Set(['1']), own, 1).map((x) => x.productId)).toEqual(['2', '4', '5']);
  });

  it('equals pickTop when the cap does not bind', () => {
    expect(pickTopCapped(items, 4, new Set(['2']), own, 4)).toEqual(pickTop(items, 4, new Set(['2'])));
  });
});
