import { describe, expect, it } from 'vitest';
import { evaluateThreshold, expectedCalibrationError, proposeThreshold, reliabilityTable, thresholdCurve, type CascadeItem, type LabelledConfidence } from './calibration.js';

const many = (n: number, confidence: number, correct: number): LabelledConfidence[] => Array.from({ length: n }, (_, i) => ({ confidence, correct: i < correct }));

describe('reliabilityTable', () => {
  it('bins by confidence with count, mean confidence and accuracy; 1.0 falls in the last bin', () => {
    const table = reliabilityTable([...many(4, 0.95, 3), { confidence: 1, correct: true }, ...many(2, 0.31, 1)], 5);
    expect(table).toHaveLength(5);
    expect(table[4]).toEqual({ lo: 0.8, hi: 1, count: 5, meanConfidence: (4 * 0.95 + 1) / 5, accuracy: 0.8 });
    expect(table[1]).toMatchObject({ count: 2, meanConfidence: 0.31, accuracy: 0.5 });
    expect(table[0]).toEqual({ lo: 0, hi: 0.2, count: 0, meanConfidence: undefined, accuracy: undefined });
  });

  it('rejects a confidence outside 0..1, naming the item', () => {
    expect(() => reliabilityTable([{ confidence: 0.5, correct: true }, { confidence: 1.2, correct: false }])).toThrow(/item 1: confidence must be within 0..1, got 1.2/);
  });
});

describe('expectedCalibrationError', () => {
  it('is the count-weighted gap between accuracy and confidence (known answer 0.1)', () => {
    // Bin 0.9–1: confidence 0.95, accuracy 0.9 (gap 0.05); bin 0.3–0.4: confidence 0.35, accuracy 0.5 (gap 0.15).
    expect(expectedCalibrationError([...many(10, 0.95, 9), ...many(10, 0.35, 5)])).toBeCloseTo(0.1, 12);
  });

  it('is 0 for a perfectly calibrated tier and large for an overconfident one', () => {
    expect(expectedCalibrationError(many(10, 0.8, 8))).toBeCloseTo(0, 12);
    expect(expectedCalibrationError([...many(10, 0.8, 8), ...many(10, 0.25, 2)])).toBeCloseTo(0.025, 12);
    expect(expectedCalibrationError(many(10, 0.99, 1))).toBeCloseTo(0.89, 12);
  });
});

describe('thresholdCurve and proposeThreshold', () => {
  const item = (confidence: number, cheapCorrect: boolean, strongCorrect: boolean): CascadeItem => ({ confidence, cheapCorrect, cheapCostUsd: 1, strongCorrect, strongCostUsd: 10 });
  const items = [item(0.9, true, true), item(0.7, true, true), item(0.5, false, true), item(0.3, false, true), item(0.2, false, false)];

  it('gives quality, cost and escalation rate at each distinct confidence, 0 and 1', () => {
    const curve = thresholdCurve(items);
    expect(curve.map((p) => p.threshold)).toEqual([0, 0.2, 0.3, 0.5, 0.7, 0.9, 1]);
    expect(curve.map((p) => p.quality)).toEqual([0.4, 0.4, 0.4, 0.6, 0.8, 0.8, 0.8]);
    expect(curve.map((p) => p.costUsd)).toEqual([1, 1, 3, 5, 7, 9, 11]);
    expect(evaluateThreshold(items, 0.5).escalationRate).toBe(0.4);
  });

  it('proposes the cheapest threshold reaching the target quality', () => {
    expect(proposeThreshold(thresholdCurve(items), 0.8)).toEqual({ reached: true, threshold: 0.7, quality: 0.8, costUsd: 7, escalationRate: 0.6 });
    expect(proposeThreshold(thresholdCurve(items), 0.4)).toMatchObject({ reached: true, threshold: 0, costUsd: 1 });
  });

  it('says when no threshold reaches the target, with the best point there is', () => {
    expect(proposeThreshold(thresholdCurve(items), 0.95)).toEqual({ reached: false, target: 0.95, best: expect.objectContaining({ threshold: 0.7, quality: 0.8 }) });
  });
});
