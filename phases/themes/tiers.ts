import { compareIds } from '../../catalogue/types.js';
import type { Ctx } from '../../kit/context.js';
import type { TierFn, TierOutcome } from '../../kit/cascade.js';
import type { Role } from '../../config/config.js';
import type { StructuredResult } from '../../llm/registry.js';
import { decideConfidence, generateMeasured, signalPlan, type DecidedConfidence, type SignalPlan } from '../../llm/signals/index.js';
import { normaliseText } from '../../catalogue/text.js';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { renderUserContext } from '../../catalogue/user-context.js';
import { themesSchema, type Themes } from './schema.js';
import { localThemes } from './local-themes.js';
import { postProcessThemes, type PostProcessed, type ThemeCountLimits } from './postprocess.js';
import { buildThemesMessages } from './prompt.js';
import { catalogueIndex, PLACEHOLDER_NAMES } from './catalogue-names.js';
import { planPage, type PagePlan, type PlannedProduct } from './plan.js';

export interface ThemesInput {
  readonly user: UserContext;
}

/** Chat roles that can play an LLM tier of this phase when the config lists them. */
const LLM_ROLES = ['cheap', 'strong', 'teacher'] as const satisfies readonly Role[];

/** Categories named in the prompt: enough to ground the model, few enough to keep the prompt small. */
const PROMPT_TOP_CATEGORIES = 10;
const PROMPT_ADJACENT_CATEGORIES = 24;
/** Staples named in the prompt (the rest are counted per category), and new products per category over a few categories. */
const PROMPT_STAPLES = 36;
const PROMPT_DISCOVERY_CATEGORIES = 8;
const PROMPT_DISCOVERY_PER_CATEGORY = 3;
/**
 * Confidence lost per staples theme more or fewer than the plan asks for (each holds a dozen of the
 * user's likeliest purchases), and once for no discovery theme on a page that plans some; down to PLAN_FLOOR.
 */
const PLAN_PENALTY = 0.1;
const PLAN_FLOOR = 0.6;

/** Confidence multipliers for what went wrong on the way to a valid answer. */
const REPAIRED_PENALTY = 0.85;
const RETRY_PENALTY = 0.8;
const DROPPED_NAME_PENALTY = 0.05;
const MIN_NAME_FACTOR = 0.7;

/**
 * The implementation of every role Phase 1 knows how to run, for runCascade. The LLM tiers measure
 * the confidence signals phases.themes.llmTiers asks for (self-reported by default).
 */
export function themeTiers(ctx: Ctx, plan: SignalPlan = signalPlan(ctx.config.phases.themes.llmTiers)): Partial<Record<Role, TierFn<ThemesInput, Themes>>> {
  const limits = themeLimits(ctx);
  const tiers: Partial<Record<Role, TierFn<ThemesInput, Themes>>> = {
    local: async ({ user }) => {
      const outcome = await localThemes(user, ctx, limits);
      const processed = postProcessThemes(outcome.output, ctx.catalogue, limits);
      assertValid(processed.themes, 'local');
      return { ...outcome, output: processed.themes, notes: [...(outcome.notes ?? []), ...processed.warnings], answerKey: themesAnswerKey(processed.themes) };
    },
  };
  for (const role of LLM_ROLES) tiers[role] = (input) => llmThemes(role, input, ctx, limits, plan);
  return tiers;
}

/**
 * A themes answer as the catalogue categories its themes cover: titles are free text that two good
 * answers word differently, while the categories say which part of the catalogue the page is about.
 * Used to compare samples (agreement) and tiers (calibration labels).
 */
export function themesAnswerKey(themes: Pick<Themes, 'themes'>): string[] {
  return [...new Set(themes.themes.flatMap((t) => t.categories).map(normaliseText).filter(Boolean))].sort();
}

export function themeLimits(ctx: Pick<Ctx, 'config'>): ThemeCountLimits {
  const { minThemes, maxThemes } = ctx.config.phases.themes;
  return { minThemes: Math.min(minThemes, maxThemes), maxThemes };
}

async function llmThemes(role: Role, { user }: ThemesInput, ctx: Ctx, limits: ThemeCountLimits, plan: SignalPlan): Promise<TierOutcome<Themes>> {
  const page = planPage(user, ctx);
  const messages = buildThemesMessages({ userText: renderUserContext(user), ...promptCatalogue(user, ctx), ...limits, ...promptPlan(page, ctx) });
  const measured = await generateMeasured<Themes>({
    models: ctx.models,
    request: { role, schema: themesSchema, schemaName: 'hubgen_themes', messages },
    plan,
    agreement: { kind: 'set', items: themesAnswerKey },
  });
  const { result } = measured;
  const processed = postProcessThemes(result.object, ctx.catalogue, limits);
  assertValid(processed.themes, role);
  const decided = decideConfidence(measured, selfAssessedConfidence(processed, limits.minThemes), plan);
  const { confidence, notes } = llmConfidence(result, processed, limits.minThemes, decided, page);
  if (processed.warnings.length > 0) ctx.logger.warn({ role, userId: user.userId, warnings: processed.warnings }, 'themes output post-processed');
  return {
    output: processed.themes,
    confidence,
    usage: result.usage,
    model: result.model,
    notes: [...notes, ...decided.notes, ...result.warnings, ...processed.warnings],
    signals: decided.signals,
    answerKey: themesAnswerKey(processed.themes),
  };
}

/** The model's own mean confidence over the themes that fill the page (a weak fifth theme does not drag a good page down). */
export function selfAssessedConfidence(processed: PostProcessed, minThemes: number): number {
  const top = processed.themes.themes.slice(0, Math.max(1, minThemes)).map((t) => t.confidence);
  return top.reduce((s, c) => s + c, 0) / Math.max(1, top.length);
}

/** Product names grouped by category name, categories in order of their first (best) product. */
function byCategory(products: readonly PlannedProduct[], ctx: Pick<Ctx, 'catalogue'>): { category: string; products: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const p of products) {
    const name = ctx.catalogue.categories.get(p.categoryId)?.name ?? p.categoryId;
    groups.set(name, [...(groups.get(name) ?? []), p.name]);
  }
  return [...groups].map(([category, names]) => ({ category, products: names }));
}

/**
 * The plan as the prompt shows it: every staple's category, with names until PROMPT_STAPLES are
 * named and the rest counted ("4 more"), and likely new products for a few categories.
 */
export function promptPlan(plan: PagePlan, ctx: Pick<Ctx, 'catalogue'>) {
  let budget = PROMPT_STAPLES;
  const staples = byCategory(plan.staples, ctx).map(({ category, products }) => {
    const shown = products.slice(0, Math.max(0, budget));
    budget -= shown.length;
    return { category, products: shown.length < products.length ? [...shown, `${products.length - shown.length} more`] : shown };
  });
  const discovery = byCategory(plan.discovery, ctx)
    .slice(0, PROMPT_DISCOVERY_CATEGORIES)
    .map(({ category, products }) => ({ category, products: products.slice(0, PROMPT_DISCOVERY_PER_CATEGORY) }));
  return { staplesThemes: plan.staplesThemes, discoveryThemes: plan.discoveryThemes, staples, discovery };
}

/** Catalogue names the prompt offers: all departments, the user's top categories, and nearby categories. */
export function promptCatalogue(user: UserContext, ctx: Pick<Ctx, 'catalogue'>): { departments: string[]; topCategories: string[]; adjacentCategories: string[] } {
  const { catalogue } = ctx;
  const index = catalogueIndex(catalogue);
  const departments = [...catalogue.departments.values()].sort((a, b) => compareIds(a.id, b.id)).map((d) => d.name).filter((n) => !PLACEHOLDER_NAMES.has(n));
  const top = user.topCategories.slice(0, PROMPT_TOP_CATEGORIES);
  const topIds = new Set(top.map((a) => a.id));
  const userDepts = new Set(user.topDepartments.map((d) => d.id));
  const adjacentCategories = [...catalogue.categories.values()]
    .filter((a) => !topIds.has(a.id) && userDepts.has(index.departmentOfCategory.get(a.id) ?? '') && !PLACEHOLDER_NAMES.has(a.name))
    .sort((a, b) => compareIds(a.id, b.id))
    .slice(0, PROMPT_ADJACENT_CATEGORIES)
    .map((a) => a.name);
  return { departments, topCategories: top.map((a) => a.name), adjacentCategories };
}

/**
 * An LLM tier's confidence: the configured signal (by default the model's own mean confidence over
 * the themes that fill the page), discounted for each retry it needed, a mechanical repair, names
 * that matched no catalogue category or department, for falling short of minThemes, and for not
 * following the page plan (PLAN_PENALTY). A deferral score already weighs retries and repairs (they
 * are its features), so they are not counted twice; it does not know the plan, so that still counts.
 */
export function llmConfidence(
  result: Pick<StructuredResult<unknown>, 'attempts' | 'repaired'>,
  processed: PostProcessed,
  minThemes: number,
  decided?: Pick<DecidedConfidence, 'value' | 'signals'>,
  plan?: Pick<PagePlan, 'staplesThemes' | 'discoveryThemes'>,
): { confidence: number; notes: string[] } {
  const themes = processed.themes.themes;
  const selfAssessed = selfAssessedConfidence(processed, minThemes);
  // Transport failures (429, 5xx) say nothing about the answer; invalid or refused output does.
  const retries = result.attempts.filter((a) => !a.ok && a.failure !== 'http').length;
  const notes = [`self-assessed ${selfAssessed.toFixed(3)} over ${Math.min(themes.length, Math.max(1, minThemes))} themes`];
  let confidence = decided?.value ?? selfAssessed;
  const callPenalties = decided?.signals.used !== 'deferral';
  if (retries > 0 && callPenalties) {
    confidence *= RETRY_PENALTY ** retries;
    notes.push(`${retries} failed attempt(s) before a valid answer`);
  }
  if (result.repaired && callPenalties) {
    confidence *= REPAIRED_PENALTY;
    notes.push('schema repaired');
  }
  if (processed.droppedNames > 0) {
    confidence *= Math.max(MIN_NAME_FACTOR, 1 - DROPPED_NAME_PENALTY * processed.droppedNames);
    notes.push(`${processed.droppedNames} unknown catalogue name(s) dropped`);
  }
  if (themes.length < minThemes) confidence *= themes.length / minThemes;
  if (plan) {
    const staples = themes.filter((t) => t.kind === 'staples').length;
    const discovery = themes.filter((t) => t.kind === 'discovery').length;
    const off = Math.abs(staples - plan.staplesThemes) + (plan.discoveryThemes > 0 && discovery === 0 ? 1 : 0);
    if (off > 0) {
      confidence *= Math.max(PLAN_FLOOR, 1 - PLAN_PENALTY * off);
      notes.push(`off the plan: ${staples} staples and ${discovery} discovery themes for a plan of ${plan.staplesThemes} and ${plan.discoveryThemes}`);
    }
  }
  return { confidence: Math.round(Math.min(1, Math.max(0, confidence)) * 1000) / 1000, notes };
}

/** Post-processing keeps outputs valid; if it ever did not, fail the tier so the cascade escalates. */
function assertValid(themes: Themes, role: Role): void {
  const validate = compileSchema<Themes>(themesSchema);
  if (!validate(themes)) throw new Error(`${role} themes invalid after post-processing: ${describeErrors(validate.errors)}`);
}
