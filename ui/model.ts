/**
 * What the inspector shows, as plain JSON: the data endpoints return these and the HTML views render
 * them. They are deliberately not the manifest and artefact shapes: ids are strings, phases carry
 * their folder names and a product has a category and a department, so a change to how runs are
 * stored touches only ui/data.ts, which builds these.
 */

/** The four phases, named after their folders (phases/themes, …/keywords, …/filter, …/assemble). */
export const PHASES = ['themes', 'keywords', 'filter', 'assemble'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface Paged<T> {
  readonly items: readonly T[];
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly pages: number;
}

/** Where a page came from: a run, or one variant of an eval report. */
export type PageSource =
  | { readonly kind: 'run'; readonly runId: string }
  | { readonly kind: 'eval'; readonly root: string; readonly report: string; readonly variant: string };

export interface UsageView {
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly costUsd: number | undefined;
  readonly calls: number;
}

export interface PhaseStats {
  readonly phase: PhaseName;
  readonly pages: number;
  readonly cacheHits: number;
  readonly cascades: number;
  readonly escalationRate: number | undefined;
  readonly belowThresholdRate: number | undefined;
  readonly spent: UsageView;
  readonly latencyP50Ms: number | undefined;
}

export interface RunRow {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly users: number;
  readonly ok: number;
  readonly failed: number;
  readonly emptyPages: number;
  readonly notStarted: number;
  readonly spent: UsageView;
  readonly phases: readonly PhaseStats[];
  readonly wallP50Ms: number | undefined;
  readonly wallP95Ms: number | undefined;
  /** Run wall time: first user started to last user finished, as the manifest dates it. */
  readonly wallMs: number | undefined;
  readonly failures: readonly { readonly userId: string; readonly error: string }[];
}

export interface RunUserRow {
  readonly userId: string;
  readonly status: 'ok' | 'failed';
  readonly error: string | undefined;
  readonly themesOnPage: number | undefined;
  readonly themesProposed: number | undefined;
  readonly products: number | undefined;
  readonly escalations: number;
  readonly cost: UsageView;
  readonly wallMs: number;
}

export interface RunDetail {
  readonly run: RunRow;
  readonly users: Paged<RunUserRow>;
  readonly filter: 'all' | 'ok' | 'failed' | 'empty';
}

export interface CategoryRef {
  readonly id: string;
  readonly name: string;
}

export interface ProductView {
  readonly id: string;
  readonly name: string;
  /** The category the product sits in (the leaf of its path). */
  readonly category: CategoryRef;
  /** Top-level category (today's department). */
  readonly department: CategoryRef;
  /** The retrieval keyword that found it. */
  readonly keyword: string;
  readonly score: number;
  readonly relevance: number | undefined;
  readonly affinity: number | undefined;
  readonly popularity: number | undefined;
  /** In the user's evaluation target order (undefined when there is no target). */
  readonly inTarget: boolean | undefined;
}

export interface PageThemeView {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly products: readonly ProductView[];
}

export interface HistoryView {
  readonly orders: number;
  readonly reorderRate: number;
  readonly topCategories: readonly { readonly name: string; readonly share: number }[];
  readonly topDepartments: readonly { readonly name: string; readonly share: number }[];
  readonly frequentProducts: readonly { readonly id: string; readonly name: string; readonly orders: number }[];
}

export interface TargetView {
  /** "next order" for Instacart train users; "held-out last order" otherwise. */
  readonly kind: 'next order' | 'held-out last order';
  readonly products: number;
  readonly hits: readonly { readonly id: string; readonly name: string }[];
  readonly recall: number;
}

export interface AttemptView {
  readonly role: string;
  readonly model: string | undefined;
  readonly threshold: number;
  readonly confidence: number | undefined;
  readonly outcome: 'accepted' | 'escalated' | 'skipped' | 'failed';
  readonly reason: string;
  readonly usage: UsageView;
  readonly latencyMs: number;
  readonly notes: readonly string[];
}

export interface CascadeView {
  readonly attempts: readonly AttemptView[];
  /** The cascade on one line, exactly as `hubgen show` prints it. */
  readonly summary: string;
  readonly escalated: boolean;
  readonly acceptedBelowThreshold: boolean;
}

export interface ArtefactRef {
  readonly phase: PhaseName;
  readonly hash: string;
  /** ok: read and verified against its checksum. */
  readonly status: 'ok' | 'missing' | 'corrupt';
  readonly problem: string | undefined;
  readonly cached: boolean | undefined;
  readonly latencyMs: number | undefined;
  readonly usage: UsageView | undefined;
}

/** Everything one theme went through, phase by phase. */
export interface ThemeTrail {
  readonly themeId: string;
  readonly title: string;
  /** on-page, removed (Phase 3) or dropped (Phase 4), with why. */
  readonly fate: { readonly status: 'on-page' | 'removed' | 'dropped' | 'unknown'; readonly reason: string | undefined };
  readonly themes:
    | {
        readonly position: number;
        readonly confidence: number;
        readonly description: string;
        readonly concepts: readonly string[];
        readonly categories: readonly string[];
        readonly departments: readonly string[];
      }
    | undefined;
  readonly keywords:
    | {
        readonly candidateCount: number;
        /** Only recorded when an LLM tier answered (for distillation); empty otherwise. */
        readonly candidates: readonly { readonly text: string; readonly similarity: number; readonly chosen: boolean }[];
        readonly chosen: readonly { readonly text: string; readonly inCorpus: boolean; readonly score: number }[];
        readonly dropped: readonly { readonly text: string; readonly reason: string }[];
        readonly role: string;
        readonly model: string;
        readonly confidence: number;
        readonly cascade: CascadeView | undefined;
      }
    | undefined;
  readonly filter:
    | {
        readonly removals: readonly { readonly step: string; readonly kind: string; readonly item: string; readonly reason: string; readonly score: number | undefined }[];
        readonly keptKeywords: readonly { readonly text: string; readonly relevance: number }[];
        readonly judgement: { readonly role: string; readonly model: string; readonly criteria: readonly { readonly name: string; readonly pass: boolean; readonly reason: string }[] } | undefined;
        readonly cascade: CascadeView | undefined;
      }
    | undefined;
  readonly assemble:
    | {
        readonly products: readonly { readonly name: string; readonly keyword: string; readonly score: number }[];
        readonly notes: readonly string[];
      }
    | undefined;
}

export interface PageView {
  readonly source: PageSource;
  readonly sourceLabel: string;
  readonly userId: string;
  readonly status: 'ok' | 'failed';
  readonly error: string | undefined;
  readonly title: string | undefined;
  readonly themes: readonly PageThemeView[];
  readonly dropped: readonly { readonly title: string; readonly reason: string }[];
  readonly history: HistoryView | undefined;
  readonly target: TargetView | undefined;
  /** What the page's artefacts cost when computed (cached or not). */
  readonly cost: UsageView;
  readonly wallMs: number | undefined;
  /** Phase 1's cascade: one per page. */
  readonly themesCascade: CascadeView | undefined;
  readonly trails: readonly ThemeTrail[];
  readonly artefacts: readonly ArtefactRef[];
}

export interface ArtefactView {
  readonly hash: string;
  readonly phase: string | undefined;
  readonly createdAt: string | undefined;
  readonly checksum: string | undefined;
  /** The key's inputs: upstream artefact addresses, or digests of raw inputs (user context, corpus). */
  readonly inputs: readonly { readonly value: string; readonly inStore: boolean }[];
  readonly status: 'ok' | 'corrupt';
  readonly problem: string | undefined;
  /** The stored file, pretty-printed when it parses. */
  readonly json: string;
}

export interface PageDiff {
  readonly userId: string;
  readonly a: { readonly label: string; readonly source: PageSource; readonly status: string; readonly cost: UsageView; readonly themes: number; readonly products: number };
  readonly b: { readonly label: string; readonly source: PageSource; readonly status: string; readonly cost: UsageView; readonly themes: number; readonly products: number };
  readonly themesAdded: readonly { readonly id: string; readonly title: string; readonly position: number }[];
  readonly themesRemoved: readonly { readonly id: string; readonly title: string; readonly position: number }[];
  readonly themesKept: readonly {
    readonly id: string;
    readonly title: string;
    readonly positionA: number;
    readonly positionB: number;
    readonly productsAdded: readonly string[];
    readonly productsRemoved: readonly string[];
  }[];
  /** Products on one page and not the other, whatever theme they sit in. */
  readonly productsAdded: readonly string[];
  readonly productsRemoved: readonly string[];
  /** b − a; undefined when either cost is unknown. */
  readonly costDeltaUsd: number | undefined;
  readonly tokensDelta: { readonly input: number | undefined; readonly output: number | undefined };
}

export interface EvalRow {
  readonly root: string;
  readonly report: string;
  readonly createdAt: string;
  readonly users: number;
  readonly variants: readonly string[];
  readonly simulatedRoles: readonly string[];
  readonly plots: readonly string[];
}

export interface EvalDetail {
  readonly eval: EvalRow;
  /** The report's own tables, as header + rows of text. */
  readonly tables: readonly { readonly title: string; readonly note: string | undefined; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] }[];
  /** Plots written beside the report, served at /evals/<root>/<report>/plots/<id>.svg. */
  readonly plots: readonly { readonly id: string; readonly title: string; readonly caption: string }[];
  /** Per-user rows of one variant, paginated. */
  readonly variant: string;
  readonly pages: Paged<{ readonly userId: string; readonly costUsd: number | null; readonly themes: number; readonly products: number; readonly targetRecall: number | null; readonly escalated: readonly string[] }>;
  readonly failures: readonly { readonly variant: string; readonly userId: string; readonly error: string }[];
}

export interface SearchHit {
  readonly source: PageSource;
  readonly label: string;
  readonly status: string;
  readonly createdAt: string;
}
