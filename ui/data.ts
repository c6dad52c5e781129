/**
 * Every read the web inspector makes — run manifests, artefacts, eval results, the catalogue and
 * user histories — and the mapping from their stored shapes to the view models in model.ts. Nothing
 * else under ui/ knows how runs are stored, so a change to the manifest or artefact shapes lands here
 * and only here.
 *
 * Memory stays bounded on a large store: runs are listed by directory name and only the manifests of
 * the page being shown are parsed; a page reads its own four artefacts by address; nothing ever lists
 * the artefact store. Parsed manifests (with the users their run's journal adds while it goes) and
 * eval results are cached a few at a time, keyed by their files' mtime and size, so paging through
 * one big run does not re-parse it on every click.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile as fsReadFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { journalPath, listRuns, manifestPath, parseManifest, withJournal, type RunManifest, type UserRecord } from '../pipelines/manifest.js';
import { summariseRun } from '../pipelines/summary.js';
import { contextOfUser } from '../catalogue/user-context.js';
import { FsArtefactStore } from '../kit/artefacts/fs-store.js';
import { integrityProblem, type Artefact } from '../kit/artefacts/artefact.js';
import { acceptedBelowThreshold, cascadeEscalated } from '../kit/provenance.js';
import type { Attempt } from '../kit/cascade.js';
import { addUsage, ZERO_USAGE, type Usage } from '../llm/usage.js';
import { targetRecall } from '../evals/metrics.js';
import { reportSections } from '../evals/report.js';
import type { EvalResult } from '../evals/runner.js';
import { userHistory } from '../catalogue/history.js';
import type { Dataset } from '../catalogue/types.js';
import type { Themes } from '../phases/themes/schema.js';
import type { Keywords } from '../phases/keywords/schema.js';
import type { Filtered } from '../phases/filter/schema.js';
import type { Page } from '../phases/assemble/schema.js';
import type { KeywordStepDetail } from '../phases/keywords/run.js';
import { diffPages } from './diff.js';
import { paginate, pagedOf } from './pagination.js';
import { artefactHash, assertInside, insideDir, plainName } from './paths.js';
import type {
  ArtefactRef,
  ArtefactView,
  AttemptView,
  CascadeView,
  EvalDetail,
  EvalRow,
  HistoryView,
  PageDiff,
  PageSource,
  PageThemeView,
  PageView,
  Paged,
  PhaseName,
  PhaseStats,
  RunDetail,
  RunRow,
  RunUserRow,
  SearchHit,
  TargetView,
  ThemeTrail,
  UsageView,
} from './model.js';
import { PHASES } from './model.js';
import { formatAttempts, formatPageReport } from '../pipelines/page-report.js';

// ---------------------------------------------------------------------------------------------
// Stored names

/** The key each phase has in a run manifest and in an eval page's artefactHashes (tests use it too, so a rename lands here). */
export const STORED_PHASE: Record<PhaseName, string> = { themes: 'themes', keywords: 'keywords', filter: 'filter', assemble: 'assemble' };
const phaseOfStored = (stored: string): PhaseName | undefined => PHASES.find((p) => STORED_PHASE[p] === stored);
const viewPhase = (stored: string): PhaseName => phaseOfStored(stored) ?? (stored as PhaseName);

export interface PageArtefacts {
  readonly themes?: Artefact<Themes>;
  readonly keywords?: Artefact<Keywords>;
  readonly filter?: Artefact<Filtered>;
  readonly assemble?: Artefact<Page>;
}

// ---------------------------------------------------------------------------------------------
// Options

export interface EvalRoot {
  /** Shown in URLs: /evals/<label>/<report>. */
  readonly label: string;
  /** A folder of eval report folders (each with result.json, report.md, plots/). */
  readonly dir: string;
}

export interface UiDataOptions {
  readonly workDir: string;
  /** Eval report folders besides <workDir>/evals (label "work"). */
  readonly evalRoots?: readonly EvalRoot[];
  /**
   * The dataset, for history summaries, category names and evaluation targets. Called once, on the
   * first page that needs it; resolving to undefined shows pages without them.
   */
  readonly loadDataset?: () => Promise<Dataset | undefined>;
  readonly pageSizes?: { readonly runs?: number; readonly users?: number; readonly evals?: number; readonly search?: number };
  /** Test seams. readFile sees every file the inspector reads. */
  readonly _internal?: { readonly readFile?: (path: string) => Promise<string> };
}

export interface UiData {
  listRuns(page: number): Promise<Paged<RunRow>>;
  runDetail(runId: string, options: { page: number; filter?: RunDetail['filter'] }): Promise<RunDetail | undefined>;
  page(source: PageSource, userId: string): Promise<PageView | undefined>;
  /** The same page as `hubgen show` prints it. */
  pageReport(source: PageSource, userId: string): Promise<string | undefined>;
  artefact(hash: string): Promise<ArtefactView | undefined>;
  diff(a: PageSource, b: PageSource, userId: string): Promise<PageDiff | { readonly missing: readonly PageSource[] }>;
  listEvals(page: number): Promise<Paged<EvalRow>>;
  evalDetail(root: string, report: string, options: { variant?: string; page: number }): Promise<EvalDetail | undefined>;
  evalPlot(root: string, report: string, file: string): Promise<string | undefined>;
  /** Runs (newest first) and eval variants that have a page for the user; `cursor` continues a long scan of runs. */
  search(userId: string, cursor?: number): Promise<{ readonly hits: readonly SearchHit[]; readonly nextCursor: number | undefined; readonly scanned: number; readonly runs: number }>;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const usageView = (u: Usage): UsageView => ({ inputTokens: u.inputTokens, outputTokens: u.outputTokens, costUsd: u.costUsd, calls: u.calls });

function attemptView(a: Attempt): AttemptView {
  return { role: a.role, model: a.model, threshold: a.threshold, confidence: a.confidence, outcome: a.outcome, reason: a.reason, usage: usageView(a.usage), latencyMs: a.latencyMs, notes: a.notes ?? [] };
}

function cascadeView(attempts: readonly Attempt[] | undefined): CascadeView | undefined {
  if (!attempts?.length) return undefined;
  return { attempts: attempts.map(attemptView), summary: formatAttempts(attempts), escalated: cascadeEscalated(attempts), acceptedBelowThreshold: acceptedBelowThreshold(attempts) };
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR';

/** mtime and size of a file that may be missing (then "none"). */
async function statKey(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch (e) {
    if (isMissing(e)) return 'none';
    throw e;
  }
}

/**
 * A handful of parsed files, keyed by path and invalidated by mtime/size (of `path`, which must
 * exist, and of any files read with it, such as a run's journal); oldest evicted first.
 */
function statCache<T>(capacity: number) {
  const entries = new Map<string, { key: string; value: T }>();
  return async (path: string, load: () => Promise<T>, readWith: readonly string[] = []): Promise<T> => {
    const s = await stat(path);
    const key = [`${s.mtimeMs}:${s.size}`, ...(await Promise.all(readWith.map(statKey)))].join('|');
    const hit = entries.get(path);
    if (hit?.key === key) return hit.value;
    const value = await load();
    entries.delete(path);
    entries.set(path, { key, value });
    while (entries.size > capacity) entries.delete(entries.keys().next().value!);
    return value;
  };
}

export const sourceLabel = (s: PageSource): string => (s.kind === 'run' ? `run ${s.runId}` : `${s.root}/${s.report} · ${s.variant}`);

// ---------------------------------------------------------------------------------------------

export function createUiData(options: UiDataOptions): UiData {
  const workDir = resolve(options.workDir);
  const runsDir = join(workDir, 'runs');
  const store = new FsArtefactStore(join(workDir, 'artefacts'));
  const evalRoots: EvalRoot[] = [{ label: 'work', dir: join(workDir, 'evals') }, ...(options.evalRoots ?? [])];
  const sizes = { runs: 20, users: 50, evals: 20, search: 20, ...options.pageSizes };
  const readText = options._internal?.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  const manifests = statCache<RunManifest>(2);
  const evalResults = statCache<EvalResult>(2);
  const runRows = statCache<RunRow>(500);

  let dataset: Promise<Dataset | undefined> | undefined;
  const getDataset = () => (dataset ??= (options.loadDataset?.() ?? Promise.resolve(undefined)).catch(() => undefined));

  // --- runs ------------------------------------------------------------------------------------

  /** A run's manifest.json and its journal (which grows while the run goes): the run's whole manifest. */
  const runFiles = (runId: string) => {
    const id = plainName(runId, 'run id');
    return { path: assertInside(runsDir, manifestPath(runsDir, id)), journal: [journalPath(runsDir, id)] };
  };

  async function manifestOf(runId: string): Promise<RunManifest | undefined> {
    const { path, journal } = runFiles(runId);
    try {
      return await manifests(path, async () => withJournal(runsDir, parseManifest(await readText(path), path)), journal);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  function runRow(m: RunManifest): RunRow {
    const s = summariseRun(m);
    const wall = Date.parse(m.updatedAt) - Date.parse(m.createdAt);
    return {
      runId: m.runId,
      pipeline: m.pipeline,
      status: m.status,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      users: s.users,
      ok: s.ok,
      failed: s.failed,
      emptyPages: s.emptyPages.length,
      notStarted: s.notStarted,
      spent: usageView(s.spent),
      phases: s.phases.map(
        (p): PhaseStats => ({
          phase: viewPhase(p.phase),
          pages: p.pages,
          cacheHits: p.cacheHits,
          cascades: p.cascades,
          escalationRate: p.escalationRate,
          belowThresholdRate: p.belowThresholdRate,
          spent: usageView(p.spent),
          latencyP50Ms: p.latencyP50Ms,
        }),
      ),
      wallP50Ms: s.wallP50Ms,
      wallP95Ms: s.wallP95Ms,
      wallMs: Number.isFinite(wall) ? wall : undefined,
      // A run with thousands of failures would otherwise carry them all into every list page.
      failures: s.failures.slice(0, 10).map((f) => ({ userId: String(f.userId), error: f.error })),
    };
  }

  async function runRowOf(runId: string): Promise<RunRow | undefined> {
    const { path, journal } = runFiles(runId);
    try {
      return await runRows(
        path,
        async () => {
          const m = await manifestOf(runId);
          if (!m) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
          return runRow(m);
        },
        journal,
      );
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  function userRow(u: UserRecord): RunUserRow {
    const phases = Object.values(u.phases ?? {});
    return {
      userId: String(u.userId),
      status: u.status,
      error: u.error,
      themesOnPage: u.quality?.themesOnPage,
      themesProposed: u.quality?.themesProposed,
      products: u.quality?.products,
      escalations: phases.reduce((n, p) => n + p.escalations, 0),
      cost: usageView(phases.length ? addUsage(...phases.map((p) => p.usage)) : ZERO_USAGE),
      wallMs: u.wallMs,
    };
  }

  const matchesFilter = (u: UserRecord, filter: RunDetail['filter']): boolean =>
    filter === 'all' || (filter === 'empty' ? u.status === 'ok' && u.quality?.themesOnPage === 0 : u.status === filter);

  // --- artefacts -------------------------------------------------------------------------------

  async function readArtefact<T>(hash: string): Promise<{ status: 'ok'; artefact: Artefact<T> } | { status: 'missing' } | { status: 'corrupt'; problem: string; text: string }> {
    const path = assertInside(store.dir, store.pathOf(artefactHash(hash)));
    let text: string;
    try {
      text = await readText(path);
    } catch (e) {
      if (isMissing(e)) return { status: 'missing' };
      throw e;
    }
    let parsed: Artefact<T>;
    try {
      parsed = JSON.parse(text) as Artefact<T>;
    } catch (e) {
      return { status: 'corrupt', problem: `not valid JSON (${(e as Error).message})`, text };
    }
    const problem = integrityProblem(parsed, hash);
    return problem ? { status: 'corrupt', problem, text } : { status: 'ok', artefact: parsed };
  }

  /** An artefact's key inputs, marking the ones that are themselves stored artefacts (upstream phases) so they can be linked. */
  async function inputsOf(inputs: readonly string[]): Promise<{ value: string; inStore: boolean }[]> {
    return Promise.all(
      inputs.map(async (value) => ({
        value,
        inStore: /^[0-9a-f]{64}$/.test(value) && (await stat(store.pathOf(value)).then(() => true, () => false)),
      })),
    );
  }

  /** The stored page: its record (status, hashes) from a run manifest or an eval result. */
  async function recordOf(source: PageSource, userId: string): Promise<{ status: 'ok' | 'failed'; error?: string; wallMs?: number; hashes: Partial<Record<PhaseName, { hash: string; cached?: boolean }>> } | undefined> {
    if (source.kind === 'run') {
      const rec = (await manifestOf(source.runId))?.users[userId];
      if (!rec) return undefined;
      const hashes: Partial<Record<PhaseName, { hash: string; cached?: boolean }>> = {};
      for (const [stored, p] of Object.entries(rec.phases ?? {})) hashes[viewPhase(stored)] = { hash: p.hash, cached: p.cached };
      return { status: rec.status, error: rec.error, wallMs: rec.wallMs, hashes };
    }
    const result = await evalResultOf(source.root, source.report);
    const variant = result?.variants.find((v) => v.name === source.variant);
    if (!variant) return undefined;
    const failure = variant.failures.find((f) => String(f.userId) === userId);
    if (failure) return { status: 'failed', error: failure.error, hashes: {} };
    const page = variant.pages.find((p) => String(p.userId) === userId);
    if (!page) return undefined;
    const hashes: Partial<Record<PhaseName, { hash: string }>> = {};
    for (const [stored, hash] of Object.entries(page.artefactHashes)) if (hash) hashes[viewPhase(stored)] = { hash };
    return { status: 'ok', wallMs: page.wallMs, hashes };
  }

  async function loadArtefacts(hashes: Partial<Record<PhaseName, { hash: string; cached?: boolean }>>): Promise<{ artefacts: PageArtefacts; refs: ArtefactRef[] }> {
    const artefacts: Record<string, Artefact> = {};
    const refs: ArtefactRef[] = [];
    for (const phase of PHASES) {
      const h = hashes[phase];
      if (!h) continue;
      const r = await readArtefact(h.hash);
      if (r.status === 'ok') artefacts[phase] = r.artefact;
      const art = r.status === 'ok' ? r.artefact : undefined;
      refs.push({
        phase,
        hash: h.hash,
        status: r.status,
        problem: r.status === 'corrupt' ? r.problem : r.status === 'missing' ? 'not in the artefact store (deleted, or the run used another work dir)' : undefined,
        cached: h.cached,
        latencyMs: art?.provenance.latencyMs,
        usage: art ? usageView(art.provenance.usage) : undefined,
      });
    }
    return { artefacts: artefacts as PageArtefacts, refs };
  }

  // --- catalogue, history, target --------------------------------------------------------------

  function categoryOf(dataset: Dataset | undefined, categoryId: string, departmentId: string) {
    return {
      category: { id: categoryId, name: dataset?.catalogue.categories.get(categoryId)?.name ?? `category ${categoryId}` },
      department: { id: departmentId, name: dataset?.catalogue.departments.get(departmentId)?.name ?? `department ${departmentId}` },
    };
  }

  function historyOf(dataset: Dataset | undefined, userId: string): HistoryView | undefined {
    if (!dataset || !dataset.users.has(userId)) return undefined;
    const uc = contextOfUser(dataset, userId).context;
    return {
      orders: uc.historyOrders,
      reorderRate: uc.reorderRate,
      topCategories: uc.topCategories.map((a) => ({ name: a.name, share: a.share })),
      topDepartments: uc.topDepartments.map((d) => ({ name: d.name, share: d.share })),
      frequentProducts: uc.frequentProducts.map((p) => ({ id: String(p.id), name: p.name, orders: p.orders })),
    };
  }

  function targetOf(dataset: Dataset | undefined, userId: string, page: Page | undefined): TargetView | undefined {
    const user = dataset?.users.get(userId);
    if (!dataset || !user) return undefined;
    const target = userHistory(dataset, userId).target;
    if (!target) return undefined;
    const targetIds = [...new Set(target.lines.map((l) => l.productId))];
    const onPage = (page?.themes ?? []).flatMap((t) => t.products.map((p) => p.productId));
    const onPageSet = new Set(onPage);
    return {
      // Instacart's train users' targets are real next orders; elsewhere the target is the held-out last order.
      kind: user.segment === 'train' ? 'next order' : 'held-out last order',
      products: targetIds.length,
      hits: targetIds.filter((id) => onPageSet.has(id)).map((id) => ({ id: String(id), name: dataset.catalogue.products.get(id)?.name ?? `product ${id}` })),
      recall: targetRecall(onPage, targetIds) ?? 0,
    };
  }

  // --- page view and trail ---------------------------------------------------------------------

  function pageThemes(page: Page | undefined, dataset: Dataset | undefined, targetIds: ReadonlySet<string> | undefined): PageThemeView[] {
    return (page?.themes ?? []).map((t) => ({
      id: t.id,
      title: t.title,
      description: t.description,
      keywords: t.keywords,
      products: t.products.map((p) => ({
        id: String(p.productId),
        name: p.name,
        ...categoryOf(dataset, p.categoryId, p.departmentId),
        keyword: p.keyword,
        score: p.score,
        relevance: p.relevance,
        affinity: p.affinity,
        popularity: p.popularity,
        inTarget: targetIds ? targetIds.has(String(p.productId)) : undefined,
      })),
    }));
  }

  const norm = (s: string) => s.trim().toLowerCase();

  function trailsOf(a: PageArtefacts): ThemeTrail[] {
    const themes = a.themes?.data.themes ?? [];
    // Single-step pages have no Phase 1 artefact: their themes first appear in Phase 3 and 4.
    const ids = [
      ...new Set([
        ...themes.map((t) => t.id),
        ...(a.filter?.data.themes.map((t) => t.id) ?? []),
        ...(a.filter?.data.removals.filter((r) => r.kind === 'theme').map((r) => r.themeId) ?? []),
        ...(a.assemble?.data.themes.map((t) => t.id) ?? []),
      ]),
    ];
    const stepAttempts = (art: Artefact | undefined, name: string, id: string) => {
      const steps = art?.provenance.steps ?? [];
      return (steps.find((s) => s.name === name) ?? steps.find((s) => s.name.endsWith(`:${id}`)))?.attempts;
    };
    return ids.map((id): ThemeTrail => {
      const t1 = themes.findIndex((t) => t.id === id);
      const p1 = t1 >= 0 ? themes[t1] : undefined;
      const kw = a.keywords?.data.themes.find((t) => t.themeId === id);
      const kwStep = a.keywords?.provenance.steps?.find((s) => s.name === `theme:${id}`);
      const detail = kwStep?.detail as KeywordStepDetail | undefined;
      const chosen = new Set((kw?.keywords ?? []).map((k) => norm(k.text)));
      const removals = (a.filter?.data.removals ?? []).filter((r) => r.themeId === id);
      const kept = a.filter?.data.themes.find((t) => t.id === id);
      const judged = a.filter?.data.judgements.find((j) => j.themeId === id);
      const onPage = a.assemble?.data.themes.find((t) => t.id === id);
      const dropped = a.assemble?.data.dropped.find((d) => d.themeId === id);
      const removedTheme = removals.find((r) => r.kind === 'theme');
      const title = onPage?.title ?? kept?.title ?? p1?.title ?? removedTheme?.item ?? dropped?.title ?? id;
      return {
        themeId: id,
        title,
        fate: onPage
          ? { status: 'on-page', reason: undefined }
          : removedTheme
            ? { status: 'removed', reason: `Phase 3 ${removedTheme.step}: ${removedTheme.reason}` }
            : dropped
              ? { status: 'dropped', reason: `Phase 4: ${dropped.reason}` }
              : { status: 'unknown', reason: a.assemble ? 'not on the page, and no phase recorded why' : 'the page artefact is missing' },
        themes: p1 && { position: t1 + 1, confidence: p1.confidence, description: p1.description, concepts: p1.concepts, categories: p1.categories, departments: p1.departments },
        keywords: kw && {
          candidateCount: kw.candidateCount,
          candidates: (detail?.llmView?.candidates ?? []).map((c) => ({ text: c.text, similarity: c.similarity, chosen: chosen.has(norm(c.text)) })),
          chosen: kw.keywords.map((k) => ({ text: k.text, inCorpus: k.inCorpus, score: k.score })),
          dropped: (a.keywords?.data.droppedKeywords ?? []).filter((d) => d.themeId === id).map((d) => ({ text: d.text, reason: d.reason })),
          role: kw.role,
          model: kw.model,
          confidence: kw.confidence,
          cascade: cascadeView(kwStep?.attempts ?? stepAttempts(a.keywords, `theme:${id}`, id)),
        },
        filter: a.filter && {
          removals: removals.map((r) => ({ step: r.step, kind: r.kind, item: r.item, reason: r.reason, score: r.score })),
          keptKeywords: (kept?.keywords ?? []).map((k) => ({ text: k.text, relevance: k.relevance })),
          judgement: judged && { role: judged.role, model: judged.model, criteria: Object.entries(judged.verdict.criteria).map(([name, v]) => ({ name, pass: v.pass, reason: v.reason })) },
          cascade: cascadeView(stepAttempts(a.filter, `judge:${id}`, id)),
        },
        assemble: onPage && { products: onPage.products.map((p) => ({ name: p.name, keyword: p.keyword, score: p.score })), notes: onPage.notes ?? [] },
      };
    });
  }

  async function pageView(source: PageSource, userId: string): Promise<PageView | undefined> {
    const rec = await recordOf(source, userId);
    if (!rec) return undefined;
    const { artefacts, refs } = await loadArtefacts(rec.hashes);
    const dataset = await getDataset();
    const page = artefacts.assemble?.data;
    const target = targetOf(dataset, userId, page);
    const targetIds = dataset && target ? new Set(userHistory(dataset, userId).target!.lines.map((l) => l.productId)) : undefined;
    const loaded = Object.values(artefacts) as Artefact[];
    return {
      source,
      sourceLabel: sourceLabel(source),
      userId,
      status: rec.status,
      error: rec.error,
      title: page?.pageTitle ?? artefacts.filter?.data.pageTitle ?? artefacts.themes?.data.pageTitle,
      themes: pageThemes(page, dataset, targetIds),
      dropped: (page?.dropped ?? []).map((d) => ({ title: d.title, reason: d.reason })),
      history: historyOf(dataset, userId),
      target,
      cost: usageView(loaded.length ? addUsage(...loaded.map((x) => x.provenance.usage)) : ZERO_USAGE),
      wallMs: rec.wallMs,
      themesCascade: cascadeView(artefacts.themes?.provenance.attempts),
      trails: trailsOf(artefacts),
      artefacts: refs,
    };
  }

  // --- evals -----------------------------------------------------------------------------------

  function evalRootDir(label: string): string | undefined {
    return evalRoots.find((r) => r.label === label)?.dir;
  }

  async function evalResultOf(root: string, report: string): Promise<EvalResult | undefined> {
    const dir = evalRootDir(plainName(root, 'eval root'));
    if (!dir) return undefined;
    const path = insideDir(dir, plainName(report, 'eval report'), 'result.json');
    try {
      return await evalResults(path, async () => JSON.parse(await readText(path)) as EvalResult);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** Every report folder under every root, newest first: names only, nothing parsed. */
  async function evalNames(): Promise<{ root: string; report: string }[]> {
    const out: { root: string; report: string; createdAt: number }[] = [];
    for (const r of evalRoots) {
      let entries: Dirent[];
      try {
        entries = await readdir(r.dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of entries) {
        if (!d.isDirectory() || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(d.name) || d.name.includes('..')) continue;
        try {
          out.push({ root: r.label, report: d.name, createdAt: (await stat(join(r.dir, d.name, 'result.json'))).mtimeMs });
        } catch {
          // A folder without result.json is not a report.
        }
      }
    }
    return out.sort((a, b) => b.createdAt - a.createdAt).map(({ root, report }) => ({ root, report }));
  }

  function evalRow(root: string, report: string, r: EvalResult): EvalRow {
    return {
      root,
      report,
      createdAt: r.createdAt,
      users: r.users.length,
      variants: r.variants.map((v) => v.name),
      simulatedRoles: r.simulatedRoles,
      plots: reportSections(r).plots.map((p) => p.id),
    };
  }

  // --- the API ---------------------------------------------------------------------------------

  return {
    async listRuns(page) {
      const ids = (await listRuns(runsDir)).reverse();
      const slice = paginate(ids, page, sizes.runs);
      const rows: RunRow[] = [];
      for (const id of slice.items) {
        const row = await runRowOf(id);
        if (row) rows.push(row);
      }
      return pagedOf(rows, slice.page, sizes.runs, ids.length);
    },

    async runDetail(runId, { page, filter = 'all' }) {
      const m = await manifestOf(runId);
      if (!m) return undefined;
      const users = Object.values(m.users).filter((u) => matchesFilter(u, filter));
      const slice = paginate(users, page, sizes.users);
      return { run: runRow(m), users: { ...slice, items: slice.items.map(userRow) }, filter };
    },

    page: pageView,

    async pageReport(source, userId) {
      const rec = await recordOf(source, userId);
      if (!rec) return undefined;
      if (rec.status === 'failed') return `user ${userId} failed in ${sourceLabel(source)}: ${rec.error}`;
      const { artefacts: a } = await loadArtefacts(rec.hashes);
      return `${sourceLabel(source)} · user ${userId}${rec.wallMs === undefined ? '' : ` · ${rec.wallMs} ms`}\n${formatPageReport({ themes: a.themes, keywords: a.keywords, filter: a.filter, assemble: a.assemble })}`;
    },

    async artefact(hash) {
      const r = await readArtefact<unknown>(hash);
      if (r.status === 'missing') return undefined;
      if (r.status === 'corrupt') {
        let json = r.text;
        try {
          json = JSON.stringify(JSON.parse(r.text), null, 2);
        } catch {
          // Not JSON: show the text as stored.
        }
        const parsed = (() => {
          try {
            return JSON.parse(r.text) as Partial<Artefact>;
          } catch {
            return undefined;
          }
        })();
        return { hash, phase: parsed?.key?.phase && viewPhase(parsed.key.phase), createdAt: parsed?.createdAt, checksum: parsed?.checksum, inputs: await inputsOf(parsed?.key?.inputs ?? []), status: 'corrupt', problem: r.problem, json };
      }
      const a = r.artefact;
      return { hash, phase: viewPhase(a.key.phase), createdAt: a.createdAt, checksum: a.checksum, inputs: await inputsOf(a.key.inputs), status: 'ok', problem: undefined, json: JSON.stringify(a, null, 2) };
    },

    async diff(a, b, userId) {
      const [pa, pb] = await Promise.all([pageView(a, userId), pageView(b, userId)]);
      if (!pa || !pb) return { missing: [...(pa ? [] : [a]), ...(pb ? [] : [b])] };
      return diffPages(pa, pb);
    },

    async listEvals(page) {
      const names = await evalNames();
      const slice = paginate(names, page, sizes.evals);
      const rows: EvalRow[] = [];
      for (const { root, report } of slice.items) {
        const r = await evalResultOf(root, report);
        if (r) rows.push(evalRow(root, report, r));
      }
      return pagedOf(rows, slice.page, sizes.evals, names.length);
    },

    async evalDetail(root, report, { variant, page }) {
      const r = await evalResultOf(root, report);
      if (!r) return undefined;
      const v = r.variants.find((x) => x.name === variant) ?? r.variants[0];
      const sections = reportSections(r);
      const pages = paginate(v?.pages ?? [], page, sizes.users);
      return {
        eval: evalRow(root, report, r),
        tables: sections.tables.map((t) => ({ title: t.title, note: t.note, head: t.table.head, rows: t.table.rows })),
        plots: sections.plots,
        variant: v?.name ?? '',
        pages: {
          ...pages,
          items: pages.items.map((p) => ({
            userId: String(p.userId),
            costUsd: p.cost.costUsd ?? null,
            themes: p.themes,
            products: p.products,
            targetRecall: p.targetRecall,
            escalated: Object.entries(p.escalation)
              .filter(([, e]) => e.escalated)
              .map(([phase]) => viewPhase(phase)),
          })),
        },
        failures: r.variants.flatMap((x) => x.failures.map((f) => ({ variant: x.name, userId: String(f.userId), error: f.error }))),
      };
    },

    async evalPlot(root, report, file) {
      const dir = evalRootDir(plainName(root, 'eval root'));
      if (!dir || !/^[a-z0-9-]+\.svg$/.test(file)) return undefined;
      const path = insideDir(dir, plainName(report, 'eval report'), 'plots', plainName(file, 'plot'));
      try {
        return await readText(path);
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
    },

    async search(userId, cursor = 0) {
      const ids = (await listRuns(runsDir)).reverse();
      const hits: SearchHit[] = [];
      let at = cursor;
      // One manifest at a time, stopping at a page of hits: memory is one manifest, however many runs.
      for (; at < ids.length && hits.length < sizes.search; at++) {
        const m = await manifestOf(ids[at]);
        const u = m?.users[userId];
        if (m && u) hits.push({ source: { kind: 'run', runId: m.runId }, label: `run ${m.runId}`, status: u.status, createdAt: m.createdAt });
      }
      if (cursor === 0) {
        for (const { root, report } of await evalNames()) {
          const r = await evalResultOf(root, report);
          for (const v of r?.variants ?? []) {
            const failed = v.failures.some((f) => String(f.userId) === userId);
            if (failed || v.pages.some((p) => String(p.userId) === userId)) {
              const source: PageSource = { kind: 'eval', root, report, variant: v.name };
              hits.push({ source, label: sourceLabel(source), status: failed ? 'failed' : 'ok', createdAt: r!.createdAt });
            }
          }
        }
      }
      return { hits, nextCursor: at < ids.length ? at : undefined, scanned: at - cursor, runs: ids.length };
    },
  };
}
