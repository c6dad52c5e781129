import { addUsage } from '../../llm/usage.js';
import type { Role } from '../../config/config.js';
import type { Artefact, ProvenanceStep } from '../../kit/artefacts/artefact.js';
import { runCascade } from '../../kit/cascade.js';
import { definePhase, keyInputs } from '../../kit/phase.js';
import type { Computed } from '../../kit/artefacts/cache.js';
import type { Ctx } from '../../kit/context.js';
import { COLLECTIONS } from '../../retrieval/collections.js';
import type { Themes } from '../themes/schema.js';
import { keywordsSchema, type Keywords, type ThemeKeywords } from './schema.js';
import type { Candidate, ThemeScope } from './features.js';
import { pruneCandidates, themeScope } from './candidates.js';
import { PROMPT_VERSION } from './prompt.js';
import { keywordTiers, type ThemeTask, type TierSetup } from './tiers.js';
import { themeSearchText } from '../themes/text.js';
import { allOrFirstError } from '../../kit/settle.js';
import { signalKeyInputs, signalPlan } from '../../llm/signals/index.js';

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

const tierRoles = (ctx: Ctx): Role[] => ctx.config.phases.keywords.cascade.map((t) => t.role);

/**
 * Phase 2: per theme, vector search prunes the keyword corpus to candidates, then a
 * student → teacher cascade picks (or, for the teacher, writes) the retrieval keywords.
 * Version 2: keys spell the shared digests the kit's way (ids are strings now).
 */
export const runKeywords = definePhase<KeywordsInput, Keywords, TierSetup>({
  name: 'keywords',
  version: '2',
  schema: keywordsSchema,
  promptVersion: PROMPT_VERSION,
  prepare(_input, ctx) {
    const { minKeywords, maxKeywords } = ctx.config.phases.keywords;
    if (minKeywords > maxKeywords) throw new Error(`config /phases/keywords: minKeywords (${minKeywords}) is greater than maxKeywords (${maxKeywords})`);
    return keywordTiers(ctx, tierRoles(ctx), { minKeywords, maxKeywords }, signalPlan(ctx.config.phases.keywords.llmTiers));
  },
  config: (ctx) => ctx.config.phases.keywords,
  roles: (ctx) => tierRoles(ctx),
  // The weights digest is an input too: retrained weights under the same model id must not hit old artefacts.
  inputs: (input, ctx, tiers) =>
    keyInputs(ctx, { upstream: [input.themes], reads: ['corpus', 'embedder'], extra: [...(tiers.studentWeightsDigest ? [`student-weights:${tiers.studentWeightsDigest}`] : []), ...signalKeyInputs(tiers.plan)] }),
  compute: (input, ctx, tiers) => computeKeywords(input, ctx, tiers),
});

async function computeKeywords(input: KeywordsInput, ctx: Ctx, { implementations }: TierSetup): Promise<Computed<Keywords>> {
  const started = ctx.clock.monotonic();
  const { cascade, candidates: k } = ctx.config.phases.keywords;
  if (!(await ctx.vectors.hasCollection(COLLECTIONS.keywords))) {
    throw new Error(`keywords: vector collection "${COLLECTIONS.keywords}" does not exist; index the catalogue first (hubgen index)`);
  }
  const themes = input.themes.data.themes;
  const vectors = await ctx.embedder.embed(themes.map(themeSearchText));

  const perTheme = await allOrFirstError(
    themes.map(async (theme, i) => {
      const { unknownNames, ...scope } = themeScope(theme, ctx.catalogue);
      if (unknownNames.length) ctx.logger.debug({ phase: 'keywords', themeId: theme.id, unknownNames }, 'theme names categories/departments the catalogue does not have; ignored');
      const candidates = await pruneCandidates(ctx, vectors[i], scope.categoryIds, k);
      const task: ThemeTask = { theme, scope, candidates };
      const result = await runCascade({
        step: 'keywords',
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

  const steps: ProvenanceStep[] = perTheme.map(({ task, result }) => {
    const detail: KeywordStepDetail = {
      themeId: task.theme.id,
      candidateCount: task.candidates.length,
      // Only LLM answers are worth keeping as labels; a local pick would teach the student itself.
      ...(ctx.models.kindOf(result.role) === 'local'
        ? {}
        : { llmView: { theme: task.scope, candidates: task.candidates.map(({ id: _id, ...c }) => ({ ...c, similarity: Math.round(c.similarity * 1e4) / 1e4 })) } }),
    };
    return { name: `theme:${task.theme.id}`, attempts: result.attempts, detail };
  });
  const roles = new Set(perTheme.map((p) => p.result.role));
  const models = new Set(perTheme.map((p) => p.result.model));
  const escalated = perTheme.filter((p) => p.result.escalated).length;
  ctx.logger.info({ phase: 'keywords', themes: themes.length, escalated, roles: [...roles], dropped: data.droppedKeywords?.length ?? 0 }, 'keywords chosen');
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
