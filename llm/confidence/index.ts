export { logprobConfidence, valueTokens, tokenOffsets, DEFAULT_LOGPROB_AGGREGATE, type TokenLogprob, type LogprobAggregate, type LogprobConfidence, type LogprobConfidenceResult } from './logprobs.js';
export { jsonValueMask } from './json-values.js';
export { majorityAgreement, setAgreement, jaccard, normaliseText, canonicalSet, type MajorityAgreement, type SetAgreement } from './agreement.js';
export { selfReportedConfidence, confidencePaths, type SelfReportedConfidence, type SelfReportedOptions } from './self-reported.js';
export { trainDeferral, deferralScore, deferralFeatures, parseDeferralModel, DEFERRAL_VERSION, DEFERRAL_FEATURES, type DeferralModel, type DeferralRow, type DeferralSignals } from './deferral.js';
export { reliabilityTable, expectedCalibrationError, evaluateThreshold, thresholdCurve, proposeThreshold, type CascadeItem, type LabelledConfidence, type ReliabilityBin, type ThresholdPoint, type ThresholdProposal } from './calibration.js';
export { detectDrift, describeDrift, bandWidth, DRIFT_METRICS, type RunRates, type PhaseRates, type DriftBand, type DriftOptions, type DriftFinding, type DriftReport } from './drift.js';
