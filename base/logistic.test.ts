import { describe, expect, it } from 'vitest';
import { sigmoid } from './logistic.js';

describe('sigmoid', () => {
  it('is 1 / (1 + e^-z), to the last bit', () => {
    for (const z of [-7.25, -1, -1e-9, 0, 0.3, 2, 13.5]) expect(sigmoid(z)).toBe(1 / (1 + Math.exp(-z)));
    expect(sigmoid(0)).toBe(0.5);
  });

  it('is symmetric and stays in [0, 1] at the extremes', () => {
    expect(sigmoid(3) + sigmoid(-3)).toBeCloseTo(1, 15);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-Infinity)).toBe(0);
    expect(sigmoid(Infinity)).toBe(1);
  });
});
