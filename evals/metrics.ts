import type { PhaseName } from '../kit/phase.js';
import { compareIds } from '../catalogue/types.js';
import type { Artefact } from '../kit/artefacts/artefact.js';
import { acceptedBelowThreshold, cascadeEscalated, cascadesOf } from '../kit/provenance.js';
import { compileSchema, describeErrors } from '../base/ajv.js';
import { themesSchema, type Themes } from '../phases/themes/schema.js';
import { keywordsSchema } from '../phases/keywords/schema.js';
import { filteredSchema, JUDGE_CRITERIA, type Filtered, type JudgeCriterion, type JudgeVerdict } from '../phases/filter/schema.js';
import { pageSchema, type Page } from '../phases/assemble/schema.js';
import { normaliseText } from '../catalogue/text.js';
import { percentile } from '../base/percentile.js';
import { themeSummaryText } from '../phases/themes/text.js';
import { calibrationRecords, type CalibrationRecord } from './calibration/records.js';

// The run summary and the evals read provenance the same way; these live beside the cascade primitive.
export { acceptedBelowThreshold, cascadeEscalated, percentile };

/** Which contract an artefact's data follows; decides the schema it is validated against. */
/** Artefacts are named by the phase that made them (kit/phase.ts PHASE_NAMES). */
export type ArtefactKind = PhaseName;

export interface KindedArtefact {
  readonly kind: ArtefactKind;
  readonly artefact: Artefact;
  /** Whether this run read it from the store rather than computing it. */
  readonly cached: boolean;
}

const SCHEMAS: Record<ArtefactKind, object> = { themes: themesSchema, keywords: keywordsSchema, filter: filteredSchema, assemble: pageSchema, 'single-step': filteredSchema };

// ---------------------------------------------------------------------------------------------
// Cost, calls, latency

export interface PageCost {
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  /** Dollars, summed over the artefacts whose cost is known. */
  readonly costUsd: number;
  /** False when some model call had no price (its tokens count, its dollars do not). */
  readonly costComplete: boolean;
  readonly calls: number;
  /** Sum of each artefact's compute latency: what the page took to produce, even when read from cache. */
  readonly latencyMs: number;
}

/**
 * What producing the page cost, from the artefacts' provenance. A cached artefact carries its
 * original provenance, so a warm re-run reports the same cost per page as the cold run did.
 */
export function pageCost(artefacts: readonly Artefact[]): PageCost {
  let inputTokens = 0, cachedInputTokens = 0, outputTokens = 0, costUsd = 0, calls = 0, latencyMs = 0;
  let costComplete = true;
  for (const a of artefacts) {
    const u = a.provenance.usage;
    inputTokens += u.inputTokens ?? 0;
    cachedInputTokens += u.cachedInputTokens ?? 0;
    outputTokens += u.outputTokens ?? 0;
    calls += u.calls;
    if (u.costUsd === undefined) {
      if (u.calls > 0) costComplete = false;
    } else costUsd += u.costUsd;
    latencyMs += a.provenance.latencyMs;
  }
  return { inputTokens, cachedInputTokens, outputTokens, costUsd, costComplete, calls, latencyMs };
}

// ---------------------------------------------------------------------------------------------
// Escalation

export interface PhaseEscalation {
  /** Cascades the phase ran (one per sub-step, e.g. one per theme in Phase 2). */
  readonly cascades: number;
  readonly escalatedCascades: number;
  /** Any of its cascades escalated. */
  readonly escalated: boolean;
  /**
   * Cascades whose accepted answer was below its tier's threshold: accepted only because no later
   * tier could run. Offline this is where escalation *would* happen with LLM tiers configured.
   */
  readonly belowThresholdCascades: number;
}

export function phaseEscalation(artefact: Artefact): PhaseEscalation {
  const cascades = cascadesOf(artefact);
  const escalatedCascades = cascades.filter(cascadeEscalated).length;
  return { cascades: cascades.length, escalatedCascades, escalated: escalatedCascades > 0, belowThresholdCascades: cascades.filter(acceptedBelowThreshold).length };
}

/** Tiers that actually ran (accepted, escalated or failed; not skipped), counted per role. */
export function attemptsByRole(artefacts: readonly Artefact[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of artefacts) {
    for (const attempt of cascadesOf(a).flat()) {
      if (attempt.outcome !== 'skipped') counts[attempt.role] = (counts[attempt.role] ?? 0) + 1;
    }
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Validity

/** Errors of every artefact that does not match its schema, as "<kind>: <errors>"; empty when all are valid. */
export function schemaProblems(artefacts: readonly Pick<KindedArtefact, 'kind' | 'artefact'>[]): string[] {
  const problems: string[] = [];
  for (const { kind, artefact } of artefacts) {
    const validate = compileSchema(SCHEMAS[kind]);
    // ajv may apply defaults in place; validate a copy so the stored artefact is never touched.
    if (!validate(structuredClone(artefact.data))) problems.push(`${kind}: ${describeErrors(validate.errors)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Page content

/** Distinct product ids on the page, in page order. */
export function pageProductIds(page: Page): string[] {
  const seen = new Set<string>();
  for (const t of page.themes) for (const p of t.products) seen.add(p.productId);
  return [...seen];
}

/** The page's keywords, every theme's, in order (duplicates kept: each is a separate retrieval). */
export function pageKeywords(page: Page): string[] {
  return page.themes.flatMap((t) => t.keywords);
}

/** The keyword corpus's own normalisation, so "Half & Half" matches the term "half half". */
export const normaliseKeyword = (text: string): string => normaliseText(text);

/** Share of keywords that are terms of the catalogue's keyword corpus; undefined for no keywords. */
export function keywordInCorpusRate(keywords: readonly string[], inCorpus: (normalised: string) => boolean): number | undefined {
  if (keywords.length === 0) return undefined;
  return keywords.filter((k) => inCorpus(normaliseKeyword(k))).length / keywords.length;
}

/** Share of `wanted` found in `have`; undefined when nothing is wanted. Both are treated as sets. */
export function coverage<T>(have: Iterable<T>, wanted: Iterable<T>): number | undefined {
  const h = new Set(have);
  const w = new Set(wanted);
  if (w.size === 0) return undefined;
  let hit = 0;
  for (const x of w) if (h.has(x)) hit++;
  return hit / w.size;
}

/** Share of the user's target-order products that appear on the page. */
export const targetRecall = (pageProducts: Iterable<string>, targetProducts: Iterable<string>): number | undefined => coverage(pageProducts, targetProducts);

/**
 * Share of the target order's products that are new to the user (never in a history order) and on
 * the page: the part of target recall that discovery earns. Over all target products, so target
 * recall = recall of owned products + new-item recall.
 */
export const newItemRecall = (pageProducts: Iterable<string>, targetNewProducts: Iterable<string>, targetProducts: number): number | undefined => {
  if (targetProducts === 0) return undefined;
  const page = new Set(pageProducts);
  let hit = 0;
  for (const id of new Set(targetNewProducts)) if (page.has(id)) hit++;
  return hit / targetProducts;
};

/** Share of the target order's categories that some page product is from. */
export const targetCategoryCoverage = (pageCategories: Iterable<string>, targetCategories: Iterable<string>): number | undefined => coverage(pageCategories, targetCategories);

/** Share of the page's products that the user went on to buy: recall's counterweight, since a bigger page recalls more. */
export const targetPrecision = (pageProducts: Iterable<string>, targetProducts: Iterable<string>): number | undefined => coverage(targetProducts, pageProducts);

// ---------------------------------------------------------------------------------------------
// Themes: diversity and judge

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Mean pairwise cosine distance (1 − cosine) of theme embeddings; undefined with fewer than two themes. */
export function meanPairwiseCosineDistance(vectors: readonly Float32Array[]): number | undefined {
  if (vectors.length < 2) return undefined;
  let sum = 0, pairs = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      sum += 1 - cosine(vectors[i], vectors[j]);
      pairs++;
    }
  }
  // Float noise can put identical vectors a hair below zero.
  return Math.max(0, sum / pairs);
}

export type CriterionRates = Record<JudgeCriterion, number>;

export interface JudgeSummary {
  readonly themes: number;
  /** Per criterion: share of judged themes that passed it. */
  readonly passRate: CriterionRates;
  /** Share of judged themes that passed every criterion. */
  readonly allPassRate: number;
}

/** Pass rates over one page's judged themes; undefined when nothing was judged. */
export function judgeSummary(verdicts: readonly JudgeVerdict[]): JudgeSummary | undefined {
  if (verdicts.length === 0) return undefined;
  const passRate = Object.fromEntries(
    JUDGE_CRITERIA.map((c) => [c, verdicts.filter((v) => v.criteria[c].pass).length / verdicts.length]),
  ) as CriterionRates;
  const allPass = verdicts.filter((v) => JUDGE_CRITERIA.every((c) => v.criteria[c].pass)).length;
  return { themes: verdicts.length, passRate, allPassRate: allPass / verdicts.length };
}

// ---------------------------------------------------------------------------------------------
// Aggregation

export interface Distribution {
  /** Values that were defined (pages without e.g. a second theme have no diversity). */
  readonly n: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** Mean, median and p95 of the defined values; nulls (JSON-safe) when there are none. */
export function distribution(values: readonly (number | undefined | null)[]): Distribution {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { n: 0, mean: null, p50: null, p95: null, min: null, max: null };
  return {
    n: xs.length,
    mean: xs.reduce((s, x) => s + x, 0) / xs.length,
    p50: percentile(xs, 0.5),
    p95: percentile(xs, 0.95),
    min: xs[0],
    max: xs[xs.length - 1],
  };
}

/** Share of `true`; null for no values. */
export function rate(flags: readonly boolean[]): number | null {
  return flags.length === 0 ? null : flags.filter(Boolean).length / flags.length;
}

// ---------------------------------------------------------------------------------------------
// One page, all metrics

/** What the user actually bought next: the products and categories of their target order. */
export interface EvalTarget {
  readonly productIds: readonly string[];
  readonly categoryIds: readonly string[];
  /** The target's products the user had never bought in a history order. */
  readonly newProductIds: readonly string[];
}

/** How a list of products (a page, or a baseline) fares against the target order. */
export interface TargetMetrics {
  readonly products: number;
  readonly targetProducts: number;
  readonly targetRecall: number | null;
  /** See newItemRecall. */
  readonly newItemRecall: number | null;
  /** Page products the user has never bought (discovery slots). */
  readonly newProducts: number;
  readonly targetCategoryCoverage: number | null;
  readonly targetPrecision: number | null;
}

export function targetMetrics(productIds: readonly string[], categoryOf: (productId: string) => string | undefined, target: EvalTarget, owned: ReadonlySet<string>): TargetMetrics {
  const categories = productIds.map(categoryOf).filter((a): a is string => a !== undefined);
  const targetProducts = new Set(target.productIds).size;
  return {
    products: new Set(productIds).size,
    targetProducts,
    targetRecall: targetRecall(productIds, target.productIds) ?? null,
    newItemRecall: newItemRecall(productIds, target.newProductIds, targetProducts) ?? null,
    newProducts: new Set(productIds.filter((id) => !owned.has(id))).size,
    targetCategoryCoverage: targetCategoryCoverage(categories, target.categoryIds) ?? null,
    targetPrecision: targetPrecision(productIds, target.productIds) ?? null,
  };
}

export interface PageMetrics extends TargetMetrics {
  readonly userId: string;
  readonly cost: PageCost;
  /** Per phase (artefact key.phase): did its cascade(s) escalate before accepting. */
  readonly escalation: Readonly<Record<string, PhaseEscalation>>;
  /** Tier attempts that ran, per role: which models did the work. */
  readonly attemptsByRole: Readonly<Record<string, number>>;
  readonly schemaValid: boolean;
  readonly schemaProblems: readonly string[];
  readonly artefacts: number;
  /** Each artefact's address by kind, so any page can be inspected phase by phase (`hubgen inspect`). */
  readonly artefactHashes: Readonly<Partial<Record<ArtefactKind, string>>>;
  /** Artefacts this run reused from the store. */
  readonly cachedArtefacts: number;
  readonly themes: number;
  readonly keywords: number;
  readonly keywordInCorpusRate: number | null;
  readonly themeDiversity: number | null;
  readonly judge: JudgeSummary | null;
  /** Wall-clock time of this run for this page (small when artefacts were cached). */
  readonly wallMs: number;
  /** Each cascade answer behind the page that a stronger tier or the judge passed verdict on (absent in results written before). */
  readonly calibration?: readonly CalibrationRecord[];
}

export interface MeasurePageInput {
  readonly userId: string;
  /** Every artefact that went into the page, including the page itself (kind 'assemble'). */
  readonly artefacts: readonly KindedArtefact[];
  readonly page: Page;
  readonly target: EvalTarget;
  /** Products the user bought in history orders: what "new" is measured against. */
  readonly owned: ReadonlySet<string>;
  readonly categoryOf: (productId: string) => string | undefined;
  readonly inCorpus: (normalisedKeyword: string) => boolean;
  /** Embeddings of themeSummaryText(t) for each page theme, in page order. */
  readonly themeVectors: readonly Float32Array[];
  /** The eval judge's verdict for each page theme. */
  readonly verdicts: readonly JudgeVerdict[];
  readonly wallMs: number;
}

/** Every per-page metric, from already-gathered inputs (the runner does the embedding and judging). */
export function measurePage(input: MeasurePageInput): PageMetrics {
  const { artefacts, page } = input;
  const problems = schemaProblems(artefacts);
  const keywords = pageKeywords(page);
  return {
    userId: input.userId,
    cost: pageCost(artefacts.map((a) => a.artefact)),
    escalation: Object.fromEntries(artefacts.map((a) => [a.artefact.key.phase, phaseEscalation(a.artefact)])),
    attemptsByRole: attemptsByRole(artefacts.map((a) => a.artefact)),
    schemaValid: problems.length === 0,
    schemaProblems: problems,
    artefacts: artefacts.length,
    artefactHashes: Object.fromEntries(artefacts.map((a) => [a.kind, a.artefact.hash])),
    cachedArtefacts: artefacts.filter((a) => a.cached).length,
    themes: page.themes.length,
    keywords: keywords.length,
    keywordInCorpusRate: keywordInCorpusRate(keywords, input.inCorpus) ?? null,
    themeDiversity: meanPairwiseCosineDistance(input.themeVectors) ?? null,
    judge: judgeSummary(input.verdicts) ?? null,
    wallMs: input.wallMs,
    calibration: pageCalibration(input.userId, artefacts),
    ...targetMetrics(pageProductIds(page), input.categoryOf, input.target, input.owned),
  };
}

/** The calibration records of a page's cascaded phases (none for single-step pages). */
function pageCalibration(userId: string, artefacts: readonly KindedArtefact[]): CalibrationRecord[] {
  const of = (kind: ArtefactKind) => artefacts.find((a) => a.kind === kind)?.artefact;
  return calibrationRecords({ userId, themes: of('themes') as Artefact<Themes> | undefined, keywords: of('keywords'), filter: of('filter') as Artefact<Filtered> | undefined });
}

// ---------------------------------------------------------------------------------------------
// Per variant

export interface VariantAggregate {
  readonly pages: number;
  readonly failures: number;
  /** Valid pages ÷ users attempted: a user whose run failed counts as invalid. */
  readonly schemaValidRate: number | null;
  readonly costUsd: Distribution;
  /** False when some page's cost is missing a price: its dollars are a lower bound. */
  readonly costComplete: boolean;
  readonly inputTokens: Distribution;
  readonly outputTokens: Distribution;
  readonly calls: Distribution;
  readonly latencyMs: Distribution;
  readonly wallMs: Distribution;
  /** Per phase: share of pages on which that phase escalated at least once. */
  readonly escalationRate: Readonly<Record<string, number | null>>;
  /** Per phase: share of pages on which that phase accepted some answer below its threshold (no higher tier available). */
  readonly belowThresholdRate: Readonly<Record<string, number | null>>;
  /** Tier attempts that ran, per role, summed over pages. */
  readonly attemptsByRole: Readonly<Record<string, number>>;
  /** Per criterion: mean over pages of the share of themes passing it. */
  readonly judgePassRate: Readonly<Record<JudgeCriterion, number | null>>;
  readonly judgeAllPassRate: Distribution;
  readonly themeDiversity: Distribution;
  readonly keywordInCorpusRate: Distribution;
  readonly themes: Distribution;
  readonly products: Distribution;
  readonly targetRecall: Distribution;
  readonly newItemRecall: Distribution;
  readonly newProducts: Distribution;
  readonly targetCategoryCoverage: Distribution;
  readonly targetPrecision: Distribution;
  /** Share of artefacts reused from the store in this run. */
  readonly cacheHitRate: number | null;
}

function sumCounts(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function aggregatePages(pages: readonly PageMetrics[], failures: number): VariantAggregate {
  const phases = [...new Set(pages.flatMap((p) => Object.keys(p.escalation)))].sort();
  const d = (f: (p: PageMetrics) => number | null | undefined): Distribution => distribution(pages.map(f));
  const artefacts = pages.reduce((s, p) => s + p.artefacts, 0);
  const attempted = pages.length + failures;
  return {
    pages: pages.length,
    failures,
    schemaValidRate: attempted === 0 ? null : pages.filter((p) => p.schemaValid).length / attempted,
    costUsd: d((p) => p.cost.costUsd),
    costComplete: pages.every((p) => p.cost.costComplete),
    inputTokens: d((p) => p.cost.inputTokens),
    outputTokens: d((p) => p.cost.outputTokens),
    calls: d((p) => p.cost.calls),
    latencyMs: d((p) => p.cost.latencyMs),
    wallMs: d((p) => p.wallMs),
    escalationRate: Object.fromEntries(phases.map((ph) => [ph, rate(pages.filter((p) => ph in p.escalation).map((p) => p.escalation[ph].escalated))])),
    belowThresholdRate: Object.fromEntries(phases.map((ph) => [ph, rate(pages.filter((p) => ph in p.escalation).map((p) => p.escalation[ph].belowThresholdCascades > 0))])),
    attemptsByRole: sumCounts(pages.map((p) => p.attemptsByRole)),
    judgePassRate: Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, distribution(pages.map((p) => p.judge?.passRate[c])).mean])) as Record<JudgeCriterion, number | null>,
    judgeAllPassRate: d((p) => p.judge?.allPassRate),
    themeDiversity: d((p) => p.themeDiversity),
    keywordInCorpusRate: d((p) => p.keywordInCorpusRate),
    themes: d((p) => p.themes),
    products: d((p) => p.products),
    targetRecall: d((p) => p.targetRecall),
    newItemRecall: d((p) => p.newItemRecall),
    newProducts: d((p) => p.newProducts),
    targetCategoryCoverage: d((p) => p.targetCategoryCoverage),
    targetPrecision: d((p) => p.targetPrecision),
    cacheHitRate: artefacts === 0 ? null : pages.reduce((s, p) => s + p.cachedArtefacts, 0) / artefacts,
  };
}

/** Quality metrics a sweep can target; each is read as the variant's mean (or rate). */
export const QUALITY_METRICS = [
  'targetRecall',
  'newItemRecall',
  'targetCategoryCoverage',
  'targetPrecision',
  'judgeAllPassRate',
  'themeDiversity',
  'keywordInCorpusRate',
  'schemaValidRate',
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

export function isQualityMetric(name: string): name is QualityMetric {
  return (QUALITY_METRICS as readonly string[]).includes(name);
}

export function qualityOf(agg: VariantAggregate, metric: QualityMetric): number | null {
  return metric === 'schemaValidRate' ? agg.schemaValidRate : agg[metric].mean;
}
