import { deferralScore } from '../confidence/deferral.js';
import { deferralSignalsOf, type TierSignals } from '../confidence/signals.js';
import type { MeasuredCall } from './generate-measured.js';
import type { SignalPlan } from './plan.js';

export interface DecidedConfidence {
  /** The configured signal's value (or the self-report it fell back to), before the phase's own penalties. */
  readonly value: number;
  readonly signals: TierSignals;
  readonly notes: readonly string[];
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Picks the configured signal as the confidence and records every signal measured. A signal that
 * could not be measured (no logprobs from this server) falls back to the self-report, and says so:
 * a tier never blocks on a missing signal, but a calibration report can tell the cases apart.
 */
export function decideConfidence(measured: MeasuredCall<unknown>, selfReported: number | undefined, plan: SignalPlan): DecidedConfidence {
  const { result } = measured;
  const notes: string[] = [];
  const facts = {
    samples: measured.agreement?.samples ?? 1,
    outputTokens: measured.answerOutputTokens,
    repaired: result.repaired,
    retries: result.attempts.filter((a) => !a.ok && a.failure !== 'http').length,
    finishReason: result.finishReason,
    earlyAborts: measured.earlyAborts,
  };
  const measuredSignals = {
    ...(selfReported !== undefined ? { selfReported: round(clamp01(selfReported)) } : {}),
    ...(measured.logprob ? { logprob: round(measured.logprob.confidence) } : {}),
    ...(measured.agreement ? { agreement: round(measured.agreement.share) } : {}),
  };
  const missing = [...measured.missing];
  if (selfReported === undefined) missing.push('selfReported: the answer filled no confidence field');
  const deferral = plan.deferral ? round(deferralScore(plan.deferral.model, deferralSignalsOf({ ...measuredSignals, ...facts }))) : undefined;
  const values = { ...measuredSignals, ...(deferral !== undefined ? { deferral } : {}) };

  let used = plan.signal;
  let value = values[used];
  if (value === undefined) {
    notes.push(`${used} unavailable (${missing.find((m) => m.startsWith(used)) ?? 'not measured'}); used the self-reported confidence`);
    used = 'selfReported';
    value = values.selfReported ?? 0;
  }
  if (measured.logprob) {
    const w = measured.logprob.weakest;
    notes.push(`logprob ${measured.logprob.confidence.toFixed(3)} over ${measured.logprob.valueTokens} value tokens; least sure of ${JSON.stringify(w.token)} at ${w.probability.toFixed(2)}`);
  }
  if (measured.agreement) notes.push(`agreement ${measured.agreement.share.toFixed(2)} over ${measured.agreement.samples} samples${measured.agreement.failed ? ` (${measured.agreement.failed} failed)` : ''}`);
  if (deferral !== undefined) notes.push(`deferral ${deferral.toFixed(3)} (weights ${plan.deferral!.digest.slice(0, 12)})`);
  if (measured.earlyAborts) {
    const saved = result.usage.savedOutputTokens;
    notes.push(`${measured.earlyAborts} streamed repl${measured.earlyAborts === 1 ? 'y' : 'ies'} stopped early${saved ? `, about ${saved} output tokens not generated` : ''}`);
  }
  notes.push(`confidence from ${used}`);
  const signals: TierSignals = { used, ...values, ...facts, ...(missing.length ? { missing } : {}) };
  return { value: clamp01(value), signals, notes };
}
