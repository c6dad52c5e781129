import type { ConfidenceSignal } from '../../config/config-schema.js';
import type { DeferralSignals } from './deferral.js';

export type { ConfidenceSignal } from '../../config/config-schema.js';

/**
 * What an LLM tier measured about its answer, recorded in the cascade attempt. `used` names the
 * signal that became its confidence; the others were measured too (for calibration and deferral
 * training) or not asked for. The call facts are what the deferral model reads besides signals.
 */
export interface TierSignals {
  readonly used: ConfidenceSignal;
  /** The model's own confidence field, 0..1. */
  readonly selfReported?: number;
  /** Value-token log-probability confidence, 0..1. */
  readonly logprob?: number;
  /** Share of samples agreeing with the answer used, 0..1 (a failed sample counts as disagreeing). */
  readonly agreement?: number;
  /** The deferral model's probability that a stronger tier or the judge would accept the answer. */
  readonly deferral?: number;
  /** Calls asked for the same answer (agreement); 1 when only one was made. */
  readonly samples: number;
  readonly outputTokens: number;
  readonly repaired: boolean;
  /** Failed attempts (not transport errors) before the valid answer. */
  readonly retries: number;
  readonly finishReason: string;
  /** Streamed replies stopped early on the way to this answer, over every sample. */
  readonly earlyAborts: number;
  /** Why a signal that was asked for is absent, e.g. "logprob: the server sent no logprobs". */
  readonly missing?: readonly string[];
}

/** The deferral model's input from a recorded attempt's signals. */
export function deferralSignalsOf(s: Pick<TierSignals, 'selfReported' | 'logprob' | 'agreement' | 'outputTokens' | 'repaired' | 'retries' | 'finishReason'>): DeferralSignals {
  return {
    ...(s.logprob !== undefined ? { logprob: s.logprob } : {}),
    ...(s.agreement !== undefined ? { agreement: s.agreement } : {}),
    ...(s.selfReported !== undefined ? { selfReported: s.selfReported } : {}),
    outputTokens: s.outputTokens,
    repaired: s.repaired,
    retries: s.retries,
    finishReason: s.finishReason,
  };
}

/** "logprob 0.31 · self 0.90 · agree 0.67 (3)": the signals at a glance, the used one first and marked. */
export function formatSignals(s: TierSignals): string {
  const names: Record<ConfidenceSignal, string> = { selfReported: 'self', logprob: 'logprob', agreement: 'agree', deferral: 'deferral' };
  const order: ConfidenceSignal[] = [s.used, ...(['selfReported', 'logprob', 'agreement', 'deferral'] as const).filter((k) => k !== s.used)];
  const parts = order
    .filter((k) => s[k] !== undefined)
    .map((k) => `${k === s.used ? '*' : ''}${names[k]} ${s[k]!.toFixed(2)}${k === 'agreement' ? ` of ${s.samples}` : ''}`);
  if (s.earlyAborts) parts.push(`${s.earlyAborts} early abort${s.earlyAborts === 1 ? '' : 's'}`);
  for (const m of s.missing ?? []) parts.push(`no ${m}`);
  return parts.join(' · ');
}
