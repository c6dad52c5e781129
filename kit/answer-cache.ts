import type { Logger } from 'pino';
import type { Clock } from '../base/clock.js';
import { canonicalJson, sha256 } from '../base/hash.js';
import type { GenerateStructuredOptions, ModelRegistry, StructuredResult } from '../llm/registry.js';
import { artefactHash, type ArtefactKey } from './artefacts/artefact.js';
import { cachedArtefact } from './artefacts/cache.js';
import type { ArtefactStore } from './artefacts/store.js';

/** The artefact "phase" answers are stored under, beside the phases' own artefacts. */
export const ANSWER_PHASE = 'llm-answer';

/** What an answer depends on: the model that would answer the role, the schema and the messages. */
export function answerKey(models: Pick<ModelRegistry, 'cacheKey'>, request: GenerateStructuredOptions): ArtefactKey {
  return {
    phase: ANSWER_PHASE,
    phaseVersion: '1',
    config: { schemaName: request.schemaName, schema: sha256(canonicalJson(request.schema)), logprobs: request.logprobs ?? false },
    models: { [request.role]: models.cacheKey(request.role) },
    promptVersion: '',
    // The first sample keeps the key a single request has; the others each get their own answer.
    inputs: [sha256(canonicalJson(request.messages)), ...(request.sample ? [`sample:${request.sample}`] : [])],
  };
}

/** The content hash of a request: its answer's address, and its custom_id in a batch. */
export const answerHash = (models: Pick<ModelRegistry, 'cacheKey'>, request: GenerateStructuredOptions): string => artefactHash(answerKey(models, request));

const UNCACHED = Symbol('hubgen.answer-cache.uncached');
type AnswerCached = ModelRegistry & { [UNCACHED]?: ModelRegistry };

/** The registry under any answer cache: what a miss should call for a real answer. */
export const uncachedModels = (models: ModelRegistry): ModelRegistry => (models as AnswerCached)[UNCACHED] ?? models;

export interface AnswerCacheDeps {
  readonly artefacts: ArtefactStore;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface AnswerCacheOptions {
  /** Answers a request the store does not have. @default the wrapped registry's generateStructured */
  readonly onMiss?: (request: GenerateStructuredOptions, hash: string) => Promise<StructuredResult<unknown>>;
}

/**
 * A registry whose structured calls are stored by content hash in the artefact store, so a request
 * made once is never paid for again: not by a retried job after its worker died mid-phase, nor by
 * another worker (a shared store hands one of them the claim and the others wait for its answer).
 * The answer keeps the usage it was paid with, so the phase that finally stores its artefact
 * accounts for it once. Failures are never stored. Batch mode swaps `onMiss` to collect requests.
 */
export function withAnswerCache(outer: ModelRegistry, deps: AnswerCacheDeps, { onMiss }: AnswerCacheOptions = {}): ModelRegistry {
  // Wrapping a cached registry again wraps what it wraps: a miss that called the outer cache would
  // wait on its own computation (same hash, same store).
  const models = (outer as AnswerCached)[UNCACHED] ?? outer;
  const miss = onMiss ?? ((request) => models.generateStructured(request));
  return {
    ...models,
    [UNCACHED]: models,
    generateStructured: (async (request: GenerateStructuredOptions) => {
      const key = answerKey(models, request);
      const { artefact } = await cachedArtefact<StructuredResult<unknown>>(deps, key, async () => {
        const result = await miss(request, artefactHash(key));
        return { data: result, provenance: { attempts: [], usage: result.usage, latencyMs: result.latencyMs, role: request.role, model: result.model, confidence: undefined } };
      });
      return artefact.data;
    }) as ModelRegistry['generateStructured'],
  } as AnswerCached;
}
