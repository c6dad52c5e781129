/**
 * From calibration records to what the report shows: per tier, on users the fit never saw, a
 * reliability table and its expected calibration error, the cost–quality curve of thresholds, and
 * the cheapest threshold reaching a target quality (chosen on the fit users, checked on held-out).
 */
import { sha256 } from '../../base/hash.js';
import {
  evaluateThreshold,
  expectedCalibrationError,
  proposeThreshold,
  reliabilityTable,
  thresholdCurve,
  type CascadeItem,
  type ReliabilityBin,
  type ThresholdPoint,
  type ThresholdProposal,
} from '../../llm/confidence/calibration.js';
import { CALIBRATED_PHASES, type CalibratedPhase, type CalibrationRecord } from './records.js';

export interface CalibrationOptions {
  /** Share of answers the cascade's final output should have accepted. @default 0.9 */
  readonly targetQuality?: number;
  /** Share of users held out from the fit. @default 0.5 */
  readonly holdout?: number;
  /** @default 10 */
  readonly bins?: number;
  /** Only these phases. */
  readonly phases?: readonly CalibratedPhase[];
}

export const DEFAULT_TARGET_QUALITY = 0.9;
export const DEFAULT_HOLDOUT = 0.5;

/** Which users are held out: a stable hash of the id, so a user never moves between the sets. */
export function isHeldOut(userId: string, holdout: number): boolean {
  return Number.parseInt(sha256(`calibration:${userId}`).slice(0, 8), 16) / 2 ** 32 < holdout;
}

/** What the threshold curve's cost axis measures for a tier. */
export type CostBasis = 'usd' | 'escalations';

export interface TierCalibration {
  readonly phase: CalibratedPhase;
  readonly role: string;
  readonly models: readonly string[];
  /** The threshold most of its records were decided with. */
  readonly currentThreshold: number;
  readonly laterRoles: readonly string[];
  readonly records: { readonly fit: number; readonly heldOut: number; readonly strongerTier: number; readonly judge: number; readonly accepted: number };
  /** Held-out users' reliability table, and its expected calibration error (undefined without held-out records). */
  readonly reliability: readonly ReliabilityBin[];
  readonly ece: number | undefined;
  /** Fit users' curve; undefined when nothing follows this tier (the last tier, threshold 0). */
  readonly curve: readonly ThresholdPoint[] | undefined;
  readonly proposal: ThresholdProposal | undefined;
  /** The proposed threshold, and the current one, on held-out users. */
  readonly heldOutAtProposal: ThresholdPoint | undefined;
  readonly heldOutAtCurrent: ThresholdPoint | undefined;
  /** usd: observed dollars; escalations: the stronger tier's cost was never observed, so cost is the share escalated. */
  readonly costBasis: CostBasis;
  /** Items whose stronger answer was never judged: counted acceptable. */
  readonly assumedStrongerAccepted: number;
}

export interface CalibrationAnalysis {
  readonly targetQuality: number;
  readonly holdout: number;
  readonly users: { readonly fit: number; readonly heldOut: number };
  readonly tiers: readonly TierCalibration[];
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

function mostCommon<T>(xs: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

/**
 * The cascade items for one tier's records. A record that escalated knows what the stronger tier
 * cost and whether the judge kept its answer; one that was accepted does not, so it takes the
 * tier's mean escalation cost and counts the stronger answer as acceptable (the report says how
 * many did). When no escalation was ever paid for, the cost axis is the escalation share instead.
 */
export function cascadeItems(records: readonly CalibrationRecord[], escalationCost: number | undefined): { items: CascadeItem[]; costBasis: CostBasis; assumed: number } {
  const costBasis: CostBasis = escalationCost === undefined ? 'escalations' : 'usd';
  let assumed = 0;
  const items = records.map((r): CascadeItem => {
    const strongCorrect = r.strongerAccepted ?? (assumed++, true);
    return costBasis === 'usd'
      ? { confidence: r.confidence, cheapCorrect: r.label.accepted, cheapCostUsd: r.costUsd ?? 0, strongCorrect, strongCostUsd: r.escalationCostUsd ?? escalationCost! }
      : { confidence: r.confidence, cheapCorrect: r.label.accepted, cheapCostUsd: 0, strongCorrect, strongCostUsd: 1 };
  });
  return { items, costBasis, assumed };
}

function tierCalibration(phase: CalibratedPhase, role: string, records: readonly CalibrationRecord[], options: Required<Omit<CalibrationOptions, 'phases'>>): TierCalibration {
  const fit = records.filter((r) => !isHeldOut(r.userId, options.holdout));
  const heldOut = records.filter((r) => isHeldOut(r.userId, options.holdout));
  const labelled = (rs: readonly CalibrationRecord[]) => rs.map((r) => ({ confidence: Math.min(1, Math.max(0, r.confidence)), correct: r.label.accepted }));
  const laterRoles = records.map((r) => r.laterRoles).sort((a, b) => b.length - a.length)[0] ?? [];
  const currentThreshold = mostCommon(records.map((r) => r.threshold));
  // A paid escalation's cost, on average: only escalated records carry it, and only when something was priced.
  const escalationCost = mean(records.filter((r) => r.outcome === 'escalated' && (r.escalationCostUsd ?? 0) > 0).map((r) => r.escalationCostUsd!));
  let curve: ThresholdPoint[] | undefined;
  let proposal: ThresholdProposal | undefined;
  let heldOutAtProposal: ThresholdPoint | undefined;
  let heldOutAtCurrent: ThresholdPoint | undefined;
  const fitItems = cascadeItems(fit, escalationCost);
  const heldOutItems = cascadeItems(heldOut, escalationCost);
  // A cascade that accepts a tier records nothing after it, so answers that cleared their threshold
  // show no later roles; a threshold above 0 is what says a stronger tier is there to take over.
  const escalatable = laterRoles.length > 0 || currentThreshold > 0;
  if (escalatable && fit.length > 0) {
    curve = thresholdCurve(fitItems.items);
    proposal = proposeThreshold(curve, options.targetQuality);
    const chosen = proposal.reached ? proposal.threshold : proposal.best.threshold;
    if (heldOut.length > 0) {
      heldOutAtProposal = evaluateThreshold(heldOutItems.items, chosen);
      heldOutAtCurrent = evaluateThreshold(heldOutItems.items, currentThreshold);
    }
  }
  return {
    phase,
    role,
    models: [...new Set(records.map((r) => r.model))].sort(),
    currentThreshold,
    laterRoles,
    records: {
      fit: fit.length,
      heldOut: heldOut.length,
      strongerTier: records.filter((r) => r.label.source === 'stronger-tier').length,
      judge: records.filter((r) => r.label.source === 'judge').length,
      accepted: records.filter((r) => r.label.accepted).length,
    },
    reliability: reliabilityTable(labelled(heldOut), options.bins),
    ece: heldOut.length ? expectedCalibrationError(labelled(heldOut), options.bins) : undefined,
    curve,
    proposal,
    heldOutAtProposal,
    heldOutAtCurrent,
    costBasis: fitItems.costBasis,
    assumedStrongerAccepted: fitItems.assumed + heldOutItems.assumed,
  };
}

/** Per phase and tier (in cascade order: the tier with the most later roles first). */
export function analyseCalibration(records: readonly CalibrationRecord[], options: CalibrationOptions = {}): CalibrationAnalysis {
  const resolved = { targetQuality: options.targetQuality ?? DEFAULT_TARGET_QUALITY, holdout: options.holdout ?? DEFAULT_HOLDOUT, bins: options.bins ?? 10 };
  if (!(resolved.targetQuality > 0 && resolved.targetQuality <= 1)) throw new RangeError(`target quality must be within (0, 1], got ${resolved.targetQuality}`);
  if (!(resolved.holdout > 0 && resolved.holdout < 1)) throw new RangeError(`holdout must be strictly between 0 and 1, got ${resolved.holdout}`);
  const phases = options.phases ?? CALIBRATED_PHASES;
  const tiers: TierCalibration[] = [];
  for (const phase of phases) {
    const inPhase = records.filter((r) => r.phase === phase);
    const roles = [...new Set(inPhase.map((r) => r.role))];
    const order = (role: string) => -Math.max(...inPhase.filter((r) => r.role === role).map((r) => r.laterRoles.length));
    roles.sort((a, b) => order(a) - order(b));
    for (const role of roles) tiers.push(tierCalibration(phase, role, inPhase.filter((r) => r.role === role), resolved));
  }
  const users = [...new Set(records.map((r) => r.userId))];
  const heldOut = users.filter((u) => isHeldOut(u, resolved.holdout)).length;
  return { targetQuality: resolved.targetQuality, holdout: resolved.holdout, users: { fit: users.length - heldOut, heldOut }, tiers };
}
