import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import type { Embedder } from '../embeddings/embedder.js';
import { sigmoid } from '../../base/logistic.js';
import { FEATURE_NAMES, pairFeatures, prepareText, querySegments, type IdfTable, type PreparedText } from './features.js';
import type { RelevancePair, RelevanceScorer } from './scorer.js';
import { sha256 } from '../../base/hash.js';
import { cosine } from '../embeddings/vectors.js';
import { embedUnique } from '../embeddings/vectors.js';

/** Local model names a `cross_encoder` role may bind to, and their bundled weights. */
export const LOCAL_RELEVANCE_MODELS: Readonly<Record<string, string>> = {
  'hubgen-relevance-v1': 'weights/relevance-v1.json',
};

const numbers = { type: 'array', items: { type: 'number' } } as const;

/** The weights file, validated when loaded. */
export const relevanceWeightsSchema = {
  type: 'object',
  required: ['format', 'model', 'embedder', 'features', 'mean', 'std', 'weights', 'bias', 'idf', 'training'],
  properties: {
    format: { const: 'hubgen-relevance-logreg/1' },
    model: { type: 'string' },
    /** The embedder the cosine feature was computed with during training. */
    embedder: { type: 'string' },
    features: { type: 'array', items: { type: 'string' } },
    mean: numbers,
    std: numbers,
    weights: numbers,
    bias: { type: 'number' },
    idf: {
      type: 'object',
      required: ['documents', 'minDf', 'df'],
      properties: { documents: { type: 'integer', minimum: 1 }, minDf: { type: 'number', minimum: 1 }, df: { type: 'object', additionalProperties: { type: 'number' } } },
    },
    /** Free-form record of the data and settings (see weights/README.md). */
    training: { type: 'object' },
  },
} as const;

export interface RelevanceWeights {
  readonly format: 'hubgen-relevance-logreg/1';
  readonly model: string;
  readonly embedder: string;
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
  readonly idf: IdfTable;
  readonly training: Readonly<Record<string, unknown>>;
}

/** Checks a parsed weights object; the error names the source and every problem. */
export function validateRelevanceWeights(value: unknown, source: string): RelevanceWeights {
  const validate = compileSchema<RelevanceWeights>(relevanceWeightsSchema);
  if (!validate(value)) throw new Error(`relevance weights ${source} are invalid: ${describeErrors(validate.errors)}`);
  const w = value as RelevanceWeights;
  if (w.features.join(',') !== FEATURE_NAMES.join(',')) {
    throw new Error(`relevance weights ${source} use features [${w.features.join(', ')}], this code computes [${FEATURE_NAMES.join(', ')}]; retrain them`);
  }
  for (const k of ['mean', 'std', 'weights'] as const) {
    if (w[k].length !== FEATURE_NAMES.length) throw new Error(`relevance weights ${source}: ${k} has ${w[k].length} values, expected ${FEATURE_NAMES.length}`);
  }
  return w;
}

const loaded = new Map<string, { weights: RelevanceWeights; digest: string }>();

/** Loads (once per process) the bundled weights for a local model name. */
export function loadRelevanceWeights(model: string): { weights: RelevanceWeights; digest: string } {
  const rel = LOCAL_RELEVANCE_MODELS[model];
  if (!rel) throw new Error(`unknown local relevance model "${model}" (known: ${Object.keys(LOCAL_RELEVANCE_MODELS).join(', ')})`);
  let entry = loaded.get(model);
  if (!entry) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`relevance weights for "${model}" not found at ${path}; train them with \`hubgen train-relevance --out <file>\` (${(e as Error).message})`);
    }
    entry = { weights: validateRelevanceWeights(JSON.parse(text), path), digest: sha256(text) };
    loaded.set(model, entry);
  }
  return entry;
}

/**
 * The model's probability that the pair is relevant, from its features. Computed as (w·(x−mean))/std,
 * not the student's w·((x−mean)/std): the two round differently, and the bundled weights were
 * evaluated this way.
 */
export function predictRelevance(w: Pick<RelevanceWeights, 'mean' | 'std' | 'weights' | 'bias'>, features: readonly number[]): number {
  let z = w.bias;
  for (let i = 0; i < features.length; i++) z += (w.weights[i] * (features[i] - w.mean[i])) / w.std[i];
  return sigmoid(z);
}

/** Features for many pairs, embedding and tokenising every distinct text (and query segment) once. */
export async function featuresForPairs(pairs: readonly RelevancePair[], embedder: Embedder, idf: IdfTable): Promise<number[][]> {
  const segments = new Map(pairs.map((p) => [p.query, querySegments(p.query)]));
  const texts = [...pairs.flatMap((p) => [p.query, p.text]), ...[...segments.values()].flat()];
  const vectors = await embedUnique(embedder, texts);
  const prepared = new Map<string, PreparedText>();
  const prep = (t: string) => {
    let p = prepared.get(t);
    if (!p) prepared.set(t, (p = prepareText(t)));
    return p;
  };
  return pairs.map((p) => {
    const v = vectors.get(p.text)!;
    const maxSegment = Math.max(...segments.get(p.query)!.map((s) => cosine(vectors.get(s)!, v)));
    return pairFeatures(prep(p.query), prep(p.text), cosine(vectors.get(p.query)!, v), maxSegment, idf);
  });
}

const warnedEmbedders = new Set<string>();

/**
 * The local learned relevance model: logistic regression over pair features (embedding cosine,
 * idf-weighted word overlap both ways, character-trigram overlap, length ratio). No network.
 */
export function localRelevanceScorer(options: { readonly model: string; readonly embedder: Embedder; readonly logger?: Logger; readonly weights?: RelevanceWeights }): RelevanceScorer {
  const { weights, digest } = options.weights ? { weights: options.weights, digest: sha256(JSON.stringify(options.weights)) } : loadRelevanceWeights(options.model);
  if (weights.embedder !== options.embedder.id && !warnedEmbedders.has(options.embedder.id)) {
    warnedEmbedders.add(options.embedder.id);
    options.logger?.warn(
      { trainedWith: weights.embedder, scoringWith: options.embedder.id },
      'relevance weights were trained with another embedder; the cosine feature is distributed differently, so scores are less calibrated',
    );
  }
  return {
    id: `${options.model}@${digest.slice(0, 12)}`,
    async score(pairs) {
      const features = await featuresForPairs(pairs, options.embedder, weights.idf);
      return features.map((f) => predictRelevance(weights, f));
    },
  };
}
