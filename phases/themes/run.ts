import { definePhase, keyInputs } from '../../kit/phase.js';
import { runCascade } from '../../kit/cascade.js';
import { provenanceOf } from '../../kit/provenance.js';
import { themesSchema, type Themes } from './schema.js';
import { PROMPT_VERSION } from './prompt.js';
import { themeTiers, type ThemesInput } from './tiers.js';
import { planConfig } from './plan.js';
import { discoveryWeightsDigest } from '../../catalogue/discovery.js';
import { signalKeyInputs, signalPlan, type SignalPlan } from '../../llm/signals/index.js';

export type { ThemesInput } from './tiers.js';

/**
 * Phase 1: the user's themes, from the cheapest tier that is confident enough.
 * Version 3: keys spell the user digest and shared digests the kit's way (ids are strings now).
 * Version 4: every tier follows the page plan (plan.ts): staples themes, then discovery themes.
 */
export const runThemes = definePhase<ThemesInput, Themes, SignalPlan>({
  name: 'themes',
  version: '4',
  schema: themesSchema,
  promptVersion: PROMPT_VERSION,
  // Resolved once per user: a deferral tier's weights are read (and checked) before any call.
  prepare: (_input, ctx) => signalPlan(ctx.config.phases.themes.llmTiers),
  // The page plan also reads the page's theme size and the alcohol policy (planConfig).
  config: (ctx) => ({ ...ctx.config.phases.themes, plan: planConfig(ctx) }),
  roles: (ctx) => ctx.config.phases.themes.cascade.map((t) => t.role),
  // The local tier names concepts from the corpus; the page plan ranks new products from the order
  // statistics with the discovery weights; the LLM tiers' signals are part of the answer.
  inputs: (input, ctx, plan) => keyInputs(ctx, { user: input.user, reads: ['corpus', 'stats'], extra: [`discovery:${discoveryWeightsDigest()}`, ...signalKeyInputs(plan)] }),
  async compute(input, ctx, plan) {
    const result = await runCascade({
      step: 'themes',
      tiers: ctx.config.phases.themes.cascade,
      implementations: themeTiers(ctx, plan),
      input,
      unavailableReason: (role) => ctx.models.unavailableReason(role),
      logger: ctx.logger,
      clock: ctx.clock,
    });
    ctx.logger.info({ phase: 'themes', userId: input.user.userId, role: result.role, escalated: result.escalated, themes: result.output.themes.length }, 'themes generated');
    return { data: result.output, provenance: provenanceOf(result) };
  },
});
