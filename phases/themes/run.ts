import type { Ctx } from '../../pipelines/context.js';
import type { PhaseResult } from '../../pipelines/phase.js';
import { runCascade } from '../../pipelines/cascade.js';
import { cachedArtefact } from '../../pipelines/artefacts/cache.js';
import { canonicalJson, sha256, type ArtefactKey } from '../../pipelines/artefacts/artefact.js';
import { compileSchema, describeErrors } from '../../llm/ajv.js';
import type { Role } from '../../llm/config.js';
import { themesSchema, type Themes } from './schema.js';
import { PROMPT_VERSION } from './prompt.js';
import { themeTiers, type ThemesInput } from './tiers.js';
import { PRODUCT_TEXT_RECIPE } from '../../retrieval/product-text.js';

export type { ThemesInput } from './tiers.js';

/** Bump when this phase's code changes what it produces (including the local model). */
export const PHASE_VERSION = '2';
export const PHASE_NAME = 'themes';

/** The artefact key: this phase's config slice, its cascade's model ids, the prompt, and its inputs. */
export function themesKey(input: ThemesInput, ctx: Ctx): ArtefactKey {
  const config = ctx.config.phases.themes;
  const roles = [...new Set(config.cascade.map((t) => t.role as Role))];
  return {
    phase: PHASE_NAME,
    phaseVersion: PHASE_VERSION,
    config,
    models: Object.fromEntries(roles.map((r) => [r, ctx.models.cacheKey(r)])),
    promptVersion: PROMPT_VERSION,
    // The local tier reads the corpus (phrases) and embeds with the embedder, and clusters and
    // searches product vectors made by the product text recipe; each changes its output.
    inputs: [`user:${sha256(canonicalJson(input.user))}`, `corpus:${ctx.corpus.digest}`, `embedder:${ctx.embedder.id}`, `productText:${PRODUCT_TEXT_RECIPE}`],
  };
}

/** Phase 1: the user's themes, from the cheapest tier that is confident enough. */
export function run(input: ThemesInput, ctx: Ctx): Promise<PhaseResult<Themes>> {
  const key = themesKey(input, ctx);
  return cachedArtefact(ctx, key, async () => {
    const result = await runCascade({
      step: PHASE_NAME,
      tiers: ctx.config.phases.themes.cascade,
      implementations: themeTiers(ctx),
      input,
      unavailableReason: (role) => ctx.models.unavailableReason(role),
      logger: ctx.logger,
      clock: ctx.clock,
    });
    const validate = compileSchema<Themes>(themesSchema);
    if (!validate(result.output)) throw new Error(`themes: accepted ${result.role} output fails the schema: ${describeErrors(validate.errors)}`);
    ctx.logger.info(
      { phase: PHASE_NAME, userId: input.user.userId, role: result.role, confidence: result.confidence, escalated: result.escalated, themes: result.output.themes.length },
      'themes generated',
    );
    return {
      data: result.output,
      provenance: { attempts: result.attempts, usage: result.usage, latencyMs: result.latencyMs, role: result.role, model: result.model, confidence: result.confidence },
    };
  });
}
