import { expectedCalibrationError } from '../../llm/confidence/calibration.js';
import { deferralScore, trainDeferral, type DeferralModel, type DeferralRow } from '../../llm/confidence/deferral.js';
import { deferralSignalsOf } from '../../llm/confidence/signals.js';
import { isHeldOut } from './analysis.js';
import type { CalibratedPhase, CalibrationRecord } from './records.js';

export interface DeferralTrainingOptions {
  readonly phase: CalibratedPhase;
  /** The tier whose answers to learn from; default the LLM tier with a tier after it and the most records. */
  readonly role?: string;
  readonly holdout: number;
}

export interface HeldOutFit {
  readonly rows: number;
  /** Expected calibration error and Brier score of a score as a probability of acceptance. */
  readonly ece: number;
  readonly brier: number;
}

export interface DeferralTraining {
  readonly model: DeferralModel;
  readonly phase: CalibratedPhase;
  readonly role: string;
  readonly fitRows: number;
  /** On held-out users: the deferral score beside the confidence the tier recorded. Undefined without held-out rows. */
  readonly heldOut: { readonly deferral: HeldOutFit; readonly recorded: HeldOutFit } | undefined;
}

const brier = (pairs: readonly { confidence: number; correct: boolean }[]) => pairs.reduce((s, p) => s + (p.confidence - (p.correct ? 1 : 0)) ** 2, 0) / pairs.length;

/**
 * Fits the deferral model on the fit users' answers of one LLM tier (recorded escalations labelled
 * by the stronger tier, accepted answers labelled by the judge) and compares it on held-out users
 * with the confidence the tier used. Only answers with recorded signals count: the model reads them.
 */
export function trainDeferralFromRecords(records: readonly CalibrationRecord[], { phase, role, holdout }: DeferralTrainingOptions): DeferralTraining {
  const withSignals = records.filter((r) => r.phase === phase && r.signals);
  const roles = [...new Set(withSignals.map((r) => r.role))];
  if (roles.length === 0) {
    throw new Error(`no ${phase} answers with recorded signals to learn from: only LLM tiers record them; run with an LLM tier configured (or hubgen eval --simulate) first`);
  }
  // A deferral score decides whether to escalate, so by default only a tier with something after it is worth one.
  const escalating = roles.filter((x) => withSignals.some((r) => r.role === x && (r.threshold > 0 || r.laterRoles.length > 0)));
  const count = (x: string) => withSignals.filter((r) => r.role === x).length;
  const chosen = role ?? escalating.sort((a, b) => count(b) - count(a))[0];
  if (!chosen) {
    throw new Error(`the ${phase} LLM tiers with recorded signals (${roles.join(', ')}) are all last in their cascade, with nothing to escalate to; name one with --tier to train anyway`);
  }
  const mine = withSignals.filter((r) => r.role === chosen);
  if (mine.length === 0) throw new Error(`no ${phase} answers of tier ${chosen} with recorded signals (tiers with signals: ${roles.join(', ') || 'none'})`);
  const row = (r: CalibrationRecord): DeferralRow => ({ signals: deferralSignalsOf(r.signals!), accepted: r.label.accepted });
  const fit = mine.filter((r) => !isHeldOut(r.userId, holdout));
  const heldOut = mine.filter((r) => isHeldOut(r.userId, holdout));
  let model: DeferralModel;
  try {
    model = trainDeferral(fit.map(row));
  } catch (e) {
    throw new Error(`${phase} · ${chosen}: ${(e as Error).message}; ${fit.length} answers of fit users`);
  }
  const measure = (score: (r: CalibrationRecord) => number): HeldOutFit => {
    const pairs = heldOut.map((r) => ({ confidence: Math.min(1, Math.max(0, score(r))), correct: r.label.accepted }));
    return { rows: pairs.length, ece: expectedCalibrationError(pairs), brier: brier(pairs) };
  };
  return {
    model,
    phase,
    role: chosen,
    fitRows: fit.length,
    heldOut: heldOut.length ? { deferral: measure((r) => deferralScore(model, deferralSignalsOf(r.signals!))), recorded: measure((r) => r.confidence) } : undefined,
  };
}
