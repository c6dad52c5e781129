import { describe, expect, it } from 'vitest';
import { mulberry32, seededRandom, shuffled } from './random.js';

describe('seededRandom', () => {
  it('repeats per seed, differs across seeds, stays in [0, 1)', () => {
    const draw = (seed: number) => Array.from({ length: 1_000 }, seededRandom(seed));
    const a = draw(42);
    expect(draw(42)).toEqual(a);
    expect(draw(43)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // Roughly uniform: each tenth of [0,1) gets 5-15% of draws.
    for (let d = 0; d < 10; d++) {
      const share = a.filter((x) => Math.floor(x * 10) === d).length / a.length;
      expect(share).toBeGreaterThan(0.05);
      expect(share).toBeLessThan(0.15);
    }
  });
  it('rejects a non-integer seed', () => {
    expect(() => seededRandom(1.5)).toThrow(/seed must be an integer/);
  });
  it('keeps the exact mulberry32 sequence that seeded the trained weights and simulations', () => {
    const r = seededRandom(7);
    expect([r(), r(), r()]).toEqual([0.011704753153026104, 0.06195825757458806, 0.97690763277933]);
  });
});

describe('mulberry32', () => {
  const draw = (rnd: () => number) => Array.from({ length: 20 }, rnd);
  it('is seededRandom for integer seeds', () => {
    for (const seed of [0, 1, 7, 8, 2 ** 31, 4294967295]) expect(draw(mulberry32(seed))).toEqual(draw(seededRandom(seed)));
  });
  it('coerces any other number to 32 bits instead of throwing, as the trainer and simulator always did', () => {
    expect(draw(mulberry32(1.5))).toEqual(draw(mulberry32(1)));
    expect(draw(mulberry32(Number.NaN))).toEqual(draw(mulberry32(0)));
    expect(draw(mulberry32(-1))).toEqual(draw(mulberry32(4294967295)));
  });
});

describe('shuffled', () => {
  it('returns a permutation of a copy', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffled(items, seededRandom(1));
    expect(out).not.toEqual(items);
    expect([...out].sort((a, b) => a - b)).toEqual(items);
    expect(items[0]).toBe(0);
  });
});
