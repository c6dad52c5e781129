import { describe, expect, it } from 'vitest';
import { judgeVerdictSchema } from '../../phases/filter/schema.js';
import { keywordSelectionSchema } from '../../phases/keywords/schema.js';
import { themesSchema } from '../../phases/themes/schema.js';
import { singleStepSchema } from '../../phases/single-step/schema.js';
import { confidencePaths, selfReportedConfidence } from './self-reported.js';

const theme = (confidence: unknown) => ({ id: 'x', title: 'Pasta', description: 'Pasta for dinner', concepts: ['pasta'], categories: [], departments: [], confidence });

describe('confidencePaths', () => {
  it('finds the per-item and top-level confidence fields of the phase schemas', () => {
    expect(confidencePaths(themesSchema)).toEqual([['themes', '*', 'confidence']]);
    expect(confidencePaths(keywordSelectionSchema)).toEqual([['confidence']]);
    expect(confidencePaths(judgeVerdictSchema)).toEqual([['confidence']]);
    expect(confidencePaths(singleStepSchema)).toEqual([['confidence']]);
    expect(confidencePaths({ type: 'object', properties: { confidence: { type: 'string' } } })).toEqual([]);
  });
});

describe('selfReportedConfidence', () => {
  const answer = { pageTitle: 'Week', themes: [theme(0.9), theme(0.6), theme(0.3)] };

  it('is the mean over items by default and the minimum when asked', () => {
    expect(selfReportedConfidence(answer, themesSchema)).toEqual({ confidence: 0.6, count: 3, missing: 0 });
    expect(selfReportedConfidence(answer, themesSchema, { reduce: 'min' })?.confidence).toBe(0.3);
  });

  it('counts only the first items when told, e.g. the themes that fill the page', () => {
    expect(selfReportedConfidence(answer, themesSchema, { firstItems: 2 })?.confidence).toBeCloseTo(0.75, 10);
  });

  it('reads a top-level field, clamps out-of-range values and counts missing ones', () => {
    expect(selfReportedConfidence({ keywords: [], confidence: 1.3 }, keywordSelectionSchema)).toEqual({ confidence: 1, count: 1, missing: 0 });
    const holes = { pageTitle: 'Week', themes: [theme(0.8), theme('high'), { ...theme(0), confidence: undefined }] };
    expect(selfReportedConfidence(holes, themesSchema)).toEqual({ confidence: 0.8, count: 1, missing: 2 });
  });

  it('is undefined when the schema has no confidence field or the answer fills none', () => {
    expect(selfReportedConfidence({ a: 1 }, { type: 'object', properties: { a: { type: 'number' } } })).toBeUndefined();
    expect(selfReportedConfidence({ keywords: [] }, keywordSelectionSchema)).toBeUndefined();
  });
});
