import type { Role } from '../../config/config.js';
import { addUsage } from '../../llm/usage.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import type { Artefact, Provenance } from '../../kit/artefacts/artefact.js';
import { definePhase, keyInputs } from '../../kit/phase.js';
import type { Ctx } from '../../kit/context.js';
import type { Keyword, Keywords } from '../keywords/schema.js';
import type { Theme, Themes } from '../themes/schema.js';
import { resolveThemePlacement } from './catalogue.js';
import { dedupKeywords, dedupThemes } from './dedup.js';
import { judgeModelId, judgeTheme, type JudgeOutcome } from './judge/judge.js';
import { RUBRIC_MODEL_ID } from './judge/local-judge.js';
import { checkCataloguePolicy, checkPolicy, checkThemeText, describeViolations, type PolicyViolation } from './policy.js';
import { PROMPT_VERSION } from './prompt.js';
import type { RelevanceScorer } from '../../retrieval/relevance/scorer.js';
import { filteredSchema, JUDGE_CRITERIA, type Filtered, type FilteredTheme, type Removal } from './schema.js';
import { round3 } from './text.js';
import { themeConceptText } from '../themes/text.js';
import { allOrFirstError } from '../../kit/settle.js';
import { signalPlan, type SignalPlan } from '../../llm/signals/index.js';

/** Replaces a page title that breaks policy. */
export const NEUTRAL_PAGE_TITLE = 'Your shopping hub';

export interface FilterInput {
  readonly user: UserContext;
  readonly themes: Artefact<Themes>;
  readonly keywords: Artefact<Keywords>;
}

interface WorkKeyword {
  readonly text: string;
  readonly categoryIds: string[];
  readonly departmentIds: string[];
  readonly relevance?: number;
}

interface WorkTheme {
  readonly theme: Theme;
  readonly id: string;
  readonly title: string;
  readonly concepts: readonly string[];
  readonly categoryIds: string[];
  readonly departmentIds: string[];
  readonly keywords: readonly WorkKeyword[];
}

/**
 * Phase 3: dedup → relevance → judge → policy over Phase 1's themes and Phase 2's keywords.
 * Versions: 2, a category word inside a concept no longer removes a theme (policy and rubric judge);
 * 3, the rubric judge passes relevance for a shopper with no history (their page is popular themes);
 * 4, keys spell the user digest and shared digests the kit's way; 5, surviving themes keep Phase 1's kind;
 * 6, a theme that breaks policy is set aside before dedup, so it cannot knock a near-duplicate off the page first.
 */
export const runFilter = definePhase<FilterInput, Filtered, SignalPlan>({
  name: 'filter',
  version: '6',
  schema: filteredSchema,
  promptVersion: PROMPT_VERSION,
  // The judge's LLM tiers' signals; a deferral tier's weights are read before any call.
  prepare: (_input, ctx) => signalPlan(ctx.config.phases.filter.llmTiers),
  config: (ctx) => ctx.config.phases.filter,
  roles: (ctx) => [...ctx.config.phases.filter.judgeCascade.map((t) => t.role), 'cross_encoder'],
  models: (ctx, _input, plan) => ({
    // The scorer id carries the local weights' digest, so retrained weights re-run the filter.
    'cross_encoder.scorer': ctx.crossEncoder.id,
    ...(ctx.config.phases.filter.judgeCascade.some((t) => judgeModelId(ctx, t.role) === RUBRIC_MODEL_ID) ? { 'judge.rubric': RUBRIC_MODEL_ID } : {}),
    ...(plan.deferral ? { 'judge.deferral': plan.deferral.digest } : {}),
  }),
  inputs: (input, ctx) => keyInputs(ctx, { upstream: [input.themes, input.keywords], user: input.user, reads: ['embedder'] }),
  compute: (input, ctx, plan) => computeFiltered(input, ctx, ctx.crossEncoder, plan),
});

async function computeFiltered(input: FilterInput, ctx: Ctx, scorer: RelevanceScorer, plan: SignalPlan): Promise<{ data: Filtered; provenance: Provenance }> {
  const started = ctx.clock.monotonic();
  const cfg = ctx.config.phases.filter;
  const log = ctx.logger.child({ phase: 'filter', userId: input.user.userId });
  const removals: Removal[] = [];

  const keywordsByTheme = new Map(input.keywords.data.themes.map((t) => [t.themeId, t.keywords]));
  const initial: WorkTheme[] = input.themes.data.themes.map((theme) => {
    const placement = resolveThemePlacement(theme, ctx.catalogue);
    if (placement.unknown.length) log.debug({ themeId: theme.id, unknown: placement.unknown }, 'theme names categories/departments not in the catalogue');
    const kws = keywordsByTheme.get(theme.id);
    if (!kws) log.warn({ themeId: theme.id }, 'no Phase 2 keywords for this theme');
    return {
      theme,
      id: theme.id,
      title: theme.title,
      concepts: theme.concepts,
      categoryIds: placement.categoryIds,
      departmentIds: placement.departmentIds,
      keywords: (kws ?? []).map((k: Keyword) => ({ text: k.text, categoryIds: [...k.categoryIds], departmentIds: [...k.departmentIds] })),
    };
  });

  // Theme-level policy is checked first (it is applied, and recorded, last): a theme it will remove must
  // not knock a near-duplicate off the page in dedup on the way out, as an injected "Whisky deals"
  // theme would "Your soft drinks".
  const policy = cfg.policy;
  const themeViolations = new Map<string, PolicyViolation[]>();
  for (const t of initial) {
    const v = [...checkThemeText({ title: t.title, description: t.theme.description, concepts: t.concepts }, policy), ...checkCataloguePolicy(t, ctx.catalogue, policy, 'any')];
    if (v.length) themeViolations.set(t.id, v);
  }

  // 1. Embedding dedup: themes, then keywords within and across the surviving themes.
  const themeDedup = await dedupThemes(initial.filter((t) => !themeViolations.has(t.id)), ctx.embedder, cfg.themeDedupThreshold);
  removals.push(...themeDedup.removals);
  const kwDedup = await dedupKeywords(themeDedup.kept, ctx.embedder, cfg.keywordDedupThreshold);
  removals.push(...kwDedup.removals);

  // 2. Cross-encoder relevance of every (theme, keyword) pair, in one scoring call.
  const pairs = kwDedup.kept.flatMap((t) => t.keywords.map((k) => ({ query: themeConceptText(t), text: k.text })));
  const scores = await scorer.score(pairs);
  let cursor = 0;
  const relevant: WorkTheme[] = [];
  for (const t of kwDedup.kept) {
    const keywords: WorkKeyword[] = [];
    for (const k of t.keywords) {
      const s = round3(scores[cursor++]);
      if (s < cfg.relevanceThreshold) {
        removals.push({ step: 'relevance', kind: 'keyword', themeId: t.id, item: k.text, reason: `relevance ${s.toFixed(2)} to '${t.title}' is below ${cfg.relevanceThreshold}`, score: s });
      } else keywords.push({ ...k, relevance: s });
    }
    if (keywords.length === 0 && t.keywords.length > 0) {
      removals.push({ step: 'relevance', kind: 'theme', themeId: t.id, item: t.title, reason: `none of its ${t.keywords.length} keywords reached relevance ${cfg.relevanceThreshold}`, score: 0 });
    } else relevant.push({ ...t, keywords });
  }

  // Keyword policy is checked here but applied as the last step. A theme that breaks policy never got
  // this far, so it is not sent to the judge (no point paying for it, nor passing injected text to
  // an LLM), and the judge sees only the keywords that policy will keep.
  const keywordViolations = new Map<WorkKeyword, PolicyViolation[]>();
  for (const t of relevant) {
    for (const k of t.keywords) {
      const kv = [...checkPolicy(k.text, policy), ...checkCataloguePolicy(k, ctx.catalogue, policy, 'primary')];
      if (kv.length) keywordViolations.set(k, kv);
    }
  }

  // 3. LLM-as-judge (cascade per theme), on themes policy will not remove.
  const toJudge = relevant.filter((t) => !themeViolations.has(t.id));
  const outcomes = await allOrFirstError(
    toJudge.map((t) =>
      judgeTheme(
        {
          user: input.user,
          theme: {
            title: t.title,
            description: t.theme.description,
            concepts: t.concepts,
            categories: t.theme.categories,
            departments: t.theme.departments,
            keywords: t.keywords.filter((k) => !keywordViolations.has(k)),
          },
        },
        ctx,
        { step: `filter.judge:${t.id}`, plan },
      ),
    ),
  );
  const judged = new Map<string, JudgeOutcome>(toJudge.map((t, i) => [t.id, outcomes[i]]));
  const judgements: Filtered['judgements'] = [];
  const afterJudge: WorkTheme[] = [];
  for (const t of relevant) {
    const o = judged.get(t.id);
    if (!o) {
      afterJudge.push(t);
      continue;
    }
    judgements.push({ themeId: t.id, role: o.role, model: o.model, verdict: o.verdict });
    const failed = JUDGE_CRITERIA.filter((c) => !o.verdict.criteria[c].pass);
    if (failed.length) {
      const why = failed.map((c) => `${c}: ${o.verdict.criteria[c].reason}`).join('; ');
      removals.push({ step: 'judge', kind: 'theme', themeId: t.id, item: t.title, reason: `failed ${failed.join(', ')} (${o.role} judge) — ${why}`, score: round3(o.confidence) });
    } else afterJudge.push(t);
  }

  // 4. Policy guardrails.
  for (const t of initial) {
    const tv = themeViolations.get(t.id);
    if (tv) removals.push({ step: 'policy', kind: 'theme', themeId: t.id, item: t.title, reason: `policy: ${describeViolations(tv)}`, score: 1 });
  }
  const survivors: FilteredTheme[] = [];
  for (const t of afterJudge) {
    const keywords: FilteredTheme['keywords'] = [];
    for (const k of t.keywords) {
      const kv = keywordViolations.get(k);
      if (kv) removals.push({ step: 'policy', kind: 'keyword', themeId: t.id, item: k.text, reason: `policy: ${describeViolations(kv)}`, score: 1 });
      else keywords.push({ text: k.text, categoryIds: k.categoryIds, departmentIds: k.departmentIds, relevance: k.relevance ?? 0 });
    }
    if (keywords.length === 0 && t.keywords.length > 0) {
      removals.push({ step: 'policy', kind: 'theme', themeId: t.id, item: t.title, reason: 'policy: every keyword broke a policy rule', score: 1 });
      continue;
    }
    survivors.push({ id: t.id, kind: t.theme.kind, title: t.title, description: t.theme.description, categoryIds: t.categoryIds, departmentIds: t.departmentIds, keywords });
  }

  let pageTitle = input.themes.data.pageTitle;
  const titleViolations = checkPolicy(pageTitle, policy);
  if (titleViolations.length) {
    log.warn({ pageTitle, violations: titleViolations }, 'page title breaks policy; using a neutral title');
    pageTitle = NEUTRAL_PAGE_TITLE;
  }

  const data: Filtered = { pageTitle, themes: survivors, removals, judgements };
  log.info({ themesIn: input.themes.data.themes.length, themesOut: survivors.length, removals: removals.length }, 'filter done');
  return { data, provenance: provenance(toJudge.map((t) => t.id), outcomes, ctx.clock.monotonic() - started) };
}

function provenance(themeIds: readonly string[], outcomes: readonly JudgeOutcome[], latencyMs: number): Provenance {
  const one = (values: readonly string[], none: string) => (values.length === 0 ? none : new Set(values).size === 1 ? values[0] : 'mixed');
  return {
    attempts: outcomes.flatMap((o) => o.attempts),
    usage: addUsage(...outcomes.map((o) => o.usage)),
    latencyMs,
    role: one(outcomes.map((o) => o.role as Role), 'none'),
    model: one(outcomes.map((o) => o.model), 'none'),
    confidence: outcomes.length ? Math.min(...outcomes.map((o) => o.confidence)) : undefined,
    steps: themeIds.map((id, i) => ({ name: `judge:${id}`, attempts: outcomes[i].attempts })),
  };
}
