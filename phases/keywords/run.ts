import { compileSchema, describeErrors } from '../../base/ajv.js';
import { addUsage } from '../../llm/usage.js';
import type { Role } from '../../config/config.js';
import type { Artefact, ArtefactKey, ProvenanceStep } from '../../kit/artefacts/artefact.js';
import { cachedArtefact, type Computed } from '../../kit/artefacts/cache.js';
import { runCascade } from '../../kit/cascade.js';
import { type Ctx } from '../../kit/context.js';
import type { PhaseResult } from '../../kit/phase.js';
import type { Themes } from '../themes/schema.js';
import { keywordsSchema, type Keywords, type ThemeKeywords } from './schema.js';
import type { Candidate, ThemeScope } from './features.js';
import { pruneCandidates, themeScope, themeText } from './candidates.js';
import { PROMPT_VERSION } from './prompt.js';
import { keywordTiers, type ThemeTask } from './tiers.js';
import { COLLECTIONS } from '../../retrieval/collections.js';

export const PHASE = 'keywords';
/** Bump when the code changes what this phase produces for the same inputs. */
export const PHASE_VERSION = '1';

export interface KeywordsInput {
  readonly themes: Artefact<Themes>;
}

/**
 * Recorded per theme in provenance. When an LLM's answer was accepted, what it chose from is kept
 * too, so `hubgen distill` can turn teacher choices into labelled rows for the student.
 */
export interface KeywordStepDetail {
  readonly themeId: string;
  readonly candidateCount: number;
  readonly llmView?: {
    readonly theme: ThemeScope;
    readonly candidates: readonly Omit<Candidate, 'id'>[];
  };
}

function tierRoles(ctx: Ctx): Role[] {
  return ctx.config.phases.keywords.cascade.map((t) => t.role);
}

export function keywordsKey(input: KeywordsInput, ctx: Ctx, studentWeightsDigest: string | undefined): ArtefactKey {
  const roles = tierRoles(ctx);
  return {
    phase: PHASE,
    phaseVersion: PHASE_VERSION,
    config: ctx.config.phases.keywords,
    models: Object.fromEntries(roles.map((r) => [r, ctx.models.cacheKey(r)])),
    promptVersion: PROMPT_VERSION,
    // The weights digest is an input too: retrained weights under the same model id must not hit old artefacts.
    inputs: [input.themes.hash, ctx.corpus.digest, ctx.embedder.id, ...(studentWeightsDigest ? [`student-weights:${studentWeightsDigest}`] : [])],
  };
}

/**
 * Phase 2: per theme, vector search prunes the keyword corpus to candidates, then a
 * student → teacher cascade picks (or, for the teacher, writes) the retrieval keywords.
 */
export async function run(input: KeywordsInput, ctx: Ctx): Promise<PhaseResult<Keywords>> {
  const { minKeywords, maxKeywords } = ctx.config.phases.keywords;
  if (minKeywords > maxKeywords) throw new Error(`config /phases/keywords: minKeywords (${minKeywords}) is greater than maxKeywords (${maxKeywords})`);
  const tiers = keywordTiers(ctx, tierRoles(ctx), { minKeywords, maxKeywords });
  return cachedArtefact(ctx, keywordsKey(input, ctx, tiers.studentWeightsDigest), () => computeKeywords(input, ctx, tiers.implementations));
}

async function computeKeywords(input: KeywordsInput, ctx: Ctx, implementations: ReturnType<typeof keywordTiers>['implementations']): Promise<Computed<Keywords>> {
  const started = ctx.clock.monotonic();
  const { cascade, candidates: k } = ctx.config.phases.keywords;
  if (!(await ctx.vectors.hasCollection(COLLECTIONS.keywords))) {
    throw new Error(`keywords: vector collection "${COLLECTIONS.keywords}" does not exist; index the catalogue first (hubgen index)`);
  }
  const themes = input.themes.data.themes;
  const vectors = await ctx.embedder.embed(themes.map(themeText));

  const perTheme = await Promise.all(
    themes.map(async (theme, i) => {
      const { unknownNames, ...scope } = themeScope(theme, ctx.catalogue);
      if (unknownNames.length) ctx.logger.debug({ phase: PHASE, themeId: theme.id, unknownNames }, 'theme names categories/departments the catalogue does not have; ignored');
      const candidates = await pruneCandidates(ctx, vectors[i], scope.categoryIds, k);
      const task: ThemeTask = { theme, scope, candidates };
      const result = await runCascade({
        step: PHASE,
        tiers: cascade,
        implementations,
        input: task,
        unavailableReason: (role) => ctx.models.unavailableReason(role),
        logger: ctx.logger,
        clock: ctx.clock,
      });
      return { task, result };
    }),
  );

  const data: Keywords = {
    themes: perTheme.map(({ task, result }): ThemeKeywords => ({
      themeId: task.theme.id,
      candidateCount: task.candidates.length,
      role: result.role,
      model: result.model,
      confidence: Math.min(1, Math.max(0, result.confidence)),
      keywords: result.output.keywords.map((kw) => ({ ...kw })),
    })),
    droppedKeywords: perTheme.flatMap(({ task, result }) => result.output.dropped.map((d) => ({ themeId: task.theme.id, text: d.text, reason: d.reason }))),
  };
  const validate = compileSchema<Keywords>(keywordsSchema);
  if (!validate(data)) throw new Error(`keywords: artefact for themes ${input.themes.hash} does not match ${keywordsSchema.$id}: ${describeErrors(validate.errors)}`);

  const steps: ProvenanceStep[] = perTheme.map(({ task, result }) => {
    const detail: KeywordStepDetail = {
      themeId: task.theme.id,
      candidateCount: task.candidates.length,
      // Only LLM answers are worth keeping as labels; a local pick would teach the student itself.
      ...(isLocal(ctx, result.role)
        ? {}
        : { llmView: { theme: task.scope, candidates: task.candidates.map(({ id: _id, ...c }) => ({ ...c, similarity: Math.round(c.similarity * 1e4) / 1e4 })) } }),
    };
    return { name: `theme:${task.theme.id}`, attempts: result.attempts, detail };
  });
  const roles = new Set(perTheme.map((p) => p.result.role));
  const models = new Set(perTheme.map((p) => p.result.model));
  const escalated = perTheme.filter((p) => p.result.escalated).length;
  ctx.logger.info({ phase: PHASE, themes: themes.length, escalated, roles: [...roles], dropped: data.droppedKeywords?.length ?? 0 }, 'keywords chosen');
  return {
    data,
    provenance: {
      attempts: perTheme.flatMap((p) => p.result.attempts),
      usage: addUsage(...perTheme.map((p) => p.result.usage)),
      latencyMs: ctx.clock.monotonic() - started,
      role: roles.size === 1 ? [...roles][0] : 'mixed',
      model: models.size === 1 ? [...models][0] : 'mixed',
      confidence: perTheme.length ? perTheme.reduce((s, p) => s + p.result.confidence, 0) / perTheme.length : undefined,
      steps,
    },
  };
}

function isLocal(ctx: Ctx, role: Role): boolean {
  const binding = ctx.config.roles[role];
  return !!binding && ctx.config.providers[binding.provider]?.kind === 'local';
}
