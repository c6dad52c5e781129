import type { Ctx } from '../kit/context.js';
import type { Role } from '../config/config.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { runCascadedPage } from '../pipelines/cascaded.js';
import { runSingleStep } from '../phases/single-step/run.js';
import { judgeTheme } from '../phases/filter/index.js';
import type { BaseVariant } from './variants.js';
import type { EvalPipelines, ThemeJudge, VariantOutput } from './types.js';

async function cascaded(user: UserContext, ctx: Ctx): Promise<VariantOutput> {
  const { page, phases } = await runCascadedPage({ user }, ctx);
  return {
    page,
    artefacts: [
      { kind: 'themes', artefact: phases.themes.artefact, cached: phases.themes.cached },
      { kind: 'keywords', artefact: phases.keywords.artefact, cached: phases.keywords.cached },
      { kind: 'filter', artefact: phases.filter.artefact, cached: phases.filter.cached },
      { kind: 'assemble', artefact: page.artefact, cached: page.cached },
    ],
  };
}

const singleStep = (variant: 'llm' | 'local') => async (user: UserContext, ctx: Ctx): Promise<VariantOutput> => {
  const { page, upstream } = await runSingleStep({ user }, ctx, { variant });
  return {
    page,
    artefacts: [
      { kind: 'single-step', artefact: upstream.artefact, cached: upstream.cached },
      { kind: 'assemble', artefact: page.artefact, cached: page.cached },
    ],
  };
};

/** The real pipelines behind each base variant name. */
export const defaultPipelines: Record<BaseVariant, (user: UserContext, ctx: Ctx) => Promise<VariantOutput>> = {
  cascaded,
  'single-step': singleStep('llm'),
  'single-step-local': singleStep('local'),
};

/** The filter phase's judge restricted to one role, so every variant's themes meet the same judge. */
export const themeJudgeWith =
  (role: Role): ThemeJudge =>
  async (input, ctx) => {
    const r = await judgeTheme(input, ctx, { cascade: [{ role, threshold: 0 }], step: 'eval.judge' });
    return { verdict: r.verdict, usage: r.usage, role: r.role, model: r.model };
  };

/** The real pipelines and judge, for `hubgen eval` and anything else that evaluates for real. */
export const realEvalPipelines: EvalPipelines = { variants: defaultPipelines, judgeFor: themeJudgeWith };
