import type { Ctx } from '../kit/context.js';
import type { Role } from '../config/config.js';
import type { EvalPipelines } from './types.js';
import type { Dataset } from '../catalogue/types.js';
import { isQualityMetric, qualityOf, QUALITY_METRICS, type QualityMetric } from './metrics.js';
import { runEval, type EvalProgress, type EvalResult, type EvalUser, type SweepSummary, type VariantPipeline, type ThemeJudge } from './runner.js';
import { parseVariant, variantName, type BaseVariant } from './variants.js';

export class SweepError extends Error {
  override readonly name = 'SweepError';
}

const MAX_POINTS = 101;
// Thresholds are short decimals; rounding keeps 0.1 + 0.2 from becoming 0.30000000000000004 in names and hashes.
const tidy = (x: number): number => Math.round(x * 1e9) / 1e9;

/**
 * "themes.threshold=0.5..0.9:0.1" → { param: "themes.threshold", values: [0.5, 0.6, 0.7, 0.8, 0.9] }.
 * The step defaults to 0.1; a list "keywords.threshold=0.3,0.5,0.7" is accepted too.
 */
export function parseSweep(text: string): { param: string; values: number[] } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new SweepError(`sweep "${text}": expected <param>=<from>..<to>[:<step>], e.g. themes.threshold=0.5..0.9:0.1`);
  const param = text.slice(0, eq).trim();
  const spec = text.slice(eq + 1).trim();
  const num = (s: string, what: string): number => {
    const x = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(x)) throw new SweepError(`sweep "${text}": ${what} "${s}" is not a number`);
    return x;
  };
  if (!spec.includes('..')) {
    const values = spec.split(',').map((s) => num(s, 'value'));
    return { param, values: [...new Set(values.map(tidy))] };
  }
  const [range, stepText] = spec.split(':');
  const [fromText, toText] = range.split('..');
  const from = num(fromText, 'start');
  const to = num(toText ?? '', 'end');
  const step = stepText === undefined ? 0.1 : num(stepText, 'step');
  if (step <= 0) throw new SweepError(`sweep "${text}": step must be positive`);
  if (to < from) throw new SweepError(`sweep "${text}": end ${to} is below start ${from}`);
  // Count steps with a tolerance so 0.5..0.9:0.1 includes 0.9 despite float error.
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  if (n > MAX_POINTS) throw new SweepError(`sweep "${text}": ${n} values; at most ${MAX_POINTS}`);
  return { param, values: Array.from({ length: n }, (_, i) => tidy(from + i * step)) };
}

export interface RunSweepOptions {
  readonly ctx: Ctx;
  readonly dataset?: Dataset;
  readonly users: readonly (string | EvalUser)[];
  /** e.g. "themes.threshold", "keywords.threshold", "filter.judge.threshold", "filter.relevanceThreshold". */
  readonly param: string;
  readonly values: readonly number[];
  /** The quality the proposal must reach: a VariantAggregate metric's mean (see QUALITY_METRICS). */
  readonly targetQuality: { readonly metric: QualityMetric | string; readonly min: number };
  /** Pipeline swept (default "cascaded"). */
  readonly base?: BaseVariant;
  readonly concurrency?: number;
  readonly onProgress?: (p: EvalProgress) => void;
  readonly simulatedRoles?: readonly Role[];
  readonly judge?: boolean;
  readonly pipelines: EvalPipelines;
  readonly themeJudge?: ThemeJudge;
}

export interface SweepOutcome extends SweepSummary {
  /** The full eval (one variant per value), with `sweep` set to this curve. */
  readonly result: EvalResult;
}

/** Cheapest point that meets the target; among equal costs the better quality, then the first value. */
export function proposeValue(points: SweepSummary['points']): SweepSummary['proposal'] {
  const meeting = points.filter((p) => p.meetsTarget);
  if (meeting.length === 0) return null;
  const best = [...meeting].sort((a, b) => (a.costPerPage ?? Infinity) - (b.costPerPage ?? Infinity) || (b.quality ?? 0) - (a.quality ?? 0))[0];
  return { value: best.value, variant: best.variant, costPerPage: best.costPerPage, quality: best.quality };
}

/**
 * Runs the base pipeline once per value of one config parameter, on the same users and the same
 * artefact store: only the phase that reads the parameter (and those downstream) recompute, because
 * each phase's artefact key holds only its own config slice. Returns the cost–quality curve and the
 * cheapest value that meets the quality target.
 */
export async function runSweep(options: RunSweepOptions): Promise<SweepOutcome> {
  const { param, values, targetQuality, base = 'cascaded' } = options;
  if (!isQualityMetric(targetQuality.metric)) {
    throw new SweepError(`unknown quality metric "${targetQuality.metric}" (expected one of ${QUALITY_METRICS.join(', ')})`);
  }
  if (values.length === 0) throw new SweepError(`sweep of ${param}: no values`);
  const metric: QualityMetric = targetQuality.metric;
  const variants = values.map((value) => variantName(base, [{ param, value }]));
  variants.forEach((v) => parseVariant(v)); // fail on a bad name before running anything

  const result = await runEval({
    ctx: options.ctx,
    dataset: options.dataset,
    users: options.users,
    variants,
    concurrency: options.concurrency,
    onProgress: options.onProgress,
    simulatedRoles: options.simulatedRoles,
    judge: options.judge,
    pipelines: options.pipelines,
    themeJudge: options.themeJudge,
  });

  const points = values.map((value, i) => {
    const agg = result.variants[i].aggregate;
    const quality = qualityOf(agg, metric);
    return { value, variant: variants[i], costPerPage: agg.costUsd.mean, quality, meetsTarget: quality !== null && quality >= targetQuality.min };
  });
  const proposal = proposeValue(points);
  const summary: SweepSummary = { param, metric, min: targetQuality.min, points, proposal, note: sweepNote(points, proposal, result, metric, targetQuality.min) };
  return { ...summary, result: { ...result, sweep: summary } };
}

function sweepNote(points: SweepSummary['points'], proposal: SweepSummary['proposal'], result: EvalResult, metric: string, min: number): string {
  const notes: string[] = [];
  if (proposal) notes.push(`cheapest value meeting ${metric} >= ${min}: ${proposal.value}`);
  else notes.push(`no value reached ${metric} >= ${min}`);
  if (points.every((p) => (p.costPerPage ?? 0) === 0)) notes.push('every value cost $0 per page: no priced model tier ran, so cost cannot separate the values');
  if (result.variants.some((v) => !v.aggregate.costComplete)) notes.push('some calls had no configured price, so some costs are lower bounds');
  if (result.simulatedRoles.length > 0) notes.push(`simulated roles (${result.simulatedRoles.join(', ')}): their token counts and costs are real, their quality is not`);
  return notes.join('; ');
}
