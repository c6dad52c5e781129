import { readFileSync } from 'node:fs';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import type { Role } from '../../config/config.js';
import { commentSection, fillPlaceholders } from '../../llm/prompt-template.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import { categoryLinks, PLACEHOLDER_NAMES, resolveNames } from '../../catalogue/names.js';
import { normaliseText } from '../../catalogue/text.js';
import { compareIds, type Catalogue } from '../../catalogue/types.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import type { KeywordCorpus, KeywordTerm } from '../../retrieval/corpus-types.js';
import { filteredSchema, type Filtered } from '../filter/schema.js';
// The single-step prompt delimits untrusted text with the same <catalogue-data> block as the keyword prompt.
import { sanitiseData } from '../keywords/prompt.js';
import { singleStepSchema, type SingleStepOutput } from './schema.js';
import { runAssemble, type Page } from '../assemble/index.js';
import { definePhase, keyInputs } from '../../kit/phase.js';
import { provenanceOf } from '../../kit/provenance.js';
import { runCascade, type TierOutcome } from '../../kit/cascade.js';
import type { Ctx } from '../../kit/context.js';
import type { PhaseResult } from '../../kit/phase.js';
import { sha256 } from '../../base/hash.js';
import { slugify } from '../../base/text.js';
import type { ChatMessage } from '../../llm/types.js';
import { decideConfidence, generateMeasured, signalKeyInputs, signalPlan, type SignalPlan } from '../../llm/signals/index.js';

/**
 * The single-step baseline for offline evals: ONE generation writes the whole page (title, themes,
 * keywords with filters), which then goes through the same Phase 4 as the cascaded pipeline, so
 * the comparison isolates how the themes and keywords were produced.
 */


const TEMPLATE = readFileSync(new URL('./prompt.md', import.meta.url), 'utf8');
/** The text hash catches every edit to single-step-prompt.md. */
export const PROMPT_VERSION = `single-step-prompt-v1+${sha256(TEMPLATE).slice(0, 12)}`;

export { singleStepSchema, type SingleStepOutput } from './schema.js';

export type SingleStepVariant = 'llm' | 'local';

export interface SingleStepOptions {
  readonly variant: SingleStepVariant;
}

export interface SingleStepResult {
  readonly page: PhaseResult<Page>;
  /** The page plan in Phase 3's shape, so Phase 4 and the inspector treat both pipelines alike. */
  readonly upstream: PhaseResult<Filtered>;
}

// ---------------------------------------------------------------------------------------------
// Conversion: the single call's names → Phase 3's id-based shape

/**
 * Maps category/department names to catalogue ids (unknown names are dropped and noted), re-slugs
 * theme ids, and drops empty or repeated keywords. Keyword relevance is 1: nothing scored them.
 */
export function toFiltered(out: SingleStepOutput, catalogue: Catalogue): { filtered: Filtered; notes: string[] } {
  const { departmentOfCategory } = categoryLinks(catalogue);
  const notes: string[] = [];
  const resolve = (names: readonly string[], what: 'category' | 'department', where: string): string[] => {
    const { ids, unknown } = resolveNames(catalogue, what, names, 'text');
    for (const n of unknown) notes.push(`${where}: unknown ${what} "${n.slice(0, 60)}" ignored`);
    return ids;
  };
  const usedIds = new Set<string>();
  const themes = out.themes.map((t) => {
    let id = slugify(t.id || t.title);
    for (let n = 2; usedIds.has(id); n++) id = `${slugify(t.id || t.title)}-${n}`;
    usedIds.add(id);
    const seen = new Set<string>();
    const keywords: Filtered['themes'][number]['keywords'] = [];
    for (const k of t.keywords) {
      const text = k.text.replace(/\s+/g, ' ').trim();
      if (text.length < 2 || seen.has(text.toLowerCase())) continue;
      seen.add(text.toLowerCase());
      const where = `theme "${id}" keyword "${text.slice(0, 60)}"`;
      keywords.push({
        text,
        categoryIds: resolve(k.categories, 'category', where),
        departmentIds: resolve(k.departments, 'department', where),
        relevance: 1,
      });
    }
    const categoryIds = [...new Set(keywords.flatMap((k) => k.categoryIds))];
    const departmentIds = [
      ...new Set([...keywords.flatMap((k) => k.departmentIds), ...categoryIds.flatMap((a) => departmentOfCategory.get(a) ?? [])]),
    ];
    return { id, title: t.title.trim(), description: t.description.trim(), categoryIds, departmentIds, keywords };
  });
  return { filtered: { pageTitle: out.pageTitle.trim(), themes, removals: [], judgements: [] }, notes };
}

// ---------------------------------------------------------------------------------------------
// The LLM variant: prompt with the user context and a slice of the keyword corpus

/**
 * The corpus terms the prompt can afford: most of the budget goes to the most frequent terms
 * whose main category is one of the user's top categories (split by the user's share of each), the
 * rest to the globally most frequent terms. Category/department terms are listed separately.
 */
export function corpusSlice(corpus: KeywordCorpus, user: UserContext, size: number): KeywordTerm[] {
  const usable = corpus.terms.filter((t) => t.kind === 'phrase' || t.kind === 'attribute');
  const byDf = (a: KeywordTerm, b: KeywordTerm) => b.df - a.df || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
  const chosen = new Map<string, KeywordTerm>();
  const personalBudget = Math.ceil(size * 0.75);
  const shares = user.topCategories.reduce((s, a) => s + a.share, 0);
  for (const category of user.topCategories) {
    if (chosen.size >= personalBudget) break;
    const quota = Math.max(3, Math.round((personalBudget * category.share) / (shares || 1)));
    const terms = usable.filter((t) => t.categories[0] === category.id && !chosen.has(t.id)).sort(byDf).slice(0, quota);
    for (const t of terms.slice(0, personalBudget - chosen.size)) chosen.set(t.id, t);
  }
  for (const t of [...usable].sort(byDf)) {
    if (chosen.size >= size) break;
    chosen.set(t.id, t);
  }
  return [...chosen.values()];
}

// Read when a prompt is built (not at import), as it always was here.
const section = (name: 'system' | 'user'): string => commentSection(TEMPLATE, name, 'pipelines/single-step-prompt.md');

const fill = (template: string, values: Record<string, string>): string =>
  fillPlaceholders(template, values, (k) => `pipelines/single-step-prompt.md uses {{${k}}}, which single-step.ts does not provide`);

export interface PromptLimits {
  readonly minThemes: number;
  readonly maxThemes: number;
  readonly minKeywords: number;
  readonly maxKeywords: number;
}

export function buildSingleStepMessages(user: UserContext, ctx: Pick<Ctx, 'catalogue' | 'corpus'>, limits: PromptLimits, sliceSize: number): ChatMessage[] {
  const categoryName = (id: string) => ctx.catalogue.categories.get(id)?.name ?? `category ${id}`;
  const list = (xs: readonly string[]) => (xs.length ? xs.map(sanitiseData).join(', ') : '(none)');
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const lines = (xs: readonly string[]) => (xs.length ? xs.map((x) => `- ${x}`).join('\n') : '(none)');
  const keywords = corpusSlice(ctx.corpus, user, sliceSize).map((t) => `${sanitiseData(t.text)} | ${t.categories.slice(0, 2).map(categoryName).map(sanitiseData).join(', ') || '-'}`);
  const values: Record<string, string> = {
    minThemes: String(limits.minThemes),
    maxThemes: String(limits.maxThemes),
    minKeywords: String(limits.minKeywords),
    maxKeywords: String(limits.maxKeywords),
    historyOrders: String(user.historyOrders),
    reorderRate: String(Math.round(user.reorderRate * 100)),
    topDow: String(user.habits.topDow),
    topHour: String(user.habits.topHour),
    cadence: user.habits.meanDaysBetween === undefined ? '' : `, every ${Math.round(user.habits.meanDaysBetween)} days on average`,
    topCategories: list(user.topCategories.map((a) => `${a.name} (${pct(a.share)})`)),
    topDepartments: list(user.topDepartments.map((d) => `${d.name} (${pct(d.share)})`)),
    preferences: list(user.preferences.map((p) => `${p.term} (${pct(p.share)})`)),
    frequentProducts: lines(user.frequentProducts.slice(0, 30).map((p) => `${sanitiseData(p.name)} × ${p.orders} (${sanitiseData(categoryName(p.categoryId))})`)),
    recentProducts: lines(user.recentProducts.slice(0, 15).map((p) => sanitiseData(p.name))),
    categories: list([...ctx.catalogue.categories.values()].sort((a, b) => compareIds(a.id, b.id)).map((a) => a.name)),
    departments: list([...ctx.catalogue.departments.values()].sort((a, b) => compareIds(a.id, b.id)).map((d) => d.name)),
    keywords: keywords.length ? keywords.join('\n') : '(none)',
  };
  return [
    { role: 'system', content: fill(section('system'), values) },
    { role: 'user', content: fill(section('user'), values) },
  ];
}

// ---------------------------------------------------------------------------------------------
// The local variant: one pass, no network

/** The local single-step generator's fixed shape (part of its artefact key). */
export const LOCAL_GENERATOR = { name: 'top-categories-frequent-phrases', maxNgram: 3 } as const;

const titleCase = (s: string) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase());

/** Corpus phrase/attribute terms occurring in a product name as whole words (1..maxNgram words). */
function termsInName(name: string, corpus: KeywordCorpus): string[] {
  const words = normaliseText(name).split(' ').filter(Boolean);
  const found = new Set<string>();
  for (let len = 1; len <= LOCAL_GENERATOR.maxNgram; len++) {
    for (let i = 0; i + len <= words.length; i++) {
      const term = corpus.byText.get(words.slice(i, i + len).join(' '));
      if (term && (term.kind === 'phrase' || term.kind === 'attribute') && term.text.length >= 2) found.add(term.text);
    }
  }
  return [...found];
}

/**
 * Keywords for one category: the corpus phrases in the names of the user's frequent products there,
 * by how many of the user's orders contain them (longer phrases first on ties). A phrase that
 * covers exactly the same products as one already chosen adds nothing and is skipped.
 */
export function frequentPhrases(products: readonly { name: string; id: string; orders: number }[], corpus: KeywordCorpus, limit: number): string[] {
  const stats = new Map<string, { orders: number; products: string[] }>();
  for (const p of products) {
    for (const text of termsInName(p.name, corpus)) {
      const s = stats.get(text) ?? { orders: 0, products: [] };
      s.orders += p.orders;
      s.products.push(p.id);
      stats.set(text, s);
    }
  }
  const ranked = [...stats].sort(
    ([a, sa], [b, sb]) => sb.orders - sa.orders || b.split(' ').length - a.split(' ').length || (a < b ? -1 : a > b ? 1 : 0),
  );
  const chosen: string[] = [];
  const covered = new Set<string>();
  for (const [text, s] of ranked) {
    if (chosen.length >= limit) break;
    const set = [...s.products].sort(compareIds).join(',');
    if (covered.has(set)) continue;
    covered.add(set);
    chosen.push(text);
  }
  return chosen;
}

/** One theme per top user category; keywords are that category's most frequent corpus phrases among the user's products. */
export function localSingleStep(user: UserContext, ctx: Pick<Ctx, 'catalogue' | 'corpus' | 'stats'>, limits: PromptLimits): { output: SingleStepOutput; confidence: number } {
  const { departmentOfCategory } = categoryLinks(ctx.catalogue);
  // The output schema caps themes at 12 and keywords at 20 whatever the config allows.
  const maxThemes = Math.min(limits.maxThemes, singleStepSchema.properties.themes.maxItems);
  const maxKeywords = Math.min(limits.maxKeywords, singleStepSchema.properties.themes.items.properties.keywords.maxItems);
  let categories = user.topCategories.filter((a) => !PLACEHOLDER_NAMES.has(a.name)).slice(0, maxThemes);
  const personal = categories.length > 0;
  if (!personal) {
    // No history: the catalogue's busiest categories are the least bad guess.
    categories = [...ctx.stats.categoryLines]
      .sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))
      .map(([id]) => ({ id, name: ctx.catalogue.categories.get(id)?.name ?? '', share: 0 }))
      .filter((a) => a.name && !PLACEHOLDER_NAMES.has(a.name))
      .slice(0, maxThemes);
  }
  if (!categories.length) throw new Error(`single-step local: user ${user.userId} has no history and the catalogue stats name no categories`);
  const themes = categories.map((a) => {
    const products = user.frequentProducts.filter((p) => p.categoryId === a.id);
    const phrases = frequentPhrases(products, ctx.corpus, maxKeywords);
    const dept = ctx.catalogue.departments.get(departmentOfCategory.get(a.id) ?? '')?.name;
    const texts = phrases.length ? phrases : [normaliseText(a.name)];
    return {
      id: slugify(a.name),
      title: `Your ${titleCase(a.name)}`.slice(0, 70),
      description: personal
        ? `Your regulars and more from ${a.name}, ${Math.round(a.share * 100)}% of what you buy.`
        : `Popular picks from ${a.name}.`,
      keywords: texts.map((text) => ({ text: text.slice(0, 60), categories: [a.name], departments: dept ? [dept] : [] })),
    };
  });
  const coverage = personal ? Math.min(1, categories.reduce((s, a) => s + a.share, 0)) : 0;
  const pageTitle = `Your ${categories.slice(0, 3).map((a) => a.name).join(', ')}`.slice(0, 90);
  return { output: { pageTitle, themes, confidence: coverage }, confidence: coverage };
}

// ---------------------------------------------------------------------------------------------
// run

export const localModelId = (ctx: Pick<Ctx, 'models'>): string => `${ctx.models.modelId('local')}-single-step`;

function limitsOf(ctx: Ctx): PromptLimits {
  const { minThemes, maxThemes } = ctx.config.phases.themes;
  const { minKeywords, maxKeywords } = ctx.config.phases.keywords;
  return { minThemes, maxThemes, minKeywords, maxKeywords };
}

const validateOutput = () => compileSchema<SingleStepOutput>(singleStepSchema);

/** A page plan as the categories its keywords are filtered to: two samples agree when they cover the same catalogue. */
export function singleStepAnswerKey(out: SingleStepOutput): string[] {
  return [...new Set(out.themes.flatMap((t) => t.keywords.flatMap((k) => k.categories)).map(normaliseText).filter(Boolean))].sort();
}

async function generate(user: UserContext, ctx: Ctx, variant: SingleStepVariant, plan: SignalPlan): Promise<TierOutcome<Filtered>> {
  const limits = limitsOf(ctx);
  if (variant === 'local') {
    const { output, confidence } = localSingleStep(user, ctx, limits);
    const v = validateOutput();
    if (!v(output)) throw new Error(`single-step local generator produced an invalid page: ${describeErrors(v.errors)}`);
    const { filtered, notes } = toFiltered(output, ctx.catalogue);
    return { output: filtered, confidence, usage: { ...ZERO_USAGE, calls: 1 }, model: localModelId(ctx), notes, answerKey: singleStepAnswerKey(output) };
  }
  const { role, corpusSlice: slice } = ctx.config.phases.singleStep;
  const measured = await generateMeasured<SingleStepOutput>({
    models: ctx.models,
    request: { role, schema: singleStepSchema, schemaName: 'single_step_page', messages: buildSingleStepMessages(user, ctx, limits, slice) },
    plan,
    agreement: { kind: 'set', items: singleStepAnswerKey },
  });
  const { result } = measured;
  const decided = decideConfidence(measured, result.object.confidence, plan);
  const { filtered, notes } = toFiltered(result.object, ctx.catalogue);
  return {
    output: filtered,
    confidence: decided.value,
    usage: result.usage,
    model: result.model,
    notes: [...(result.repaired ? ['schema repaired'] : []), ...decided.notes, ...result.warnings, ...notes],
    signals: decided.signals,
    answerKey: singleStepAnswerKey(result.object),
  };
}

interface SingleStepInput {
  readonly user: UserContext;
  readonly variant: SingleStepVariant;
}

/**
 * One generation per user (LLM or local), converted to Phase 3's shape and stored as the
 * 'single-step' artefact. Version 2: keys spell the user digest and shared digests the kit's way.
 */
const runSingleStepPlan = definePhase<SingleStepInput, Filtered, SignalPlan>({
  name: 'single-step',
  version: '2',
  schema: filteredSchema,
  promptVersion: PROMPT_VERSION,
  prepare: ({ variant }, ctx) => (variant === 'llm' ? signalPlan(ctx.config.phases.singleStep.llmTiers) : signalPlan(undefined)),
  config: (ctx, { variant }) =>
    variant === 'llm'
      ? {
          variant,
          role: ctx.config.phases.singleStep.role,
          corpusSlice: ctx.config.phases.singleStep.corpusSlice,
          limits: limitsOf(ctx),
          // Only when set: a config without the block keeps the keys it always had.
          ...(ctx.config.phases.singleStep.llmTiers ? { llmTiers: ctx.config.phases.singleStep.llmTiers } : {}),
        }
      : { variant, generator: LOCAL_GENERATOR, limits: limitsOf(ctx) },
  roles: (ctx, { variant }) => (variant === 'llm' ? [ctx.config.phases.singleStep.role] : []),
  models: (ctx, { variant }): Record<string, string> => (variant === 'local' ? { local: localModelId(ctx) } : {}),
  inputs: ({ user }, ctx, plan) => keyInputs(ctx, { user, reads: ['corpus', 'catalogue'], extra: signalKeyInputs(plan) }),
  async compute({ user, variant }, ctx, plan) {
    const role: Role = variant === 'llm' ? ctx.config.phases.singleStep.role : 'local';
    const result = await runCascade<UserContext, Filtered>({
      step: `single-step.${variant}`,
      tiers: [{ role, threshold: 0 }],
      implementations: { [role]: (u: UserContext) => generate(u, ctx, variant, plan) },
      input: user,
      // The local generator needs no model server; the LLM variant needs its role bound and reachable.
      unavailableReason: (r) => (variant === 'local' ? undefined : ctx.models.unavailableReason(r)),
      logger: ctx.logger,
      clock: ctx.clock,
    });
    for (const a of result.attempts) for (const note of a.notes ?? []) ctx.logger.info({ phase: 'single-step', variant, userId: user.userId }, note);
    return { data: result.output, provenance: provenanceOf(result) };
  },
});

/** The single-step plan, then the same Phase 4 as the cascaded pipeline builds the page. */
export async function runSingleStep({ user }: { user: UserContext }, ctx: Ctx, { variant }: SingleStepOptions): Promise<SingleStepResult> {
  const upstream = await runSingleStepPlan({ user, variant }, ctx);
  const page = await runAssemble({ user, filtered: upstream.artefact }, ctx);
  return { page, upstream };
}

/** The artefact key of a user's single-step plan (for tests and inspection). */
export const singleStepKey = (user: UserContext, ctx: Ctx, variant: SingleStepVariant) => runSingleStepPlan.key({ user, variant }, ctx);
