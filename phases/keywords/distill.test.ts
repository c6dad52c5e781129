import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../base/random.js';
import { loadConfig } from '../../config/config.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { distillStudent, fitLogistic, readLabelledFile, runDistill, writeLabelledFile, evaluate, type LabelledRow } from './distill.js';
import { validateWeights, type StudentWeights } from './student.js';
import { FEATURE_NAMES } from './features.js';

/**
 * Synthetic labelled rows with a planted rule: a candidate is a keyword when it sits in the theme's
 * category and is reasonably similar, or is very similar; 5% of labels are flipped as noise.
 */
function plantedRows(themes: number, perTheme: number, seed: number): LabelledRow[] {
  const random = seededRandom(seed);
  const rows: LabelledRow[] = [];
  for (let t = 0; t < themes; t++) {
    const theme = { id: `t${t}`, title: `Theme ${t}`, description: 'A theme.', concepts: ['x'], categoryIds: [`a${t}`], departmentIds: ['d100'] };
    const sims = Array.from({ length: perTheme }, () => random()).sort((a, b) => b - a);
    sims.forEach((similarity, rank) => {
      const inCategory = random() < 0.4;
      const truth = (inCategory && similarity > 0.3) || similarity > 0.85;
      rows.push({
        theme,
        candidate: { text: `term ${t} ${rank}`, kind: 'phrase', df: 1 + Math.floor(random() * 50), categories: inCategory ? [`a${t}`] : [`a${1000 + t}`], departments: ['d100'], similarity, rank },
        context: { candidateCount: perTheme, topSimilarity: sims[0] },
        chosen: random() < 0.05 ? !truth : truth,
      });
    });
  }
  return rows;
}

const flat: StudentWeights = {
  format: 'hubgen-student-weights/1',
  model: 'flat',
  embedderId: 'test-hashing-256',
  features: [...FEATURE_NAMES],
  means: FEATURE_NAMES.map(() => 0),
  stds: FEATURE_NAMES.map(() => 1),
  coefficients: FEATURE_NAMES.map(() => 0),
  intercept: -1,
  cutoff: 0.5,
  trainedOn: 'nothing: predicts "not a keyword" for everything',
  trainedAt: '1970-01-01T00:00:00.000Z',
};

describe('fitLogistic', () => {
  it('recovers the direction of a planted signal', () => {
    const random = seededRandom(3);
    const x = Array.from({ length: 400 }, () => [random(), random()]);
    const y = x.map(([a]) => a > 0.5);
    const m = fitLogistic(x, y);
    expect(m.coefficients[0]).toBeGreaterThan(2);
    expect(Math.abs(m.coefficients[1])).toBeLessThan(0.5);
  });
});

describe('evaluate', () => {
  it('computes accuracy, F1 and per-theme precision@5', () => {
    const s = evaluate([0.9, 0.8, 0.2, 0.1], [true, false, true, false], ['a', 'a', 'b', 'b'], 0.5);
    expect(s.accuracy).toBe(0.5);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBe(0.5);
    expect(s.precisionAt5).toBe(0.5);
  });
});

describe('distillStudent', () => {
  const rows = plantedRows(30, 40, 11);

  it('learns the planted rule well enough to beat the majority class and cosine alone on held-out themes', () => {
    const { weights, report } = distillStudent({ rows, previousWeights: flat, holdoutShare: 0.25, seed: 5, embedderId: 'test-hashing-256' });
    expect(report.n).toBe(rows.length);
    expect(report.heldOutThemes).toBe(8);
    expect(report.heldOutRows + report.trainRows).toBe(rows.length);
    expect(report.heldOutAccuracy).toBeGreaterThan(report.baselineAccuracy + 0.1);
    expect(report.heldOutAccuracy).toBeGreaterThan(report.cosineOnly.accuracy);
    expect(report.heldOut.f1).toBeGreaterThan(report.cosineOnly.f1);
    // The previous (flat) weights say "no" to everything.
    expect(report.previous?.recall).toBe(0);
    expect(report.previousAccuracy).toBeLessThan(report.heldOutAccuracy);
    expect(() => validateWeights(weights, 'distilled')).not.toThrow();
    expect(weights.coefficients[FEATURE_NAMES.indexOf('categoryAny')]).toBeGreaterThan(0);
  });

  it('is reproducible for a seed', () => {
    const a = distillStudent({ rows, seed: 2 });
    const b = distillStudent({ rows, seed: 2 });
    expect(a.report).toEqual(b.report);
    expect(a.weights.coefficients).toEqual(b.weights.coefficients);
    expect(a.report.previousAccuracy).toBeUndefined();
  });

  it('refuses rows it cannot hold out from or learn from', () => {
    expect(() => distillStudent({ rows: rows.filter((r) => r.theme.id === 't1') })).toThrow(/at least 2 themes/);
    expect(() => distillStudent({ rows: rows.map((r) => ({ ...r, chosen: false })) })).toThrow(/all \d+ training rows are not chosen; the student needs candidates the teacher chose and ones it passed over/);
    expect(() => distillStudent({ rows, holdoutShare: 1 })).toThrow(/holdoutShare/);
  });
});

describe('labelled files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hubgen-distill-'));

  it('round-trips rows through JSONL', async () => {
    const path = join(dir, 'rows.jsonl');
    const rows = plantedRows(2, 3, 1);
    await writeLabelledFile(path, rows);
    expect(await readLabelledFile(path)).toEqual(rows);
  });

  it('names the file, line and field of every bad row', async () => {
    const path = join(dir, 'bad.jsonl');
    const [good] = plantedRows(1, 1, 1);
    const noChosen = { ...good, chosen: undefined };
    const badKind = { ...good, candidate: { ...good.candidate, kind: 'brand' } };
    writeFileSync(path, [JSON.stringify(good), '', JSON.stringify(noChosen), '{not json', JSON.stringify(badKind)].join('\n'));
    const err = await readLabelledFile(path).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^3 invalid labelled row\(s\)/);
    expect(message).toContain(`${path}:3: / must have required property 'chosen'`);
    expect(message).toContain(`${path}:4: not valid JSON`);
    expect(message).toContain(`${path}:5: /candidate/kind must be equal to one of the allowed values`);
    await expect(readLabelledFile(join(dir, 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: cannot read labelled rows/);
  });
});

describe('runDistill', () => {
  it('trains from a labelled file, compares with the current weights and writes the new ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubgen-distill-run-'));
    const current = join(dir, 'current.json');
    writeFileSync(current, JSON.stringify(flat));
    const rowsPath = join(dir, 'rows.jsonl');
    await writeLabelledFile(rowsPath, plantedRows(20, 30, 4));
    const config = loadConfig({ env: {}, cwd: dir, overrides: { roles: { student: { provider: 'local', model: current } } } });
    const ctx = makeTestCtx({ config });
    const out = join(dir, 'out', 'student-v2.json');
    const report = await runDistill({ ctx, from: rowsPath, out });
    expect(report.from).toBe(rowsPath);
    expect(report.written).toBe(out);
    expect(report.previousModel).toBe(current);
    expect(report.previousAccuracy).toBeDefined();
    expect(report.heldOutAccuracy).toBeGreaterThan(report.previousAccuracy!);
    const written = validateWeights(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(written.embedderId).toBe(ctx.embedder.id);
    expect(written.trainedOn).toContain(rowsPath);
  });

  it('fails clearly when there is nothing to learn from', async () => {
    const ctx = makeTestCtx();
    await expect(runDistill({ ctx, from: 'artefacts' })).rejects.toThrow(/no teacher choices recorded in the artefact store/);
  });
});
