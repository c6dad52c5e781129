import { describe, expect, it } from 'vitest';
import { makeArtefact, type Artefact, type Provenance } from '../kit/artefacts/artefact.js';
import type { Attempt } from '../kit/cascade.js';
import type { Usage } from '../llm/usage.js';
import type { Page } from '../phases/assemble/schema.js';
import type { JudgeVerdict } from '../phases/filter/schema.js';
import {
  aggregatePages,
  attemptsByRole,
  cascadeEscalated,
  distribution,
  judgeSummary,
  keywordInCorpusRate,
  meanPairwiseCosineDistance,
  newItemRecall,
  measurePage,
  pageCost,
  pageProductIds,
  percentile,
  phaseEscalation,
  qualityOf,
  schemaProblems,
  targetCategoryCoverage,
  targetMetrics,
  targetPrecision,
  targetRecall,
  type PageMetrics,
} from './metrics.js';

const usage = (u: Partial<Usage>): Usage => ({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0, ...u });

const attempt = (role: Attempt['role'], outcome: Attempt['outcome'], u: Partial<Usage> = {}): Attempt => ({
  role,
  model: outcome === 'skipped' ? undefined : `${role}-model`,
  threshold: 0.5,
  confidence: outcome === 'skipped' || outcome === 'failed' ? undefined : outcome === 'accepted' ? 0.9 : 0.2,
  accepted: outcome === 'accepted',
  usage: usage(u),
  latencyMs: 1,
  reason: outcome,
  outcome,
});

function artefact(phase: string, data: unknown, prov: Partial<Provenance> = {}): Artefact {
  const provenance: Provenance = { attempts: [], usage: usage({}), latencyMs: 0, role: 'local', model: 'm', confidence: undefined, ...prov };
  return makeArtefact({ phase, phaseVersion: '1', config: {}, models: {}, promptVersion: '1', inputs: [phase] }, data, provenance, '2024-01-01T00:00:00.000Z');
}

const product = (productId: string, categoryId: string) => ({ productId, name: `p${productId}`, categoryId, departmentId: 'd1', keyword: 'k', score: 1 });

/** Two themes, four distinct products (1..4) in categories a10, a10, a20, a30. */
const page: Page = {
  userId: '7',
  pageTitle: 'For you',
  themes: [
    { id: 'a', title: 'Pasta night', description: 'Dinner in twenty minutes', keywords: ['spaghetti', 'Tomato  Sauce'], products: [product('1', 'a10'), product('2', 'a10')] },
    { id: 'b', title: 'Breakfast', description: 'Start the day right', keywords: ['granola bars'], products: [product('3', 'a20'), product('4', 'a30'), product('1', 'a10')] },
  ],
  dropped: [],
};

const verdict = (passes: Record<string, boolean>): JudgeVerdict => ({
  confidence: 0.8,
  criteria: {
    relevant_to_user: { pass: passes.relevant_to_user ?? true, reason: '' },
    coherent_title: { pass: passes.coherent_title ?? true, reason: '' },
    keywords_match_theme: { pass: passes.keywords_match_theme ?? true, reason: '' },
    fit_for_grocery_page: { pass: passes.fit_for_grocery_page ?? true, reason: '' },
  },
});

describe('target metrics', () => {
  it('recall: 2 of a 5-product target on a 4-product page is 0.4', () => {
    expect(targetRecall(['1', '2', '3', '4'], ['2', '4', '8', '9', '11'])).toBeCloseTo(0.4);
  });

  it('precision: 2 of 4 page products were bought', () => {
    expect(targetPrecision(['1', '2', '3', '4'], ['2', '4', '8', '9', '11'])).toBeCloseTo(0.5);
  });

  it('category coverage counts each target category once, however many page products it has', () => {
    // target categories {a10, a20, a40}; page covers a10 and a20
    expect(targetCategoryCoverage(['a10', 'a10', 'a20', 'a30'], ['a10', 'a20', 'a40', 'a40'])).toBeCloseTo(2 / 3);
  });

  it('an empty target has no recall (undefined), not zero', () => {
    expect(targetRecall(['1'], [])).toBeUndefined();
  });

  it('targetMetrics resolves categories through the catalogue and de-duplicates page products', () => {
    const categoryOf = (id: string) => ({ 1: 'a10', 2: 'a10', 3: 'a20', 4: 'a30' } as Record<string, string>)[id];
    // The user owned 1 and 2: target products 3 and 9 are new, and 3 is on the page.
    const m = targetMetrics(pageProductIds(page), categoryOf, { productIds: ['1', '3', '9'], categoryIds: ['a10', 'a50'], newProductIds: ['3', '9'] }, new Set(['1', '2']));
    expect(m).toEqual({ products: 4, targetProducts: 3, targetRecall: 2 / 3, newItemRecall: 1 / 3, newProducts: 2, targetCategoryCoverage: 0.5, targetPrecision: 0.5 });
  });

  it('new-item recall counts only new target products on the page, over every target product', () => {
    expect(newItemRecall(['1', '2', '3'], ['3', '4'], 5)).toBeCloseTo(1 / 5);
    expect(newItemRecall(['1', '2'], ['3', '4'], 5)).toBe(0);
    // A page of owned products alone earns no new-item recall, whatever its target recall.
    expect(newItemRecall(['1'], [], 2)).toBe(0);
    expect(newItemRecall(['1'], [], 0)).toBeUndefined();
  });
});

describe('theme diversity', () => {
  const v = (...xs: number[]) => Float32Array.from(xs);
  it('identical themes have diversity 0', () => {
    expect(meanPairwiseCosineDistance([v(1, 2, 3), v(1, 2, 3), v(2, 4, 6)])).toBeCloseTo(0, 6);
  });
  it('orthogonal themes have diversity 1, opposite ones 2', () => {
    expect(meanPairwiseCosineDistance([v(1, 0), v(0, 1)])).toBeCloseTo(1);
    expect(meanPairwiseCosineDistance([v(1, 0), v(-1, 0)])).toBeCloseTo(2);
  });
  it('averages over all pairs', () => {
    // pairs: (x,x)=0, (x,y)=1, (x,y)=1 → 2/3
    expect(meanPairwiseCosineDistance([v(1, 0), v(1, 0), v(0, 1)])).toBeCloseTo(2 / 3);
  });
  it('is undefined for a single theme', () => {
    expect(meanPairwiseCosineDistance([v(1, 0)])).toBeUndefined();
  });
});

describe('keywords', () => {
  it('keyword-in-corpus rate compares normalised text', () => {
    const corpus = new Set(['spaghetti', 'tomato sauce']);
    expect(keywordInCorpusRate(['spaghetti', 'Tomato & Sauce', 'granola bars'], (k) => corpus.has(k))).toBeCloseTo(2 / 3);
    expect(keywordInCorpusRate([], () => true)).toBeUndefined();
  });
});

describe('cost and escalation from provenance', () => {
  const themes = artefact('themes', {}, {
    attempts: [attempt('local', 'escalated', { calls: 0 }), attempt('cheap', 'accepted', { inputTokens: 1000, outputTokens: 200, costUsd: 0.01, calls: 1 })],
    usage: usage({ inputTokens: 1000, outputTokens: 200, costUsd: 0.01, calls: 1 }),
    latencyMs: 900,
  });
  const keywords = artefact('keywords', {}, {
    attempts: [],
    steps: [
      { name: 'theme-a', attempts: [attempt('student', 'accepted')] },
      { name: 'theme-b', attempts: [attempt('student', 'failed'), attempt('teacher', 'accepted', { inputTokens: 500, outputTokens: 50, costUsd: undefined, calls: 1 })] },
    ],
    usage: usage({ inputTokens: 500, outputTokens: 50, costUsd: undefined, calls: 1 }),
    latencyMs: 300,
  });
  const assemble = artefact('assemble', page, { latencyMs: 20 });

  it('sums tokens, calls, latency and known dollars; an unpriced call marks the cost incomplete', () => {
    expect(pageCost([themes, keywords, assemble])).toEqual({
      inputTokens: 1500, cachedInputTokens: 0, outputTokens: 250, costUsd: 0.01, costComplete: false, calls: 2, latencyMs: 1220,
    });
    expect(pageCost([themes, assemble]).costComplete).toBe(true);
  });

  it('a skipped tier is not an escalation; a rejected or failed one before acceptance is', () => {
    expect(cascadeEscalated([attempt('cheap', 'skipped'), attempt('strong', 'accepted')])).toBe(false);
    expect(cascadeEscalated([attempt('local', 'escalated'), attempt('cheap', 'accepted')])).toBe(true);
    expect(cascadeEscalated([attempt('local', 'failed'), attempt('cheap', 'accepted')])).toBe(true);
    expect(cascadeEscalated([attempt('local', 'accepted'), attempt('cheap', 'skipped')])).toBe(false);
  });

  it('counts each sub-step cascade of a phase separately', () => {
    expect(phaseEscalation(keywords)).toEqual({ cascades: 2, escalatedCascades: 1, escalated: true, belowThresholdCascades: 0 });
    expect(phaseEscalation(assemble)).toEqual({ cascades: 0, escalatedCascades: 0, escalated: false, belowThresholdCascades: 0 });
  });

  it('an answer accepted below its threshold (no later tier could run) is counted apart from escalation', () => {
    const lastResort: Attempt = { ...attempt('local', 'accepted'), confidence: 0.3, threshold: 0.6 };
    const offline = artefact('themes', {}, { attempts: [lastResort, attempt('cheap', 'skipped'), attempt('strong', 'skipped')] });
    expect(phaseEscalation(offline)).toEqual({ cascades: 1, escalatedCascades: 0, escalated: false, belowThresholdCascades: 1 });
    expect(phaseEscalation(themes).belowThresholdCascades).toBe(0);
  });

  it('counts tier attempts that ran, per role, not skipped ones', () => {
    const withSkip = artefact('filter', {}, { attempts: [attempt('local', 'accepted'), attempt('cheap', 'skipped')] });
    expect(attemptsByRole([themes, keywords, withSkip])).toEqual({ local: 2, cheap: 1, student: 2, teacher: 1 });
  });
});

describe('schema validity', () => {
  it('accepts a valid page and names the problem in an invalid one', () => {
    expect(schemaProblems([{ kind: 'assemble', artefact: artefact('assemble', page) }])).toEqual([]);
    const broken = { ...page, themes: [{ ...page.themes[0], products: [{ productId: 'x' }] }] };
    const problems = schemaProblems([{ kind: 'assemble', artefact: artefact('assemble', broken) }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^assemble: .*\/themes\/0\/products\/0/);
  });
});

describe('judge', () => {
  it('pass rate per criterion and all-pass rate over a page\'s themes', () => {
    const s = judgeSummary([verdict({}), verdict({ coherent_title: false }), verdict({ coherent_title: false, relevant_to_user: false }), verdict({})]);
    expect(s?.themes).toBe(4);
    expect(s?.passRate).toEqual({ relevant_to_user: 0.75, coherent_title: 0.5, keywords_match_theme: 1, fit_for_grocery_page: 1 });
    expect(s?.allPassRate).toBe(0.5);
    expect(judgeSummary([])).toBeUndefined();
  });
});

describe('distributions', () => {
  it('percentiles interpolate linearly between ranks', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(xs, 0.5)).toBeCloseTo(5.5);
    expect(percentile(xs, 0.95)).toBeCloseTo(9.55);
    expect(percentile([4], 0.95)).toBe(4);
  });
  it('ignores undefined and null values and reports nulls when nothing is defined', () => {
    expect(distribution([3, undefined, 1, null, 2])).toEqual({ n: 3, mean: 2, p50: 2, p95: 2.9, min: 1, max: 3 });
    expect(distribution([undefined])).toEqual({ n: 0, mean: null, p50: null, p95: null, min: null, max: null });
  });
});

describe('measurePage and aggregatePages', () => {
  const themesArt = artefact('themes', { pageTitle: 'x', themes: [] }, {
    attempts: [attempt('local', 'escalated'), attempt('cheap', 'accepted', { inputTokens: 100, outputTokens: 10, costUsd: 0.002, calls: 1 })],
    usage: usage({ inputTokens: 100, outputTokens: 10, costUsd: 0.002, calls: 1 }),
    latencyMs: 50,
  });
  const pageArt = artefact('assemble', page, { latencyMs: 5 });
  const measured = (userId: string, target: string[], cached: boolean): PageMetrics =>
    measurePage({
      userId,
      artefacts: [{ kind: 'themes', artefact: themesArt, cached }, { kind: 'assemble', artefact: pageArt, cached }],
      page,
      target: { productIds: target, categoryIds: ['a10'], newProductIds: target.filter((id) => id !== '1') },
      owned: new Set(['1']),
      categoryOf: (id) => ({ 1: 'a10', 2: 'a10', 3: 'a20', 4: 'a30' } as Record<string, string>)[id],
      inCorpus: (k) => k === 'spaghetti',
      themeVectors: [Float32Array.from([1, 0]), Float32Array.from([0, 1])],
      verdicts: [verdict({}), verdict({ coherent_title: false })],
      wallMs: 3,
    });

  it('gathers every metric for one page', () => {
    const m = measured('7', ['1', '2', '8', '9', '10'], false);
    expect(m.targetRecall).toBeCloseTo(0.4);
    expect(m.newItemRecall).toBeCloseTo(0.2); // 2 of the 5 target products; 1 was owned
    expect(m.newProducts).toBe(3);
    expect(m.targetCategoryCoverage).toBe(1);
    expect(m.products).toBe(4);
    expect(m.themes).toBe(2);
    expect(m.keywordInCorpusRate).toBeCloseTo(1 / 3);
    expect(m.themeDiversity).toBeCloseTo(1);
    expect(m.judge?.passRate.coherent_title).toBe(0.5);
    expect(m.cost.costUsd).toBeCloseTo(0.002);
    expect(m.cost.calls).toBe(1);
    expect(m.escalation.themes.escalated).toBe(true);
    expect(m.escalation.assemble.escalated).toBe(false);
    expect(m.artefactHashes).toEqual({ themes: themesArt.hash, assemble: pageArt.hash });
    expect(m.schemaValid).toBe(false); // the themes artefact's data is not valid Themes (no themes)
    expect(m.schemaProblems[0]).toMatch(/^themes:/);
  });

  it('a cached re-run reports the same cost per page as the cold run', () => {
    const cold = measured('7', ['1'], false);
    const warm = measured('7', ['1'], true);
    expect(warm.cost).toEqual(cold.cost);
    expect(warm.cachedArtefacts).toBe(2);
    expect(cold.cachedArtefacts).toBe(0);
  });

  it('aggregates per variant; a failed user counts as invalid', () => {
    const valid = { ...measured('1', ['1', '2', '8', '9', '10'], false), schemaValid: true };
    const alsoValid = { ...measured('2', ['1', '2', '3', '4'], true), schemaValid: true };
    const agg = aggregatePages([valid, alsoValid], 2);
    expect(agg.pages).toBe(2);
    expect(agg.failures).toBe(2);
    expect(agg.schemaValidRate).toBe(0.5);
    expect(agg.targetRecall.mean).toBeCloseTo((0.4 + 1) / 2);
    expect(agg.escalationRate).toEqual({ assemble: 0, themes: 1 });
    expect(agg.belowThresholdRate).toEqual({ assemble: 0, themes: 0 });
    expect(agg.attemptsByRole).toEqual({ cheap: 2, local: 2 });
    expect(agg.cacheHitRate).toBe(0.5);
    expect(agg.judgePassRate.coherent_title).toBe(0.5);
    expect(qualityOf(agg, 'targetRecall')).toBeCloseTo(0.7);
    expect(qualityOf(agg, 'schemaValidRate')).toBe(0.5);
  });
});
