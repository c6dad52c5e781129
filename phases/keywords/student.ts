import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import { sigmoid } from '../../base/logistic.js';
import { FEATURE_NAMES, candidateFeatures, contentTokens, contextOf, themeTokens, tokenDice, type Candidate, type ThemeScope } from './features.js';
import { sha256, canonicalJson } from '../../base/hash.js';

/**
 * The local keyword student: logistic regression over hand-built (theme, candidate) features.
 * Weights are data in phases/keywords/weights/; see the README there for what trained them.
 */
export interface StudentWeights {
  readonly format: 'hubgen-student-weights/1';
  readonly model: string;
  /** Embedder whose cosine similarities the weights were fitted on; another embedder shifts them. */
  readonly embedderId: string;
  readonly features: readonly string[];
  /** Standardisation applied before the linear model: (x - mean) / std. */
  readonly means: readonly number[];
  readonly stds: readonly number[];
  readonly coefficients: readonly number[];
  readonly intercept: number;
  /** Probability at or above which a candidate counts as a keyword. */
  readonly cutoff: number;
  readonly trainedOn: string;
  readonly trainedAt: string;
  readonly metrics?: Readonly<Record<string, unknown>>;
}

const numbers = { type: 'array', items: { type: 'number' } } as const;

export const studentWeightsSchema = {
  $id: 'hubgen.student-weights.v1',
  type: 'object',
  required: ['format', 'model', 'embedderId', 'features', 'means', 'stds', 'coefficients', 'intercept', 'cutoff', 'trainedOn', 'trainedAt'],
  properties: {
    format: { const: 'hubgen-student-weights/1' },
    model: { type: 'string', minLength: 1 },
    embedderId: { type: 'string', minLength: 1 },
    features: { type: 'array', items: { type: 'string' } },
    means: numbers,
    stds: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 } },
    coefficients: numbers,
    intercept: { type: 'number' },
    cutoff: { type: 'number', minimum: 0, maximum: 1 },
    trainedOn: { type: 'string' },
    trainedAt: { type: 'string' },
    metrics: { type: 'object' },
  },
} as const;

export const WEIGHTS_DIR = fileURLToPath(new URL('./weights/', import.meta.url));

/** Checks a parsed weights document; the error names the source and the offending field. */
export function validateWeights(raw: unknown, source: string): StudentWeights {
  const validate = compileSchema<StudentWeights>(studentWeightsSchema);
  if (!validate(raw)) throw new Error(`${source}: invalid student weights: ${describeErrors(validate.errors)}`);
  const w = raw as StudentWeights;
  if (w.features.join(',') !== FEATURE_NAMES.join(',')) {
    throw new Error(`${source}: /features are [${w.features.join(', ')}] but this student computes [${FEATURE_NAMES.join(', ')}]; retrain the weights`);
  }
  for (const field of ['means', 'stds', 'coefficients'] as const) {
    if (w[field].length !== FEATURE_NAMES.length) throw new Error(`${source}: /${field} has ${w[field].length} values, expected ${FEATURE_NAMES.length}`);
  }
  return w;
}

/**
 * Where a student model id's weights live: "hubgen-student-v1" → weights/student-v1.json; a model id
 * that is a path to a .json file is used as is, so distilled weights can be tried without a rename.
 */
export function weightsPathFor(modelId: string, cwd = process.cwd()): string {
  if (modelId.endsWith('.json')) return resolve(cwd, modelId);
  const m = /^hubgen-(student-[a-z0-9.-]+)$/.exec(modelId);
  if (!m) throw new Error(`student model id "${modelId}" names no weights: use "hubgen-student-<version>" (weights/student-<version>.json) or a path to a .json weights file`);
  return resolve(WEIGHTS_DIR, `${m[1]}.json`);
}

const loaded = new Map<string, { weights: StudentWeights; digest: string }>();

/** Reads and validates a weights file once per process; `digest` goes into artefact keys. */
export function loadStudentWeights(path: string): { weights: StudentWeights; digest: string } {
  const hit = loaded.get(path);
  if (hit) return hit;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read student weights (${(e as Error).message})`, { cause: e });
  }
  const weights = validateWeights(raw, path);
  const entry = { weights, digest: weightsDigest(weights) };
  loaded.set(path, entry);
  return entry;
}

/** Hash of what changes predictions (not the metadata), so re-documenting weights keeps caches. */
export function weightsDigest(w: StudentWeights): string {
  return sha256(canonicalJson({ f: w.features, m: w.means, s: w.stds, c: w.coefficients, b: w.intercept, t: w.cutoff }));
}

/** Probability that a feature vector is a keyword, under the weights. */
export function predictProbability(w: Pick<StudentWeights, 'intercept' | 'coefficients' | 'means' | 'stds'>, x: readonly number[]): number {
  let z = w.intercept;
  for (let i = 0; i < x.length; i++) z += w.coefficients[i] * ((x[i] - w.means[i]) / w.stds[i]);
  return sigmoid(z);
}

export function scoreCandidates(w: StudentWeights, theme: ThemeScope, candidates: readonly Candidate[]): number[] {
  const tokens = themeTokens(theme);
  const context = contextOf(candidates);
  return candidates.map((c) => predictProbability(w, candidateFeatures(tokens, c, context)));
}

export interface ScoredCandidate {
  readonly candidate: Candidate;
  readonly probability: number;
}

export interface PickOptions {
  readonly minKeywords: number;
  readonly maxKeywords: number;
  readonly cutoff: number;
  /** MMR trade-off: 1 ignores redundancy, 0 ignores the score. */
  readonly lambda?: number;
}

/**
 * Greedy MMR: repeatedly take the candidate with the best probability minus its word overlap with
 * what is already picked, so ten variants of "greek yogurt" don't crowd out everything else. Takes
 * candidates above the cutoff up to maxKeywords, then pads below the cutoff up to minKeywords.
 */
export function pickDiverse(scored: readonly ScoredCandidate[], { minKeywords, maxKeywords, cutoff, lambda = 0.7 }: PickOptions): ScoredCandidate[] {
  const pool = scored.map((s) => ({ s, words: contentTokens(s.candidate.text) }));
  const picked: typeof pool = [];
  const take = (eligible: (p: ScoredCandidate) => boolean, limit: number) => {
    while (picked.length < limit) {
      let best: { i: number; value: number } | undefined;
      for (let i = 0; i < pool.length; i++) {
        if (!eligible(pool[i].s)) continue;
        const redundancy = picked.reduce((m, p) => Math.max(m, tokenDice(p.words, pool[i].words)), 0);
        const value = lambda * pool[i].s.probability - (1 - lambda) * redundancy;
        if (!best || value > best.value) best = { i, value };
      }
      if (!best) return;
      picked.push(pool.splice(best.i, 1)[0]);
    }
  };
  take((s) => s.probability >= cutoff, maxKeywords);
  take(() => true, Math.min(minKeywords, maxKeywords));
  return picked.map((p) => p.s);
}

/** Margin over the cutoff a pick needs to count as confident rather than borderline. */
export const CONFIDENT_MARGIN = 0.05;

/**
 * Mean calibrated probability of the picks, scaled by the share that clear the cutoff by a margin:
 * padding with candidates the student doesn't believe in, or many borderline picks, lowers it.
 */
export function studentConfidence(picks: readonly ScoredCandidate[], cutoff: number): number {
  if (picks.length === 0) return 0;
  const mean = picks.reduce((s, p) => s + p.probability, 0) / picks.length;
  const confident = picks.filter((p) => p.probability >= cutoff + CONFIDENT_MARGIN).length / picks.length;
  return mean * confident;
}
