import pLimit from 'p-limit';
import type { Ctx } from '../kit/context.js';
import type { PhaseResult } from '../kit/phase.js';
import type { Role } from '../config/config.js';
import type { Usage } from '../llm/usage.js';
import { compareIds, type Dataset } from '../catalogue/types.js';
import type { UserHistory } from '../catalogue/types.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { contextOfUser } from '../catalogue/user-context.js';
import { committedCalibrationUsers } from '../catalogue/calibration.js';
import type { Page, PageTheme } from '../phases/assemble/schema.js';
import type { JudgeVerdict } from '../phases/filter/schema.js';
import type { JudgeThemeInput } from '../phases/filter/judge/types.js';
import { aggregatePages, distribution, measurePage, targetMetrics, type Distribution, type EvalTarget, type KindedArtefact, type PageMetrics, type TargetMetrics, type VariantAggregate } from './metrics.js';
import { BASELINE_KINDS, NEW_ITEM_BASELINE_KINDS, coPurchaseRanking, discoveryOnlyRanking, ownReordersRanking, popularityRanking, popularityUnseenRanking, type BaselineKind } from './baselines.js';
import { deriveCtx, parseVariant, type BaseVariant, type ConfigOverride, type VariantSpec } from './variants.js';

import type { EvalPipelines, EvalUser, ThemeJudge, VariantOutput, VariantPipeline } from './types.js';
import { themeSummaryText } from '../phases/themes/text.js';
import type { CalibrationRecord } from './calibration/records.js';

export type { EvalUser, VariantOutput, VariantPipeline, ThemeJudge, EvalPipelines } from './types.js';

export interface EvalProgress {
  readonly done: number;
  readonly total: number;
  readonly userId: string;
  readonly variant: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface RunEvalOptions {
  readonly ctx: Ctx;
  /** Needed when `users` are ids: histories and targets come from it. */
  readonly dataset?: Dataset;
  /** User ids (with `dataset`), or prepared users. */
  readonly users: readonly (string | EvalUser)[];
  /** e.g. ["cascaded", "single-step", "single-step-local", "cascaded@themes.threshold=0.8"]. */
  readonly variants: readonly string[];
  /** Users evaluated at once (each runs every variant in turn); default config run.concurrency. */
  readonly concurrency?: number;
  readonly onProgress?: (p: EvalProgress) => void;
  /** Roles answered by a simulator rather than a real model; recorded so the report can say so. */
  readonly simulatedRoles?: readonly Role[];
  /** Judge every page theme with the eval judge (default true). */
  readonly judge?: boolean;
  /**
   * The one role that judges every variant's themes. Default: the `judge` role when it is usable and
   * not simulated (a simulated verdict says nothing), else `local` (the rubric judge).
   */
  readonly judgeRole?: Role;
  /**
   * The pipeline behind each base variant and the judge to build for a role, passed in so the
   * runner stays a harness: `realEvalPipelines` (evals/pipelines.ts) for real runs, fakes in tests.
   */
  readonly pipelines: EvalPipelines;
  readonly themeJudge?: ThemeJudge;
}

export interface EvalFailure {
  readonly userId: string;
  readonly error: string;
}

export interface VariantResult {
  readonly name: string;
  readonly base: BaseVariant;
  readonly overrides: readonly ConfigOverride[];
  readonly pages: readonly PageMetrics[];
  readonly failures: readonly EvalFailure[];
  readonly aggregate: VariantAggregate;
}

export interface BaselinePage extends TargetMetrics {
  readonly userId: string;
}

export interface BaselineResult {
  /** e.g. "popularity@48". */
  readonly name: string;
  readonly kind: BaselineKind;
  /**
   * Products on each baseline page: the median page size of the variants it stands beside; for
   * `pageNewProducts`, the median of its per-user counts.
   */
  readonly productCount: number;
  /**
   * What the baseline's page size matches in the variants: `products`, their median page size;
   * `pageNewProducts` (new-item kinds), as many products for each user as that user's page showed new
   * to them; `newProducts`, the variants' median count of new products (results written before
   * 2026-12-04; re-rendered as they are).
   */
  readonly matches?: 'products' | 'newProducts' | 'pageNewProducts';
  readonly forVariants: readonly string[];
  readonly pages: readonly BaselinePage[];
  readonly aggregate: {
    readonly products: Distribution;
    readonly targetRecall: Distribution;
    readonly newItemRecall: Distribution;
    readonly targetCategoryCoverage: Distribution;
    readonly targetPrecision: Distribution;
  };
}

/** A sweep's cost–quality curve (see sweep.ts), carried in the result so the report can plot it. */
export interface SweepSummary {
  readonly param: string;
  readonly metric: string;
  readonly min: number;
  readonly points: readonly { readonly value: number; readonly variant: string; readonly costPerPage: number | null; readonly quality: number | null; readonly meetsTarget: boolean }[];
  readonly proposal: { readonly value: number; readonly variant: string; readonly costPerPage: number | null; readonly quality: number | null } | null;
  readonly note: string;
}

/** Everything an eval produced; plain JSON (no Maps, no undefined-only fields the report depends on). */
export interface EvalResult {
  readonly schemaVersion: 1;
  readonly createdAt: string;
  readonly users: readonly string[];
  /** Users that could not be evaluated at all (unknown id, no target order), with why. */
  readonly skippedUsers: readonly EvalFailure[];
  readonly simulatedRoles: readonly Role[];
  /** Role → provider/model as configured for this eval. */
  readonly models: Readonly<Record<string, { readonly provider: string; readonly model: string; readonly simulated: boolean }>>;
  readonly variants: readonly VariantResult[];
  readonly baselines: readonly BaselineResult[];
  /** What the eval judge itself cost (not part of any page's cost). */
  readonly evalJudge: { readonly enabled: boolean; readonly role: Role | null; readonly calls: number; readonly costUsd: number; readonly errors: number; readonly roles: Readonly<Record<string, number>> };
  readonly sweep?: SweepSummary;
  /** The ranking weights' calibration users, and which evaluated users are among them (should be none). */
  readonly rankingCalibration?: { readonly users: number; readonly overlap: readonly string[] };
  /**
   * Calibration records attached from elsewhere, for a result whose pages carry none (written
   * before evals recorded them): the report's calibration section uses these, saying where they came from.
   */
  readonly calibration?: AttachedCalibration;
}

export interface AttachedCalibration {
  /** In words: which eval, how many of these users, when. */
  readonly source: string;
  /** Roles the eval that produced them simulated. */
  readonly simulatedRoles: readonly Role[];
  readonly records: readonly CalibrationRecord[];
}

function resolveUser(u: string | EvalUser, dataset: Dataset | undefined): EvalUser {
  if (typeof u !== 'string') return u;
  if (!dataset) throw new Error(`runEval: user ${u} is an id, so options.dataset is required`);
  return contextOfUser(dataset, u);
}

function calibrationOverlap(users: readonly string[]): EvalResult['rankingCalibration'] {
  const calibration = new Set(committedCalibrationUsers());
  return { users: calibration.size, overlap: users.filter((u) => calibration.has(u)).sort(compareIds) };
}

/** Products in the user's history orders: what "new to the user" is measured against. */
export const ownedProducts = (history: Pick<UserHistory, 'history'>): Set<string> => new Set(history.history.flatMap((o) => o.lines.map((l) => l.productId)));

function targetOf(history: UserHistory, ctx: Ctx): EvalTarget {
  if (!history.target) throw new Error(`user ${history.userId} has no target order with products to evaluate against`);
  const productIds = [...new Set(history.target.lines.map((l) => l.productId))];
  const categoryIds = [...new Set(productIds.map((id) => ctx.catalogue.products.get(id)?.categoryId).filter((a): a is string => a !== undefined))];
  const owned = ownedProducts(history);
  return { productIds, categoryIds, newProductIds: productIds.filter((id) => !owned.has(id)) };
}

/**
 * The judge sees what the shopper sees, derived the same way for every variant: the theme's copy,
 * its keywords, and the products it shows (their names as concepts, their categories and departments).
 */
export function judgeInputOf(theme: PageTheme, ctx: Ctx): JudgeThemeInput {
  const names = <T extends { name: string }>(ids: readonly string[], m: ReadonlyMap<string, T>) => [...new Set(ids.map((id) => m.get(id)?.name).filter((n): n is string => !!n))];
  return {
    title: theme.title,
    description: theme.description,
    concepts: theme.products.slice(0, 8).map((p) => p.name),
    categories: names(theme.products.map((p) => p.categoryId), ctx.catalogue.categories),
    departments: names(theme.products.map((p) => p.departmentId), ctx.catalogue.departments),
    keywords: [...theme.keywords],
  };
}

/** See RunEvalOptions.judgeRole. */
export function defaultJudgeRole(ctx: Ctx, simulatedRoles: readonly Role[]): Role {
  return ctx.models.unavailableReason('judge') === undefined && !simulatedRoles.includes('judge') ? 'judge' : 'local';
}

interface JudgeTally {
  calls: number;
  costUsd: number;
  errors: number;
  roles: Record<string, number>;
}

/**
 * Runs every variant on the same users and measures each page. Variants share the context's
 * artefact store, so a variant that differs from another only downstream reuses its upstream
 * artefacts. A failure is recorded for that user and variant and the eval goes on.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalResult> {
  const { ctx, dataset, users, onProgress, simulatedRoles = [], judge: judgeEnabled = true } = options;
  const concurrency = options.concurrency ?? ctx.config.run.concurrency;
  const specs = options.variants.map(parseVariant);
  if (specs.length === 0) throw new Error('runEval: no variants given');
  const duplicate = specs.find((s, i) => specs.findIndex((t) => t.name === s.name) !== i);
  if (duplicate) throw new Error(`runEval: variant "${duplicate.name}" is listed twice`);
  // Derive every variant's context up front: a bad override fails the eval before any work is done.
  const ctxs = new Map(specs.map((s) => [s.name, deriveCtx(ctx, s.overrides, `variant ${s.name}`)]));

  const missing = specs.find((s) => !options.pipelines.variants[s.base]);
  if (missing) throw new Error(`runEval: no pipeline for variant "${missing.name}" (have: ${Object.keys(options.pipelines.variants).join(', ') || 'none'})`);
  const pipelineFor = (base: BaseVariant): VariantPipeline => options.pipelines.variants[base]!;
  const judgeRole = judgeEnabled ? (options.judgeRole ?? defaultJudgeRole(ctx, simulatedRoles)) : null;
  const judgeFor = options.themeJudge ? () => options.themeJudge! : options.pipelines.judgeFor;
  if (judgeRole && !judgeFor) throw new Error('runEval: judging is on but no judge was given (pass themeJudge or pipelines.judgeFor, or judge: false)');
  const judge = judgeRole ? judgeFor!(judgeRole) : undefined;
  if (judgeRole) ctx.logger.info({ judgeRole }, 'eval: one judge role scores every variant\'s themes');

  const pages = new Map<string, PageMetrics[]>(specs.map((s) => [s.name, []]));
  const failures = new Map<string, EvalFailure[]>(specs.map((s) => [s.name, []]));
  const skippedUsers: EvalFailure[] = [];
  const evaluated: { user: EvalUser; target: EvalTarget }[] = [];
  const tally: JudgeTally = { calls: 0, costUsd: 0, errors: 0, roles: {} };
  const total = users.length * specs.length;
  let done = 0;
  const userIdOf = (u: string | EvalUser) => (typeof u === 'string' ? u : u.history.userId);

  const limit = pLimit(concurrency);
  await Promise.all(
    users.map((u) =>
      limit(async () => {
        let user: EvalUser;
        let target: EvalTarget;
        try {
          user = resolveUser(u, dataset);
          target = targetOf(user.history, ctx);
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          ctx.logger.warn({ userId: userIdOf(u), err: message }, 'eval: user skipped');
          skippedUsers.push({ userId: userIdOf(u), error: message });
          for (const s of specs) onProgress?.({ done: ++done, total, userId: userIdOf(u), variant: s.name, ok: false, error: message });
          return;
        }
        evaluated.push({ user, target });
        // One user's variants run in turn, so later variants find the shared upstream artefacts already stored.
        for (const spec of specs) {
          const t0 = ctx.clock.monotonic();
          try {
            const out = await pipelineFor(spec.base)(user.context, ctxs.get(spec.name)!);
            const metrics = await measureOutput(out, user, target, ctx, judge, tally, ctx.clock.monotonic() - t0);
            pages.get(spec.name)!.push(metrics);
            onProgress?.({ done: ++done, total, userId: user.history.userId, variant: spec.name, ok: true });
          } catch (error) {
            const message = (error as Error).message ?? String(error);
            ctx.logger.warn({ userId: user.history.userId, variant: spec.name, err: message }, 'eval: variant failed for user; continuing');
            failures.get(spec.name)!.push({ userId: user.history.userId, error: message });
            onProgress?.({ done: ++done, total, userId: user.history.userId, variant: spec.name, ok: false, error: message });
          }
        }
      }),
    ),
  );

  const byUser = (a: { userId: string }, b: { userId: string }) => compareIds(a.userId, b.userId);
  const variants: VariantResult[] = specs.map((s: VariantSpec) => {
    const ps = pages.get(s.name)!.sort(byUser);
    const fs = failures.get(s.name)!.sort(byUser);
    return { name: s.name, base: s.base, overrides: s.overrides, pages: ps, failures: fs, aggregate: aggregatePages(ps, fs.length) };
  });
  evaluated.sort((a, b) => compareIds(a.user.history.userId, b.user.history.userId));

  return {
    schemaVersion: 1,
    createdAt: new Date(ctx.clock.now()).toISOString(),
    users: users.map(userIdOf),
    skippedUsers: skippedUsers.sort(byUser),
    simulatedRoles: [...simulatedRoles],
    models: Object.fromEntries(
      Object.entries(ctx.config.roles).map(([role, b]) => [role, { provider: b.provider, model: b.model, simulated: simulatedRoles.includes(role as Role) }]),
    ),
    variants,
    baselines: baselinesFor(variants, evaluated, ctx),
    evalJudge: { enabled: !!judge, role: judgeRole, calls: tally.calls, costUsd: tally.costUsd, errors: tally.errors, roles: tally.roles },
    rankingCalibration: calibrationOverlap(evaluated.map((e) => e.user.history.userId)),
  };
}

async function measureOutput(out: VariantOutput, user: EvalUser, target: EvalTarget, ctx: Ctx, judge: ThemeJudge | undefined, tally: JudgeTally, wallMs: number): Promise<PageMetrics> {
  const page = out.page.artefact.data;
  const themeVectors = page.themes.length > 1 ? await ctx.embedder.embed(page.themes.map(themeSummaryText)) : [];
  const verdicts: JudgeVerdict[] = [];
  if (judge) {
    for (const theme of page.themes) {
      try {
        const r = await judge({ user: user.context, theme: judgeInputOf(theme, ctx) }, ctx);
        verdicts.push(r.verdict);
        tally.calls += r.usage.calls;
        tally.costUsd += r.usage.costUsd ?? 0;
        tally.roles[r.role] = (tally.roles[r.role] ?? 0) + 1;
      } catch (error) {
        // A judge failure leaves that theme unjudged; it says nothing about the page itself.
        tally.errors++;
        ctx.logger.warn({ userId: user.history.userId, theme: theme.title, err: (error as Error).message }, 'eval judge failed on a theme');
      }
    }
  }
  const categoryOf = (id: string) => ctx.catalogue.products.get(id)?.categoryId ?? page.themes.flatMap((t) => t.products).find((p) => p.productId === id)?.categoryId;
  return measurePage({
    userId: user.history.userId,
    artefacts: out.artefacts,
    page,
    target,
    owned: ownedProducts(user.history),
    categoryOf,
    inCorpus: (k) => ctx.corpus.byText.has(k),
    themeVectors,
    verdicts,
    wallMs: Math.round(wallMs),
  });
}

/**
 * Every baseline kind at each distinct page size: each variant is set beside baselines showing as
 * many products as its median page, so recall and new-item recall compare like with like. The
 * new-item kinds also stand beside each variant user by user, each user's list as long as the
 * number of new products their page showed: the page's discovery slots against as many of theirs,
 * for a light shopper whose page is mostly discovery as for a heavy one whose page is mostly staples.
 */
function baselinesFor(variants: readonly VariantResult[], evaluated: readonly { user: EvalUser; target: EvalTarget }[], ctx: Ctx): BaselineResult[] {
  const sizes = new Map<number, { n: number; forVariants: string[] }>();
  for (const v of variants) {
    const median = v.aggregate.products.p50;
    // No pages, or mostly empty ones: a zero-product baseline would score zero by construction.
    if (median === null || median === undefined || Math.round(median) < 1) continue;
    const n = Math.round(median);
    const entry = sizes.get(n) ?? { n, forVariants: [] };
    entry.forVariants.push(v.name);
    sizes.set(n, entry);
  }
  const popular = popularityRanking(ctx.stats);
  const categoryOf = (id: string) => ctx.catalogue.products.get(id)?.categoryId;
  const lists: Record<BaselineKind, (u: EvalUser, n: number) => string[]> = {
    popularity: () => popular,
    'own-reorders': (u) => ownReordersRanking(u.history),
    'popularity-unseen': (u, n) => popularityUnseenRanking(popular, ownedProducts(u.history), n),
    'co-purchase': (u, n) => coPurchaseRanking(u.history, ctx.stats, n, popular),
    'discovery-only': (u, n) => discoveryOnlyRanking(u.context, ctx.stats, ctx.catalogue, n, popular),
  };
  const baseline = (kind: BaselineKind, name: string, productCount: number, matches: 'products' | 'pageNewProducts', forVariants: string[], users: readonly { user: EvalUser; target: EvalTarget; n: number }[]): BaselineResult => {
    const pages = users.map(({ user, target, n }) => ({ userId: user.history.userId, ...targetMetrics(lists[kind](user, n).slice(0, n), categoryOf, target, ownedProducts(user.history)) }));
    const d = (f: (p: BaselinePage) => number | null) => distribution(pages.map(f));
    return {
      name,
      kind,
      productCount,
      matches,
      forVariants,
      pages,
      aggregate: { products: d((p) => p.products), targetRecall: d((p) => p.targetRecall), newItemRecall: d((p) => p.newItemRecall), targetCategoryCoverage: d((p) => p.targetCategoryCoverage), targetPrecision: d((p) => p.targetPrecision) },
    };
  };
  const out: BaselineResult[] = [];
  for (const { n, forVariants } of [...sizes.values()].sort((a, b) => a.n - b.n)) {
    out.push(...BASELINE_KINDS.map((kind) => baseline(kind, `${kind}@${n}`, n, 'products', forVariants, evaluated.map((e) => ({ ...e, n })))));
  }
  for (const v of variants) {
    // Users whose page the variant made, each with the count of new products it showed them.
    const newOnPage = new Map(v.pages.map((p) => [p.userId, p.newProducts]));
    const users = evaluated.flatMap((e) => {
      const n = newOnPage.get(e.user.history.userId);
      return n === undefined ? [] : [{ ...e, n }];
    });
    if (!users.some((u) => u.n > 0)) continue;
    const median = Math.round(distribution(users.map((u) => u.n)).p50 ?? 0);
    out.push(...NEW_ITEM_BASELINE_KINDS.map((kind) => baseline(kind, `${kind}@new-on-${v.name}`, median, 'pageNewProducts', [v.name], users)));
  }
  return out;
}
