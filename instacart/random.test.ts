import { describe, expect, it } from 'vitest';
import { seededRandom, shuffled } from './random.js';

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
