import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_NAMES, type Candidate } from './features.js';
import { loadStudentWeights, pickDiverse, predictProbability, studentConfidence, validateWeights, weightsPathFor, WEIGHTS_DIR, type ScoredCandidate, type StudentWeights } from './student.js';

const zeros = FEATURE_NAMES.map(() => 0);
export const flatWeights: StudentWeights = {
  format: 'hubgen-student-weights/1',
  model: 'test',
  embedderId: 'test',
  features: [...FEATURE_NAMES],
  means: zeros,
  stds: FEATURE_NAMES.map(() => 1),
  coefficients: zeros,
  intercept: 0,
  cutoff: 0.5,
  trainedOn: 'nothing',
  trainedAt: '1970-01-01T00:00:00.000Z',
};

const scored = (text: string, probability: number): ScoredCandidate => ({
  candidate: { id: `kw:${text}`, text, kind: 'phrase', df: 1, categories: [], departments: [], similarity: 0, rank: 0 } satisfies Candidate,
  probability,
});

describe('weights', () => {
  it('refuses weights computed over other features, naming the source', () => {
    expect(() => validateWeights({ ...flatWeights, features: ['similarity'] }, 'w.json')).toThrow(/w\.json: \/features are \[similarity\]/);
    expect(() => validateWeights({ ...flatWeights, cutoff: 2 }, 'w.json')).toThrow(/w\.json: invalid student weights: \/cutoff must be <= 1/);
    expect(() => validateWeights({ ...flatWeights, coefficients: [1] }, 'w.json')).toThrow(/\/coefficients has 1 values, expected 15/);
  });

  it('maps a student model id to its weights file, or takes a .json path as is', () => {
    expect(weightsPathFor('hubgen-student-v1')).toBe(join(WEIGHTS_DIR, 'student-v1.json'));
    expect(weightsPathFor('tmp/w.json', '/x')).toBe('/x/tmp/w.json');
    expect(() => weightsPathFor('gpt-4o-mini')).toThrow(/names no weights/);
  });

  it('loads and digests a weights file; the digest ignores metadata', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubgen-w-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const c = join(dir, 'c.json');
    writeFileSync(a, JSON.stringify(flatWeights));
    writeFileSync(b, JSON.stringify({ ...flatWeights, trainedOn: 'a different description' }));
    writeFileSync(c, JSON.stringify({ ...flatWeights, intercept: 1 }));
    expect(loadStudentWeights(a).digest).toBe(loadStudentWeights(b).digest);
    expect(loadStudentWeights(a).digest).not.toBe(loadStudentWeights(c).digest);
    expect(() => loadStudentWeights(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read student weights/);
  });

  it('computes a logistic probability on standardised features', () => {
    const w = { ...flatWeights, coefficients: FEATURE_NAMES.map((_, i) => (i === 0 ? 2 : 0)), means: FEATURE_NAMES.map(() => 0.5), stds: FEATURE_NAMES.map(() => 0.25) };
    const x = FEATURE_NAMES.map(() => 0);
    x[0] = 0.75; // one std above the mean → z = 2
    expect(predictProbability(w, x)).toBeCloseTo(1 / (1 + Math.exp(-2)));
  });
});

describe('pickDiverse', () => {
  it('prefers a different keyword over a near-duplicate of one already picked', () => {
    const picks = pickDiverse([scored('greek yogurt', 0.95), scored('plain greek yogurt', 0.93), scored('greek yogurt cup', 0.92), scored('granola', 0.8)], {
      minKeywords: 1,
      maxKeywords: 2,
      cutoff: 0.5,
    });
    expect(picks.map((p) => p.candidate.text)).toEqual(['greek yogurt', 'granola']);
  });

  it('takes at most maxKeywords above the cutoff and pads below it only up to minKeywords', () => {
    const pool = [scored('a1', 0.9), scored('b2', 0.8), scored('c3', 0.3), scored('d4', 0.2), scored('e5', 0.1)];
    expect(pickDiverse(pool, { minKeywords: 1, maxKeywords: 5, cutoff: 0.5 }).map((p) => p.candidate.text)).toEqual(['a1', 'b2']);
    expect(pickDiverse(pool, { minKeywords: 4, maxKeywords: 5, cutoff: 0.5 }).map((p) => p.candidate.text)).toEqual(['a1', 'b2', 'c3', 'd4']);
    expect(pickDiverse(pool, { minKeywords: 1, maxKeywords: 1, cutoff: 0.05 })).toHaveLength(1);
  });
});

describe('studentConfidence', () => {
  it('is the mean probability when every pick clears the cutoff by the margin', () => {
    expect(studentConfidence([scored('a', 0.9), scored('b', 0.7)], 0.5)).toBeCloseTo(0.8);
  });
  it('drops when the student had to pad with candidates it does not believe in', () => {
    const confident = studentConfidence([scored('a', 0.9), scored('b', 0.8)], 0.5);
    const padded = studentConfidence([scored('a', 0.9), scored('b', 0.8), scored('c', 0.2)], 0.5);
    expect(padded).toBeLessThan(confident * 0.7);
    expect(studentConfidence([], 0.5)).toBe(0);
  });
});
