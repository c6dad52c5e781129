import { compileSchema, describeErrors } from '../base/ajv.js';
import type { Role } from '../config/config.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { cachedArtefact, type CachedResult, type Computed } from './artefacts/cache.js';
import type { Artefact, ArtefactKey } from './artefacts/artefact.js';
import type { Ctx } from './context.js';
import { catalogueDigest, statsDigest, userDigest } from './digests.js';

/** Every phase resolves to its artefact and whether it came from the cache. */
export type PhaseResult<T> = CachedResult<T>;

/**
 * The one spelling of each phase's name: artefact keys, manifests, run summaries, `hubgen show`
 * and eval reports all say these.
 */
export const PHASE_NAMES = ['themes', 'keywords', 'filter', 'assemble', 'single-step'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** What else a phase's output depends on, named so every key spells each digest the same way. */
export interface KeyInputs {
  readonly user?: UserContext;
  /** Upstream artefacts, by hash. */
  readonly upstream?: readonly Artefact[];
  /** Shared state the phase reads: the keyword corpus, the embedder, the catalogue, the order statistics. */
  readonly reads?: readonly ('corpus' | 'embedder' | 'catalogue' | 'stats')[];
  /** Anything else, already spelled "<what>:<digest>" (e.g. a weights file's digest). */
  readonly extra?: readonly string[];
}

/** How an embedder appears in a key: its id, which names the model and its settings. */
export const embedderKeyInput = (embedder: { readonly id: string }): string => `embedder:${embedder.id}`;

export function keyInputs(ctx: Pick<Ctx, 'corpus' | 'embedder' | 'catalogue' | 'stats'>, { user, upstream = [], reads = [], extra = [] }: KeyInputs): string[] {
  const read: Record<NonNullable<KeyInputs['reads']>[number], () => string> = {
    corpus: () => `corpus:${ctx.corpus.digest}`,
    embedder: () => embedderKeyInput(ctx.embedder),
    catalogue: () => `catalogue:${catalogueDigest(ctx.catalogue)}`,
    stats: () => `stats:${statsDigest(ctx.stats)}`,
  };
  return [...upstream.map((a) => a.hash), ...(user ? [`user:${userDigest(user)}`] : []), ...reads.map((r) => read[r]()), ...extra];
}

/** A phase, declared: what its artefact is keyed on, its schema, and its own logic. */
export interface PhaseDefinition<I, O, P = void> {
  readonly name: PhaseName;
  /** Bumped on purpose when the code changes what the phase produces for the same inputs. */
  readonly version: string;
  /** The artefact's JSON Schema: every output is validated against it before it is stored. */
  readonly schema: object;
  readonly promptVersion: string | ((ctx: Ctx, prepared: P) => string);
  /** Work shared by the key and the computation (e.g. loading a model whose digest goes into the key). */
  readonly prepare?: (input: I, ctx: Ctx) => P;
  /** The slice of config this phase reads: nothing else, so unrelated config edits keep the cache. */
  readonly config: (ctx: Ctx, input: I, prepared: P) => unknown;
  /** Roles the phase may call: each role's model identity (ModelRegistry.cacheKey) goes into the key. */
  readonly roles?: (ctx: Ctx, input: I, prepared: P) => readonly Role[];
  /** Model ids that are not roles (a scorer's weights, a rubric's version). */
  readonly models?: (ctx: Ctx, input: I, prepared: P) => Readonly<Record<string, string>>;
  readonly inputs: (input: I, ctx: Ctx, prepared: P) => readonly string[];
  readonly compute: (input: I, ctx: Ctx, prepared: P) => Promise<Computed<O>>;
}

export interface Phase<I, O> {
  (input: I, ctx: Ctx): Promise<PhaseResult<O>>;
  readonly phaseName: PhaseName;
  readonly version: string;
  /** The artefact key this input would be stored under now (for inspection and tests). */
  key(input: I, ctx: Ctx): ArtefactKey;
}

/**
 * Wraps a phase's own logic with everything phases share: the artefact key, the cache lookup (a
 * hit recomputes nothing; concurrent callers share one computation), schema validation of what is
 * about to be stored, and the log line. A phase's run.ts then holds only what the phase does.
 */
export function definePhase<I, O, P = void>(def: PhaseDefinition<I, O, P>): Phase<I, O> {
  const validate = compileSchema<O>(def.schema);
  const prepared = (input: I, ctx: Ctx): P => (def.prepare ? def.prepare(input, ctx) : (undefined as P));
  const keyFor = (input: I, ctx: Ctx, p: P): ArtefactKey => ({
    phase: def.name,
    phaseVersion: def.version,
    config: def.config(ctx, input, p),
    models: {
      ...Object.fromEntries([...new Set(def.roles?.(ctx, input, p) ?? [])].map((r) => [r, ctx.models.cacheKey(r)])),
      ...def.models?.(ctx, input, p),
    },
    promptVersion: typeof def.promptVersion === 'function' ? def.promptVersion(ctx, p) : def.promptVersion,
    inputs: [...def.inputs(input, ctx, p)],
  });
  const phase = async (input: I, ctx: Ctx): Promise<PhaseResult<O>> => {
    const p = prepared(input, ctx);
    return cachedArtefact<O>(ctx, keyFor(input, ctx, p), async () => {
      const computed = await def.compute(input, ctx, p);
      // Never store what a reader could not trust: a schema-invalid artefact is a bug in the phase.
      if (!validate(structuredClone(computed.data))) {
        throw new Error(`${def.name}: output fails ${(def.schema as { $id?: string }).$id ?? 'its schema'}: ${describeErrors(validate.errors)}`);
      }
      const { provenance } = computed;
      ctx.logger.info({ phase: def.name, role: provenance.role, model: provenance.model, confidence: provenance.confidence, latencyMs: Math.round(provenance.latencyMs), costUsd: provenance.usage.costUsd }, 'phase computed');
      return computed;
    });
  };
  return Object.assign(phase, { phaseName: def.name, version: def.version, key: (input: I, ctx: Ctx) => keyFor(input, ctx, prepared(input, ctx)) });
}
