import { describe, expect, it } from 'vitest';
import { fitLogistic, sigmoid } from './logistic.js';

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

describe('fitLogistic', () => {
  it('treats a constant column as constant, so a new value in it cannot swamp the score', () => {
    // 0.9 a hundred times has a computed spread of ~1e-15, not 0.
    const X = Array.from({ length: 100 }, (_, i) => [i / 100, 0.9]);
    const y = X.map(([x]) => (x > 0.5 ? 1 : 0));
    const fit = fitLogistic(X, y, { epochs: 200 });
    expect(fit.std[1]).toBe(1);
    expect(fit.std[0]).toBeCloseTo(0.2887, 3);
    const z = (x: number[]) => fit.bias + x.reduce((s, v, j) => s + fit.weights[j] * ((v - fit.mean[j]) / fit.std[j]), 0);
    expect(Math.abs(z([0.2, 0.5]) - z([0.2, 0.9]))).toBeLessThan(1);
  });
});
