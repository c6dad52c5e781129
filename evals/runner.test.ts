import { beforeAll, describe, expect, it } from 'vitest';
import { realDataset } from '../testing/real-data.js';
import type { Dataset } from '../catalogue/types.js';
import { tinyDataset } from '../testing/instacart-fixture.js';
import { buildCatalogueStats } from '../catalogue/stats.js';
import type { KeywordTerm } from '../retrieval/corpus-types.js';
import { makeTestCtx } from '../testing/test-context.js';
import type { Ctx } from '../kit/context.js';
import { runEval, type EvalProgress } from './runner.js';
import { fakeCascaded, fakeJudge, failingFor } from '../testing/eval-fixture.js';

let dataset: Dataset;
let ctx: Ctx;

const term = (text: string): KeywordTerm => ({ id: `kw:${text}`, text, kind: 'phrase', df: 1, categories: [], departments: [] });

beforeAll(async () => {
  dataset = await tinyDataset();
  const terms = [term('greek yogurt'), term('banana')];
  ctx = makeTestCtx({ catalogue: dataset.catalogue, stats: buildCatalogueStats(dataset), corpus: { terms, byText: new Map(terms.map((t) => [t.text, t])), digest: 'tiny' } });
});

describe('runEval', () => {
  it('runs every variant on the same users, scores pages against each user\'s target order, and keeps going past failures', async () => {
    const progress: EvalProgress[] = [];
    const result = await runEval({
      ctx,
      dataset,
      users: ['1', '2', '99'],
      variants: ['cascaded', 'single-step'],
      pipelines: { variants: { cascaded: fakeCascaded, 'single-step': failingFor('2', fakeCascaded) } },
      themeJudge: fakeJudge,
      simulatedRoles: ['cheap', 'strong'],
      onProgress: (p) => progress.push(p),
      concurrency: 2,
    });

    expect(result.users).toEqual(['1', '2', '99']);
    expect(result.skippedUsers).toEqual([{ userId: '99', error: expect.stringMatching(/unknown user "99"/) }]);
    expect(progress).toHaveLength(6);
    expect(progress.at(-1)?.done).toBe(6);

    const [cascaded, single] = result.variants;
    expect(cascaded.pages.map((p) => p.userId)).toEqual(['1', '2']);
    expect(cascaded.failures).toEqual([]);
    expect(single.pages.map((p) => p.userId)).toEqual(['1']);
    expect(single.failures).toEqual([{ userId: '2', error: 'scripted failure for user 2' }]);
    expect(single.aggregate.schemaValidRate).toBe(0.5);

    // User 1's target order 103 = products 4 and 1; the page (student keywords) shows 1, 2 → recall 1/2.
    // User 2's target order 203 = product 3 → recall 0.
    const u1 = cascaded.pages[0];
    expect(u1.targetRecall).toBe(0.5);
    expect(cascaded.pages[1].targetRecall).toBe(0);
    expect(u1.targetCategoryCoverage).toBe(1); // target category 1 (yogurt), page has product 1 in category 1
    expect(u1.keywordInCorpusRate).toBeCloseTo(2 / 3);
    expect(u1.judge?.passRate.coherent_title).toBe(0.5);
    expect(u1.themeDiversity).toBeGreaterThan(0);
    // Themes escalate local → cheap ($0.001); keywords stay with the free student.
    expect(u1.cost.costUsd).toBeCloseTo(0.001);
    expect(u1.escalation.themes.escalated).toBe(true);
    expect(u1.escalation.keywords.escalated).toBe(false);

    // The second variant ran the same pipeline on the same config: every artefact came from the store, at the same cost.
    expect(single.pages[0].cachedArtefacts).toBe(4);
    expect(single.pages[0].cost).toEqual(u1.cost);

    // Baselines sit beside variants at the variants' median page size (2 distinct products: 1, 2).
    // The new-item kinds also stand beside each variant user by user: the cascaded page shows user 2
    // (who owns 2 and 3) one new product, 1; single-step made user 1's page alone, with nothing new on
    // it, so no new-item baseline stands beside it.
    expect(result.baselines.map((b) => b.name)).toEqual(['popularity@2', 'own-reorders@2', 'popularity-unseen@2', 'co-purchase@2', 'discovery-only@2', 'popularity-unseen@new-on-cascaded', 'co-purchase@new-on-cascaded', 'discovery-only@new-on-cascaded']);
    expect(result.baselines.map((b) => b.matches)).toEqual([...Array(5).fill('products'), ...Array(3).fill('pageNewProducts')]);
    const [, own, unseen, coPurchase, discoveryOnly] = result.baselines;
    expect(own.forVariants).toEqual(['cascaded', 'single-step']);
    // User 1 history: orders 101 {1,2}, 102 {1} → own reorders [1, 2]; target {4, 1} → recall 1/2, nothing new.
    expect(own.pages.find((p) => p.userId === '1')).toMatchObject({ targetRecall: 0.5, newItemRecall: 0 });
    // History popularity is 2, 1, 3 (4 was only ever bought in a target order): user 1 has not bought 3 only.
    expect(unseen.pages.find((p) => p.userId === '1')).toMatchObject({ products: 1, newItemRecall: 0 });
    // No history basket links 1 or 2 to anything user 1 lacks; co-purchase falls back to popularity.
    expect(coPurchase.pages.find((p) => p.userId === '1')?.products).toBe(1);
    // The discovery model's list is new products only, like co-purchase's.
    expect(discoveryOnly.pages.every((p) => p.targetRecall === p.newItemRecall)).toBe(true);
    // The fake page shows user 1 only products they own (1, 2): no new products, no new-item recall.
    expect(result.variants[0].pages.find((p) => p.userId === '1')).toMatchObject({ newItemRecall: 0, newProducts: 0 });
    expect(result.rankingCalibration).toEqual({ users: 1701, overlap: ['1'] });

    expect(result.simulatedRoles).toEqual(['cheap', 'strong']);
    expect(result.models.cheap).toEqual({ provider: 'openai', model: 'gpt-4o-mini', simulated: true });
    expect(result.models.local.simulated).toBe(false);
    // 2 themes judged on each of 3 pages (2 cascaded, 1 single-step).
    expect(result.evalJudge).toMatchObject({ enabled: true, calls: 6, errors: 0 });
    // No usable `judge` role here (no API key), so the rubric judge (`local`) is the one judge.
    expect(result.evalJudge.role).toBe('local');
    // JSON round-trip keeps everything the report reads.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('a config variant runs on a derived config, and reuses upstream artefacts of the variant it differs from', async () => {
    const result = await runEval({
      ctx: makeTestCtx({ catalogue: ctx.catalogue, stats: ctx.stats, corpus: ctx.corpus }),
      dataset,
      users: ['1'],
      variants: ['cascaded', 'cascaded@keywords.threshold=0.4'],
      pipelines: { variants: { cascaded: fakeCascaded } },
      judge: false,
    });
    const [base, lowered] = result.variants;
    expect(lowered.overrides).toEqual([{ param: 'keywords.threshold', value: 0.4 }]);
    expect(lowered.pages[0].artefactHashes.themes).toBe(base.pages[0].artefactHashes.themes);
    expect(lowered.pages[0].artefactHashes.keywords).not.toBe(base.pages[0].artefactHashes.keywords);
    expect(lowered.pages[0].cachedArtefacts).toBe(1);
    expect(result.evalJudge.enabled).toBe(false);
    expect(base.pages[0].judge).toBeNull();
  });

  it('sets no baseline beside a variant whose median page is empty', async () => {
    const emptyPages: typeof fakeCascaded = async (u, c) => {
      const out = await fakeCascaded(u, c);
      return { ...out, page: { ...out.page, artefact: { ...out.page.artefact, data: { ...out.page.artefact.data, themes: [] } } } };
    };
    const result = await runEval({ ctx, dataset, users: ['1', '2'], variants: ['cascaded', 'single-step'], pipelines: { variants: { cascaded: fakeCascaded, 'single-step': emptyPages } }, judge: false });
    expect(result.variants[1].aggregate.products.p50).toBe(0);
    expect(result.baselines.flatMap((b) => b.forVariants)).toEqual(Array(8).fill('cascaded'));
  });

  it('sets the new-item baselines beside each variant user by user, as many products as that user\'s page showed new', async () => {
    // The fake page shows 1 and 2. User 1 owns both: adding 3 makes one new product. User 2 owns 2
    // and 3: product 1 is new to them already, and adding 4 makes two.
    const extraFor: Record<string, string[]> = { '1': ['3'], '2': ['4'] };
    const withNew: typeof fakeCascaded = async (u, c) => {
      const out = await fakeCascaded(u, c);
      const data = out.page.artefact.data;
      const [first, ...rest] = data.themes;
      const extra = (extraFor[u.userId] ?? []).map((productId) => ({ ...first.products[0], productId, name: productId }));
      return { ...out, page: { ...out.page, artefact: { ...out.page.artefact, data: { ...data, themes: [{ ...first, products: [...first.products, ...extra] }, ...rest] } } } };
    };
    const result = await runEval({ ctx, dataset, users: ['1', '2'], variants: ['cascaded', 'single-step'], pipelines: { variants: { cascaded: withNew, 'single-step': fakeCascaded } }, judge: false });
    expect(result.variants.map((v) => v.pages.map((p) => p.newProducts))).toEqual([[1, 2], [0, 1]]);
    const matched = result.baselines.filter((b) => b.matches === 'pageNewProducts');
    expect(matched.map((b) => b.name)).toEqual([
      ...['popularity-unseen', 'co-purchase', 'discovery-only'].map((k) => `${k}@new-on-cascaded`),
      ...['popularity-unseen', 'co-purchase', 'discovery-only'].map((k) => `${k}@new-on-single-step`),
    ]);
    for (const b of matched.slice(0, 3)) {
      expect(b.forVariants).toEqual(['cascaded']);
      // Asked for 1 and 2: user 1 gets product 3; user 2 can only be offered 1, the one product they
      // lack that any history basket holds (4 is only in a target order).
      if (b.kind !== 'discovery-only') expect(b.pages.map((p) => [p.userId, p.products])).toEqual([['1', 1], ['2', 1]]);
    }
    for (const b of matched.slice(3)) expect(b.pages.map((p) => [p.userId, p.products])).toEqual([['1', 0], ['2', 1]]);
  });

  it('rejects a bad variant before running anything', async () => {
    let ran = 0;
    await expect(
      runEval({ ctx, dataset, users: ['1'], variants: ['cascaded@filter.nonsense=1'], pipelines: { variants: { cascaded: async (u, c) => (ran++, fakeCascaded(u, c)) } }, judge: false }),
    ).rejects.toThrow(/nonsense/);
    expect(ran).toBe(0);
  });

  it('names a variant it has no pipeline for, and asks for a judge when judging is on but none was given', async () => {
    await expect(runEval({ ctx, dataset, users: ['1'], variants: ['single-step'], pipelines: { variants: { cascaded: fakeCascaded } }, judge: false })).rejects.toThrow(
      'runEval: no pipeline for variant "single-step" (have: cascaded)',
    );
    await expect(runEval({ ctx, dataset, users: ['1'], variants: ['cascaded'], pipelines: { variants: { cascaded: fakeCascaded } } })).rejects.toThrow(/no judge was given/);
  });
});
