export { signalPlan, signalKeyInputs, checkDeferralWeights, SELF_REPORTED_PLAN, type SignalPlan } from './plan.js';
export { generateMeasured, type AgreementSpec, type MeasuredCall, type MeasuredCallOptions } from './generate-measured.js';
export { decideConfidence, type DecidedConfidence } from './decide.js';
export { formatSignals, deferralSignalsOf, type TierSignals } from '../confidence/signals.js';
