import type { ConfidenceSignal, HubgenConfig, LlmTiersConfig } from '../../config/config-schema.js';
import { LLM_TIER_PHASES } from '../../config/config.js';
import type { LogprobAggregate } from '../confidence/logprobs.js';
import { loadDeferralModel, type LoadedDeferralModel } from '../confidence/deferral-file.js';
import type { GenerateStructuredOptions } from '../registry.js';

/** What a phase's LLM tier asks of each call, resolved once from its `llmTiers` config. */
export interface SignalPlan {
  /** The signal that becomes the tier's confidence. */
  readonly signal: ConfidenceSignal;
  /** How value-token probabilities aggregate; undefined when logprobs are not requested. */
  readonly logprobs: LogprobAggregate | undefined;
  /** Calls per answer: more than one only when agreement is measured. */
  readonly samples: number;
  readonly earlyAbort: GenerateStructuredOptions['earlyAbort'];
  readonly deferral: LoadedDeferralModel | undefined;
}

/** Today's behaviour: one call, the self-reported confidence, no stream. */
export const SELF_REPORTED_PLAN: SignalPlan = { signal: 'selfReported', logprobs: undefined, samples: 1, earlyAbort: undefined, deferral: undefined };

/**
 * Requests only what the signals need: logprobs for `logprob` and `deferral` (they cost nothing
 * extra) or when collected; n samples for `agreement` or when collected. A deferral tier loads its
 * weights here, so a missing or stale file fails before any call is paid for.
 */
export function signalPlan(settings: LlmTiersConfig | undefined): SignalPlan {
  if (!settings) return SELF_REPORTED_PLAN;
  const { signal, collect, logprob, agreement, earlyAbort, deferral } = settings;
  const wantsLogprobs = signal === 'logprob' || signal === 'deferral' || collect.includes('logprob');
  const wantsAgreement = signal === 'agreement' || collect.includes('agreement');
  return {
    signal,
    logprobs: wantsLogprobs ? (logprob.aggregate === 'min' ? { kind: 'min' } : { kind: 'quantile', q: logprob.q }) : undefined,
    samples: wantsAgreement ? agreement.samples : 1,
    earlyAbort: earlyAbort.enabled ? (earlyAbort.expectedOutputTokens !== undefined ? { expectedOutputTokens: earlyAbort.expectedOutputTokens } : true) : undefined,
    deferral: signal === 'deferral' ? loadDeferralModel(deferral!.weights) : undefined,
  };
}

/** What a plan adds to an artefact key: the deferral weights' digest, so retrained weights re-run the phase. */
export function signalKeyInputs(plan: SignalPlan): string[] {
  return plan.deferral ? [`deferral-weights:${plan.deferral.digest}`] : [];
}

/**
 * Loads every deferral weights file the config names, at start: a missing or stale file then stops
 * a command before any user runs, naming the config path, instead of failing each user in turn.
 */
export function checkDeferralWeights(config: HubgenConfig): void {
  for (const phase of LLM_TIER_PHASES) {
    const tiers = config.phases[phase].llmTiers;
    if (tiers?.signal !== 'deferral' || !tiers.deferral) continue;
    try {
      loadDeferralModel(tiers.deferral.weights);
    } catch (e) {
      throw new Error(`/phases/${phase}/llmTiers/deferral/weights: ${(e as Error).message}`);
    }
  }
}
