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

/**
 * Page quality over a run, one page at a time (a run's pages need not all be in memory): sums in the
 * order pages are added, so the means are the ones summing an array of them in that order gives.
 */
export class QualityTally {
  private pages = 0;
  private themesProposed = 0;
  private themesOnPage = 0;
  private products = 0;
  private droppedInAssembly = 0;
  private readonly removed = Object.fromEntries(FILTER_STEPS.map((s) => [s, { themes: 0, keywords: 0 }])) as Record<FilterStep, { themes: number; keywords: number }>;
  private readonly judge = Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, { pass: 0, total: 0 }])) as Record<JudgeCriterion, { pass: number; total: number }>;
  private relevanceSum = 0;
  private relevanceCount = 0;

  add(q: PageQuality): void {
    this.pages++;
    this.themesProposed += q.themesProposed;
    this.themesOnPage += q.themesOnPage;
    this.products += q.products;
    this.droppedInAssembly += q.droppedInAssembly;
    for (const s of FILTER_STEPS) {
      this.removed[s].themes += q.removed[s].themes;
      this.removed[s].keywords += q.removed[s].keywords;
    }
    for (const c of JUDGE_CRITERIA) {
      this.judge[c].pass += q.judge[c].pass;
      this.judge[c].total += q.judge[c].total;
    }
    if (q.meanKeywordRelevance !== undefined) {
      this.relevanceSum += q.meanKeywordRelevance;
      this.relevanceCount++;
    }
  }

  result(): RunQuality | undefined {
    const n = this.pages;
    if (!n) return undefined;
    return {
      pages: n,
      meanThemesProposed: this.themesProposed / n,
      meanThemesOnPage: this.themesOnPage / n,
      meanProducts: this.products / n,
      removedPerPage: Object.fromEntries(FILTER_STEPS.map((s) => [s, { themes: this.removed[s].themes / n, keywords: this.removed[s].keywords / n }])) as RunQuality['removedPerPage'],
      droppedInAssemblyPerPage: this.droppedInAssembly / n,
      judgePassRate: Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, this.judge[c].total ? this.judge[c].pass / this.judge[c].total : undefined])) as RunQuality['judgePassRate'],
      meanKeywordRelevance: this.relevanceCount ? this.relevanceSum / this.relevanceCount : undefined,
    };
  }
}

export function summariseQuality(pages: readonly PageQuality[]): RunQuality | undefined {
  const tally = new QualityTally();
  for (const q of pages) tally.add(q);
  return tally.result();
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
