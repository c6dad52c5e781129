import { beforeAll, describe, expect, it } from 'vitest';
import { realDataset } from '../testing/real-data.js';
import type { Dataset } from '../catalogue/types.js';
import { tinyDataset } from '../testing/instacart-fixture.js';
import { buildCatalogueStats } from '../catalogue/stats.js';
import { makeTestCtx } from '../testing/test-context.js';
import type { Ctx } from '../kit/context.js';
import { parseSweep, proposeValue, runSweep, SweepError } from './sweep.js';
import { fakeCascaded } from '../testing/eval-fixture.js';

describe('parseSweep', () => {
  it('expands a range with a step, including the end despite float error', () => {
    expect(parseSweep('themes.threshold=0.5..0.9:0.1')).toEqual({ param: 'themes.threshold', values: [0.5, 0.6, 0.7, 0.8, 0.9] });
    expect(parseSweep('filter.relevanceThreshold=0.2..0.3:0.05').values).toEqual([0.2, 0.25, 0.3]);
  });
  it('defaults the step to 0.1 and accepts a list', () => {
    expect(parseSweep('keywords.threshold=0..0.3').values).toEqual([0, 0.1, 0.2, 0.3]);
    expect(parseSweep('filter.judge.threshold=0.7,0.3,0.7')).toEqual({ param: 'filter.judge.threshold', values: [0.7, 0.3] });
  });
  it('says what is wrong with a malformed sweep', () => {
    expect(() => parseSweep('themes.threshold')).toThrow(SweepError);
    expect(() => parseSweep('themes.threshold=0.9..0.5')).toThrow(/below start/);
    expect(() => parseSweep('themes.threshold=0.1..x')).toThrow(/end "x" is not a number/);
    expect(() => parseSweep('themes.threshold=0..1:0')).toThrow(/step must be positive/);
    expect(() => parseSweep('themes.threshold=0..100:0.1')).toThrow(/at most/);
  });
});

describe('proposeValue', () => {
  it('picks the cheapest value meeting the target; equal cost goes to better quality', () => {
    const pt = (value: number, costPerPage: number, quality: number, meetsTarget: boolean) => ({ value, variant: `v${value}`, costPerPage, quality, meetsTarget });
    expect(proposeValue([pt(0.3, 0, 0.2, false), pt(0.6, 0.01, 0.5, true), pt(0.7, 0.01, 0.6, true), pt(0.9, 0.02, 0.7, true)])?.value).toBe(0.7);
    expect(proposeValue([pt(0.3, 0, 0.2, false)])).toBeNull();
  });
});

describe('runSweep', () => {
  let dataset: Dataset;
  let ctx: Ctx;
  beforeAll(async () => {
    dataset = await tinyDataset();
    ctx = makeTestCtx({ catalogue: dataset.catalogue, stats: buildCatalogueStats(dataset) });
  });

  it('re-runs only the swept phase and downstream: upstream artefact hashes are identical across values', async () => {
    const out = await runSweep({
      ctx,
      dataset,
      users: ['1', '2'],
      param: 'keywords.threshold',
      values: [0.3, 0.65, 0.9],
      targetQuality: { metric: 'targetRecall', min: 0.4 },
      pipelines: { variants: { cascaded: fakeCascaded } },
      judge: false,
    });
    const variants = out.result.variants;
    expect(variants.map((v) => v.name)).toEqual(['cascaded@keywords.threshold=0.3', 'cascaded@keywords.threshold=0.65', 'cascaded@keywords.threshold=0.9']);
    for (const userId of ['1', '2']) {
      const pages = variants.map((v) => v.pages.find((p) => p.userId === userId)!);
      expect(new Set(pages.map((p) => p.artefactHashes.themes)).size).toBe(1);
      for (const kind of ['keywords', 'filter', 'assemble'] as const) expect(new Set(pages.map((p) => p.artefactHashes[kind])).size).toBe(3);
      // Only the first value computed Phase 1; later values read it from the store.
      expect(pages.map((p) => p.cachedArtefacts)).toEqual([0, 1, 1]);
    }

    // 0.3: the free student is accepted (recall 0.25); 0.65 and 0.9 escalate to the teacher ($0.002, recall 0.5).
    expect(out.points.map((p) => [p.value, p.quality, p.meetsTarget])).toEqual([[0.3, 0.25, false], [0.65, 0.5, true], [0.9, 0.5, true]]);
    expect(out.points[1].costPerPage! - out.points[0].costPerPage!).toBeCloseTo(0.002);
    expect(out.proposal).toMatchObject({ value: 0.65, quality: 0.5 });
    expect(out.result.sweep?.proposal?.value).toBe(0.65);
    expect(out.note).toMatch(/cheapest value meeting targetRecall >= 0.4: 0.65/);
  });

  it('can target new-item recall instead: only the teacher page shows user 1 the new product 4 they went on to buy', async () => {
    const out = await runSweep({
      ctx,
      dataset,
      users: ['1', '2'],
      param: 'keywords.threshold',
      values: [0.3, 0.9],
      targetQuality: { metric: 'newItemRecall', min: 0.2 },
      pipelines: { variants: { cascaded: fakeCascaded } },
      judge: false,
    });
    // User 1's target is {1 (owned), 4 (new)}: 1/2 with product 4 on the page; user 2's one target product is owned: 0.
    expect(out.points.map((p) => [p.value, p.quality, p.meetsTarget])).toEqual([[0.3, 0, false], [0.9, 0.25, true]]);
    expect(out.proposal?.value).toBe(0.9);
  });

  it('refuses an unknown quality metric before running', async () => {
    await expect(runSweep({ ctx, dataset, users: ['1'], param: 'themes.threshold', values: [0.5], targetQuality: { metric: 'vibes', min: 1 }, pipelines: { variants: { cascaded: fakeCascaded } } })).rejects.toThrow(/unknown quality metric "vibes"/);
  });
});
