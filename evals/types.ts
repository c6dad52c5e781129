import type { Ctx } from '../kit/context.js';
import type { PhaseResult } from '../kit/phase.js';
import type { Role } from '../config/config.js';
import type { Usage } from '../llm/usage.js';
import type { UserHistory } from '../catalogue/types.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { Page } from '../phases/assemble/schema.js';
import type { JudgeVerdict } from '../phases/filter/schema.js';
import type { JudgeThemeInput } from '../phases/filter/judge/types.js';
import type { KindedArtefact } from './metrics.js';
import type { BaseVariant } from './variants.js';

/** A user ready to evaluate: their history (with the held-out target order) and the context phases see. */
export interface EvalUser {
  readonly history: UserHistory;
  readonly context: UserContext;
}

/** What one variant produced for one user: the page and every artefact behind it. */
export interface VariantOutput {
  readonly page: PhaseResult<Page>;
  readonly artefacts: readonly KindedArtefact[];
}

/** Runs one base pipeline for one user. */
export type VariantPipeline = (user: UserContext, ctx: Ctx) => Promise<VariantOutput>;

/** One judge for every variant's final themes, so pass rates compare like with like. */
export type ThemeJudge = (input: { user: UserContext; theme: JudgeThemeInput }, ctx: Ctx) => Promise<{ verdict: JudgeVerdict; usage: Usage; role: string; model: string }>;

/** What an eval runs: a pipeline per base variant, and how to build the one judge for a role. */
export interface EvalPipelines {
  readonly variants: Partial<Record<BaseVariant, VariantPipeline>>;
  readonly judgeFor?: (role: Role) => ThemeJudge;
}
