/**
 * A learned deferral score: a small logistic model that turns a cheap tier's signals (token
 * log-probabilities, sample agreement, self-reported confidence) and cheap facts about the call
 * (output length, repaired, retries, finish reason) into the probability that the stronger tier
 * or the judge would accept its answer. Trained from recorded escalations, where both answers exist.
 *
 * Fitting is its own (full-batch gradient descent, L2, standardised features) rather than the
 * relevance trainer's: that one lives inside a phase and pulls in the catalogue. Only the
 * logistic function is shared.
 */
import { fitLogistic, sigmoid } from '../../base/logistic.js';
import { compileSchema, describeErrors } from '../../base/ajv.js';

export const DEFERRAL_VERSION = 'hubgen.deferral.v1';

export const DEFERRAL_FEATURES = [
  'logprob',
  'logprobMissing',
  'agreement',
  'agreementMissing',
  'selfReported',
  'selfReportedMissing',
  'logOutputTokens',
  'repaired',
  'retries',
  'finishNotStop',
] as const;

/** What one cheap-tier answer looked like. A signal the phase did not collect is left undefined. */
export interface DeferralSignals {
  /** Value-token log-probability confidence, 0..1. */
  readonly logprob?: number;
  /** Share agreeing with the majority (or mean Jaccard to the medoid), 0..1. */
  readonly agreement?: number;
  readonly selfReported?: number;
  readonly outputTokens: number;
  readonly repaired: boolean;
  /** Failed attempts (not transport errors) before the valid answer. */
  readonly retries: number;
  readonly finishReason: string;
}

export interface DeferralRow {
  readonly signals: DeferralSignals;
  /** The label: the stronger tier's answer agreed with this one, or the judge accepted it. */
  readonly accepted: boolean;
}

export interface DeferralModel {
  readonly version: typeof DEFERRAL_VERSION;
  readonly features: readonly string[];
  /** What a missing signal stands in as (its training mean), so only the indicator carries "missing". */
  readonly impute: { readonly logprob: number; readonly agreement: number; readonly selfReported: number };
  readonly means: readonly number[];
  readonly stds: readonly number[];
  readonly coefficients: readonly number[];
  readonly intercept: number;
  readonly trainedOn: { readonly rows: number; readonly accepted: number };
}

export interface TrainDeferralOptions {
  /** @default 1e-3 */
  readonly l2?: number;
  /** @default 2000 */
  readonly epochs?: number;
  /** @default 0.5 */
  readonly learningRate?: number;
}

const SIGNALS = ['logprob', 'agreement', 'selfReported'] as const;

function assertSignals(s: DeferralSignals, where: string): void {
  for (const k of SIGNALS) {
    const v = s[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`${where}: ${k} must be within 0..1 or undefined, got ${v}`);
  }
  if (!(s.outputTokens >= 0) || !Number.isFinite(s.outputTokens)) throw new RangeError(`${where}: outputTokens must be a finite count, got ${s.outputTokens}`);
  if (!(s.retries >= 0) || !Number.isFinite(s.retries)) throw new RangeError(`${where}: retries must be a finite count, got ${s.retries}`);
}

/** The feature vector, in DEFERRAL_FEATURES order. */
export function deferralFeatures(s: DeferralSignals, impute: DeferralModel['impute']): number[] {
  const signal = (k: (typeof SIGNALS)[number]) => [s[k] ?? impute[k], s[k] === undefined ? 1 : 0];
  return [
    ...signal('logprob'),
    ...signal('agreement'),
    ...signal('selfReported'),
    // Log: the difference between 50 and 100 tokens matters, between 2000 and 2050 does not.
    Math.log1p(s.outputTokens),
    s.repaired ? 1 : 0,
    s.retries,
    s.finishReason === 'stop' ? 0 : 1,
  ];
}

/** Fits the model; needs rows of both labels, or there is nothing to tell apart. */
export function trainDeferral(rows: readonly DeferralRow[], options: TrainDeferralOptions = {}): DeferralModel {
  const { l2 = 1e-3, epochs = 2000, learningRate = 0.5 } = options;
  rows.forEach((r, i) => assertSignals(r.signals, `trainDeferral row ${i}`));
  const accepted = rows.filter((r) => r.accepted).length;
  if (accepted === 0 || accepted === rows.length) {
    throw new Error(`trainDeferral needs both accepted and rejected rows to learn from (got ${accepted} accepted, ${rows.length - accepted} rejected)`);
  }
  const meanOf = (k: (typeof SIGNALS)[number]) => {
    const present = rows.map((r) => r.signals[k]).filter((v): v is number => v !== undefined);
    return present.length ? present.reduce((a, b) => a + b, 0) / present.length : 0;
  };
  const impute = { logprob: meanOf('logprob'), agreement: meanOf('agreement'), selfReported: meanOf('selfReported') };
  const X = rows.map((r) => deferralFeatures(r.signals, impute));
  const y = rows.map((r) => (r.accepted ? 1 : 0));
  const { mean: means, std: stds, weights: w, bias: b } = fitLogistic(X, y, { l2, epochs, learningRate });
  return { version: DEFERRAL_VERSION, features: [...DEFERRAL_FEATURES], impute, means, stds, coefficients: w, intercept: b, trainedOn: { rows: rows.length, accepted } };
}

/** Probability, 0..1, that the stronger tier or the judge would accept this answer: a tier confidence. */
export function deferralScore(model: DeferralModel, signals: DeferralSignals): number {
  assertSignals(signals, 'deferralScore');
  const x = deferralFeatures(signals, model.impute);
  let z = model.intercept;
  for (let j = 0; j < x.length; j++) z += model.coefficients[j] * ((x[j] - model.means[j]) / model.stds[j]);
  return sigmoid(z);
}

const numbers = (n: number) => ({ type: 'array', minItems: n, maxItems: n, items: { type: 'number' } }) as const;

const deferralModelSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'features', 'impute', 'means', 'stds', 'coefficients', 'intercept', 'trainedOn'],
  properties: {
    version: { const: DEFERRAL_VERSION },
    features: { const: [...DEFERRAL_FEATURES] },
    impute: {
      type: 'object',
      additionalProperties: false,
      required: ['logprob', 'agreement', 'selfReported'],
      properties: { logprob: { type: 'number' }, agreement: { type: 'number' }, selfReported: { type: 'number' } },
    },
    means: numbers(DEFERRAL_FEATURES.length),
    stds: { ...numbers(DEFERRAL_FEATURES.length), items: { type: 'number', exclusiveMinimum: 0 } },
    coefficients: numbers(DEFERRAL_FEATURES.length),
    intercept: { type: 'number' },
    trainedOn: {
      type: 'object',
      additionalProperties: false,
      required: ['rows', 'accepted'],
      properties: { rows: { type: 'integer', minimum: 0 }, accepted: { type: 'integer', minimum: 0 } },
    },
  },
} as const;

/** Checks parsed JSON (a weights file) is a model this code can score with; the error names the field. */
export function parseDeferralModel(json: unknown, source = 'deferral model'): DeferralModel {
  const validate = compileSchema<DeferralModel>(deferralModelSchema);
  if (!validate(json)) {
    const version = (json as { version?: unknown } | null)?.version;
    const hint = version !== undefined && version !== DEFERRAL_VERSION ? ` (version ${JSON.stringify(version)}, this code reads ${DEFERRAL_VERSION}: retrain)` : '';
    throw new Error(`${source} is not a usable deferral model${hint}: ${describeErrors(validate.errors)}`);
  }
  return json;
}
