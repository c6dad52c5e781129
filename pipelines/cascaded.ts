import type { Ctx } from '../kit/context.js';
import type { PhaseResult } from '../kit/phase.js';
import type { PagePipeline } from './run.js';
import { pageQuality } from './page-quality.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { run as runThemes, type Themes } from '../phases/themes/index.js';
import { run as runKeywords, type Keywords } from '../phases/keywords/index.js';
import { run as runFilter, type Filtered } from '../phases/filter/index.js';
import { run as runAssemble, type Page } from '../phases/assemble/index.js';

// A type alias (not an interface) so it is assignable to Record<string, PhaseResult<unknown>>.
export type CascadedPhases = {
  readonly themes: PhaseResult<Themes>;
  readonly keywords: PhaseResult<Keywords>;
  readonly filtered: PhaseResult<Filtered>;
  readonly page: PhaseResult<Page>;
};

export const PHASE_NAMES = ['themes', 'keywords', 'filtered', 'page'] as const satisfies readonly (keyof CascadedPhases)[];

/**
 * The decomposed pipeline for one user: each phase reads its upstream artefacts and is cached on
 * its own key, so a config change re-runs only the phases it touches and those downstream.
 */
export async function runCascadedPage({ user }: { user: UserContext }, ctx: Ctx): Promise<{ page: PhaseResult<Page>; phases: CascadedPhases }> {
  const themes = await runThemes({ user }, ctx);
  const keywords = await runKeywords({ themes: themes.artefact }, ctx);
  const filtered = await runFilter({ user, themes: themes.artefact, keywords: keywords.artefact }, ctx);
  const page = await runAssemble({ user, filtered: filtered.artefact }, ctx);
  return { page, phases: { themes, keywords, filtered, page } };
}

/** The cascaded pipeline as the run manager drives it. */
export const cascadedPipeline: PagePipeline = {
  name: 'cascaded',
  run: async (user, ctx) => (await runCascadedPage({ user }, ctx)).phases,
  quality: (phases) => pageQuality((phases as CascadedPhases).filtered.artefact.data, (phases as CascadedPhases).page.artefact.data),
};
