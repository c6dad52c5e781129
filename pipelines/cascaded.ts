import type { Ctx } from '../kit/context.js';
import type { PhaseName, PhaseResult } from '../kit/phase.js';
import type { PagePipeline } from './run.js';
import { pageQuality } from './page-quality.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { runThemes, type Themes } from '../phases/themes/index.js';
import { runKeywords, type Keywords } from '../phases/keywords/index.js';
import { runFilter, type Filtered } from '../phases/filter/index.js';
import { runAssemble, type Page } from '../phases/assemble/index.js';

// A type alias (not an interface) so it is assignable to Record<string, PhaseResult<unknown>>.
export type CascadedPhases = {
  readonly themes: PhaseResult<Themes>;
  readonly keywords: PhaseResult<Keywords>;
  readonly filter: PhaseResult<Filtered>;
  readonly assemble: PhaseResult<Page>;
};

/** The cascaded pipeline's phases in order, named as the phases name themselves. */
export const CASCADED_PHASES = ['themes', 'keywords', 'filter', 'assemble'] as const satisfies readonly (keyof CascadedPhases & PhaseName)[];

/**
 * The decomposed pipeline for one user: each phase reads its upstream artefacts and is cached on
 * its own key, so a config change re-runs only the phases it touches and those downstream.
 */
export async function runCascadedPage({ user }: { user: UserContext }, ctx: Ctx): Promise<{ page: PhaseResult<Page>; phases: CascadedPhases }> {
  const themes = await runThemes({ user }, ctx);
  const keywords = await runKeywords({ themes: themes.artefact }, ctx);
  const filter = await runFilter({ user, themes: themes.artefact, keywords: keywords.artefact }, ctx);
  const page = await runAssemble({ user, filtered: filter.artefact }, ctx);
  return { page, phases: { themes, keywords, filter, assemble: page } };
}

/** The cascaded pipeline as the run manager drives it. */
export const cascadedPipeline: PagePipeline = {
  name: 'cascaded',
  run: async (user, ctx) => (await runCascadedPage({ user }, ctx)).phases,
  quality: (phases) => pageQuality((phases as CascadedPhases).filter.artefact.data, (phases as CascadedPhases).assemble.artefact.data),
};
