/**
 * How well a tier's confidence predicts that its answer is good, and what threshold to set on it.
 * "Correct" is whatever the caller's label says: the judge accepted, or the stronger tier agreed.
 */

export interface LabelledConfidence {
  readonly confidence: number;
  readonly correct: boolean;
}

export interface ReliabilityBin {
  /** [lo, hi): the last bin also holds confidence 1. */
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Undefined for an empty bin. */
  readonly meanConfidence: number | undefined;
  readonly accuracy: number | undefined;
}

function assertConfidence(c: number, where: string): void {
  if (!(c >= 0 && c <= 1)) throw new RangeError(`${where}: confidence must be within 0..1, got ${c}`);
}

/** Equal-width bins over 0..1, each with its count, mean confidence and share correct. */
export function reliabilityTable(items: readonly LabelledConfidence[], bins = 10): ReliabilityBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`reliabilityTable needs a positive whole number of bins, got ${bins}`);
  const sums = Array.from({ length: bins }, () => ({ count: 0, confidence: 0, correct: 0 }));
  items.forEach((item, i) => {
    assertConfidence(item.confidence, `reliabilityTable item ${i}`);
    const b = Math.min(bins - 1, Math.floor(item.confidence * bins));
    sums[b].count++;
    sums[b].confidence += item.confidence;
    sums[b].correct += item.correct ? 1 : 0;
  });
  return sums.map((s, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: s.count,
    meanConfidence: s.count ? s.confidence / s.count : undefined,
    accuracy: s.count ? s.correct / s.count : undefined,
  }));
}

/** Expected calibration error: Σ over bins of (share of items) × |accuracy − mean confidence|. */
export function expectedCalibrationError(items: readonly LabelledConfidence[], bins = 10): number {
  if (items.length === 0) throw new RangeError('expectedCalibrationError needs at least one labelled item');
  return reliabilityTable(items, bins).reduce((sum, b) => (b.count ? sum + (b.count / items.length) * Math.abs(b.accuracy! - b.meanConfidence!) : sum), 0);
}

/** One item seen by both tiers of a two-tier cascade: what each would have cost and whether each was right. */
export interface CascadeItem {
  readonly confidence: number;
  readonly cheapCorrect: boolean;
  readonly cheapCostUsd: number;
  readonly strongCorrect: boolean;
  readonly strongCostUsd: number;
}

export interface ThresholdPoint {
  readonly threshold: number;
  /** Share of items whose final answer (cheap if accepted, else strong) is correct. */
  readonly quality: number;
  /** Mean dollars per item: the cheap call always, the strong call when escalated. */
  readonly costUsd: number;
  readonly escalationRate: number;
}

/** Quality and cost of one threshold, with the cascade's rule: accept the cheap answer when confidence ≥ threshold. */
export function evaluateThreshold(items: readonly CascadeItem[], threshold: number): ThresholdPoint {
  if (items.length === 0) throw new RangeError('evaluateThreshold needs at least one item');
  let good = 0;
  let cost = 0;
  let escalated = 0;
  for (const item of items) {
    const accept = item.confidence >= threshold;
    cost += item.cheapCostUsd + (accept ? 0 : item.strongCostUsd);
    good += (accept ? item.cheapCorrect : item.strongCorrect) ? 1 : 0;
    escalated += accept ? 0 : 1;
  }
  return { threshold, quality: good / items.length, costUsd: cost / items.length, escalationRate: escalated / items.length };
}

/**
 * The cost–quality curve: one point per distinct confidence (the only places the outcome can
 * change), plus 0 (never escalate) and 1, in threshold order.
 */
export function thresholdCurve(items: readonly CascadeItem[]): ThresholdPoint[] {
  items.forEach((item, i) => assertConfidence(item.confidence, `thresholdCurve item ${i}`));
  const thresholds = [...new Set([0, 1, ...items.map((i) => i.confidence)])].sort((a, b) => a - b);
  return thresholds.map((t) => evaluateThreshold(items, t));
}

export type ThresholdProposal =
  | ({ readonly reached: true } & ThresholdPoint)
  /** No threshold reaches the target; `best` is the highest-quality point, for the report. */
  | { readonly reached: false; readonly target: number; readonly best: ThresholdPoint };

/** The cheapest point reaching the target quality (ties: higher quality, then lower threshold). */
export function proposeThreshold(curve: readonly ThresholdPoint[], targetQuality: number): ThresholdProposal {
  if (curve.length === 0) throw new RangeError('proposeThreshold needs a non-empty curve');
  const reaching = curve.filter((p) => p.quality >= targetQuality);
  if (reaching.length === 0) {
    const best = curve.reduce((a, b) => (b.quality > a.quality || (b.quality === a.quality && b.costUsd < a.costUsd) ? b : a));
    return { reached: false, target: targetQuality, best };
  }
  const pick = reaching.reduce((a, b) => (b.costUsd < a.costUsd || (b.costUsd === a.costUsd && (b.quality > a.quality || (b.quality === a.quality && b.threshold < a.threshold))) ? b : a));
  return { reached: true, ...pick };
}
