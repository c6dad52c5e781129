import { FILTER_STEPS, JUDGE_CRITERIA, type Filtered, type JudgeCriterion, type FilterStep } from '../phases/filter/schema.js';
import type { Page } from '../phases/assemble/schema.js';

/** What Phase 3 and 4 did to one page: the quality side of a run summary. */
export interface PageQuality {
  /** Themes Phase 1 proposed (kept + removed by Phase 3). */
  readonly themesProposed: number;
  /** Themes on the final page. */
  readonly themesOnPage: number;
  readonly removed: Readonly<Record<FilterStep, { readonly themes: number; readonly keywords: number }>>;
  /** Themes Phase 4 dropped for too few products. */
  readonly droppedInAssembly: number;
  readonly judge: Readonly<Record<JudgeCriterion, { readonly pass: number; readonly total: number }>>;
  /** Mean cross-encoder relevance of the keywords that survived Phase 3. */
  readonly meanKeywordRelevance: number | undefined;
  readonly products: number;
}

export function pageQuality(filtered: Filtered, page: Page): PageQuality {
  const removed = Object.fromEntries(FILTER_STEPS.map((s) => [s, { themes: 0, keywords: 0 }])) as Record<FilterStep, { themes: number; keywords: number }>;
  for (const r of filtered.removals) removed[r.step][r.kind === 'theme' ? 'themes' : 'keywords']++;
  const judge = Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, { pass: 0, total: 0 }])) as Record<JudgeCriterion, { pass: number; total: number }>;
  for (const j of filtered.judgements) {
    for (const c of JUDGE_CRITERIA) {
      judge[c].total++;
      if (j.verdict.criteria[c].pass) judge[c].pass++;
    }
  }
  const relevances = filtered.themes.flatMap((t) => t.keywords.map((k) => k.relevance));
  const themesRemoved = Object.values(removed).reduce((n, r) => n + r.themes, 0);
  return {
    themesProposed: filtered.themes.length + themesRemoved,
    themesOnPage: page.themes.length,
    removed,
    droppedInAssembly: page.dropped.length,
    judge,
    meanKeywordRelevance: relevances.length ? relevances.reduce((a, b) => a + b, 0) / relevances.length : undefined,
    products: page.themes.reduce((n, t) => n + t.products.length, 0),
  };
}

export interface RunQuality {
  readonly pages: number;
  readonly meanThemesProposed: number;
  readonly meanThemesOnPage: number;
  readonly meanProducts: number;
  /** Mean per page, by step and kind. */
  readonly removedPerPage: Readonly<Record<FilterStep, { readonly themes: number; readonly keywords: number }>>;
  readonly droppedInAssemblyPerPage: number;
  readonly judgePassRate: Readonly<Record<JudgeCriterion, number | undefined>>;
  readonly meanKeywordRelevance: number | undefined;
}

export function summariseQuality(pages: readonly PageQuality[]): RunQuality | undefined {
  if (!pages.length) return undefined;
  const mean = (f: (q: PageQuality) => number) => pages.reduce((s, q) => s + f(q), 0) / pages.length;
  const rel = pages.map((q) => q.meanKeywordRelevance).filter((x): x is number => x !== undefined);
  return {
    pages: pages.length,
    meanThemesProposed: mean((q) => q.themesProposed),
    meanThemesOnPage: mean((q) => q.themesOnPage),
    meanProducts: mean((q) => q.products),
    removedPerPage: Object.fromEntries(FILTER_STEPS.map((s) => [s, { themes: mean((q) => q.removed[s].themes), keywords: mean((q) => q.removed[s].keywords) }])) as RunQuality['removedPerPage'],
    droppedInAssemblyPerPage: mean((q) => q.droppedInAssembly),
    judgePassRate: Object.fromEntries(
      JUDGE_CRITERIA.map((c) => {
        const total = pages.reduce((s, q) => s + q.judge[c].total, 0);
        return [c, total ? pages.reduce((s, q) => s + q.judge[c].pass, 0) / total : undefined];
      }),
    ) as RunQuality['judgePassRate'],
    meanKeywordRelevance: rel.length ? rel.reduce((a, b) => a + b, 0) / rel.length : undefined,
  };
}

const f1 = (n: number) => n.toFixed(1);

export function formatRunQuality(q: RunQuality): string {
  const steps = FILTER_STEPS.map((s) => `${s} ${f1(q.removedPerPage[s].themes)} themes / ${f1(q.removedPerPage[s].keywords)} keywords`).join(', ');
  const judge = JUDGE_CRITERIA.map((c) => `${c} ${q.judgePassRate[c] === undefined ? '–' : `${(q.judgePassRate[c]! * 100).toFixed(0)}%`}`).join(', ');
  return [
    `page quality (mean per page over ${q.pages}): ${f1(q.meanThemesProposed)} themes proposed → ${f1(q.meanThemesOnPage)} on the page, ${f1(q.meanProducts)} products`,
    `  removed by phase 3: ${steps}; dropped in assembly: ${f1(q.droppedInAssemblyPerPage)} themes`,
    `  judge pass rate: ${judge}; mean keyword relevance ${q.meanKeywordRelevance === undefined ? '–' : q.meanKeywordRelevance.toFixed(3)}`,
  ].join('\n');
}
