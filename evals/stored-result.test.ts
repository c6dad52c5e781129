import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalogueStats } from '../catalogue/stats.js';
import { tinyDataset } from '../testing/instacart-fixture.js';
import { fakeCascaded, fakeJudge } from '../testing/eval-fixture.js';
import { makeTestCtx } from '../testing/test-context.js';
import { reportSections, writeReport } from './report.js';
import { runEval, type EvalResult } from './runner.js';
import { attachCalibration, readEvalResult } from './stored-result.js';

/** The result as an older hubgen wrote it: aisle coverage, the old artefact kinds, no calibration records. */
function asOldResult(r: EvalResult): unknown {
  const text = JSON.stringify(r).replace(/targetCategoryCoverage/g, 'targetAisleCoverage').replace(/"filter":"([0-9a-f]{64})"/g, '"filtered":"$1"').replace(/"assemble":"([0-9a-f]{64})"/g, '"page":"$1"');
  const old = JSON.parse(text);
  for (const v of old.variants) for (const p of v.pages) delete p.calibration;
  return old;
}

describe('stored eval results', () => {
  let result: EvalResult;
  beforeAll(async () => {
    const dataset = await tinyDataset();
    const ctx = makeTestCtx({ catalogue: dataset.catalogue, stats: buildCatalogueStats(dataset) });
    result = await runEval({ ctx, dataset, users: ['1', '2'], variants: ['cascaded'], themeJudge: fakeJudge, pipelines: { variants: { cascaded: fakeCascaded } } });
  });

  const oldResultDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-stored-'));
    await writeFile(join(dir, 'result.json'), JSON.stringify(asOldResult(result)));
    return dir;
  };

  it('reads a result an older hubgen wrote under today\'s names, so its report re-renders without a re-run', async () => {
    const dir = await oldResultDir();
    const upgraded = await readEvalResult(dir);
    expect(upgraded.variants[0].aggregate.targetCategoryCoverage).toEqual(result.variants[0].aggregate.targetCategoryCoverage);
    expect(upgraded.baselines[0].pages[0].targetCategoryCoverage).toBe(result.baselines[0].pages[0].targetCategoryCoverage);
    expect(Object.keys(upgraded.variants[0].pages[0].artefactHashes).sort()).toEqual(['assemble', 'filter', 'keywords', 'themes']);
    const md = await readFile((await writeReport({ result: upgraded, outDir: dir })).markdownPath, 'utf8');
    expect(md).not.toMatch(/NaN|undefined/);
    expect(md).toContain('No calibration records in this eval result: it was written before evals recorded them.');
  });

  it('attaches another eval\'s records for the users both share, saying where they came from', async () => {
    const old = await readEvalResult(await oldResultDir());
    const smaller = { ...result, users: ['1'], variants: result.variants.map((v) => ({ ...v, pages: v.pages.filter((p) => p.userId === '1') })) };
    const attached = attachCalibration(old, smaller, 'smaller/result.json');
    expect(attached.calibration!.records.every((r) => r.userId === '1')).toBe(true);
    expect(attached.calibration!.source).toMatch(/^a separate eval of 1 of this eval's 2 users \(variant cascaded, .*, no role simulated\); this result was written before evals recorded calibration/);
    expect(reportSections(attached).calibration[0]).toMatch(/labelled tier answers from 1 users .* from a separate eval of 1 of this eval's 2 users/);
    expect(() => attachCalibration(old, { ...smaller, variants: [] }, 'empty.json')).toThrow('empty.json holds no calibration records to attach');
  });

  it('refuses a file that is not an eval result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-stored-'));
    await writeFile(join(dir, 'result.json'), '{"runId": "x"}');
    await expect(readEvalResult(dir)).rejects.toThrow(/is not a hubgen eval result/);
  });
});
