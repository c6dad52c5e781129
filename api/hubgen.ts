import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig, type HubgenConfig } from '../config/config.js';
import type { Dataset } from '../catalogue/types.js';
import { contextOfUser, userContextFor } from '../catalogue/user-context.js';
import type { PhaseName } from '../kit/phase.js';
import { addUsage, ZERO_USAGE, type Usage } from '../llm/usage.js';
import { jsonIndexState, startIndexAll, type IndexProgress, type IndexSummary, type StartedIndex } from '../retrieval/index-catalogue.js';
import type { Page } from '../phases/assemble/schema.js';
import { createRuntime, type Runtime } from '../pipelines/runtime.js';
import { cascadedPipeline, runCascadedPage } from '../pipelines/cascaded.js';
import { runPages } from '../pipelines/run.js';
import { newRunId, readManifest, resolveRunId, type RunManifest, type UserRecord } from '../pipelines/manifest.js';
import { acquireRunLock } from '../pipelines/run-lock.js';
import type { RunSummary } from '../pipelines/summary.js';
import { phaseRecord } from '../pipelines/summary.js';
import { parseUserSelection, selectUsers, type UserSelection } from '../pipelines/select-users.js';
import { exportRun, pageExportRecord, type PageExportRecord } from '../pipelines/export.js';
import type { EvalResult, EvalProgress } from '../evals/runner.js';

export interface CreateHubgenOptions {
  /** A config file, as `hubgen --config`; by default ./hubgen.config.json in `cwd` when it exists. */
  readonly configFile?: string;
  /** Config values applied over the file and the environment (the same keys as the file). */
  readonly config?: Record<string, unknown>;
  readonly cwd?: string;
  /** Where API keys and HUBGEN_* overrides are read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Structured logs go here. @default silent */
  readonly logger?: Logger;
  /** Skip bad data rows (reported on `loadReport`) instead of failing on the first. */
  readonly lenient?: boolean;
}

export interface RunBatchOptions {
  /** Resume this run: users already done are skipped. */
  readonly runId?: string;
  readonly concurrency?: number;
  /** Stop starting new users once this run has spent this many dollars. */
  readonly budgetUsd?: number;
  readonly signal?: AbortSignal;
  readonly onUserDone?: (record: UserRecord, done: number, total: number) => void;
}

export interface EvaluateOptions {
  /** Ids, a selection, or a `--users` spec ("sample:200:train"). @default sample:50 */
  readonly users?: readonly string[] | UserSelection | string;
  /** e.g. ["cascaded", "single-step-local", "cascaded@themes.threshold=0.8"]. @default ["cascaded", "single-step-local"] */
  readonly variants?: readonly string[];
  readonly concurrency?: number;
  readonly judge?: boolean;
  readonly onProgress?: (p: EvalProgress) => void;
}

/** One user's page and what made it. */
export interface GeneratedPage {
  readonly page: Page;
  /** The same record `hubgen export` writes for the user (themes, products with scores, provenance, artefact hashes). */
  readonly record: PageExportRecord;
  /** What computing this page cost now (zero for what came from the cache). */
  readonly usage: Usage;
  /** Phase → whether its artefact came from the cache. */
  readonly cached: Readonly<Partial<Record<PhaseName, boolean>>>;
}

/**
 * hubgen as a library: the same configuration, data, models and stores as the CLI (which is a thin
 * layer over this), for a service or a notebook. Close it when done: it holds embedder workers and
 * open stores.
 */
export interface Hubgen {
  readonly config: HubgenConfig;
  readonly dataset: Dataset;
  /** The context phases run in and the data load report, for advanced use. */
  readonly runtime: Runtime;
  /** Builds or reuses the vector index, resolving when all of it is built (evaluate calls it first). */
  index(options?: IndexCallOptions): Promise<IndexSummary[]>;
  /**
   * Starts building the index if it needs it and resolves once pages can be made: the keyword
   * corpus is built, and the products collection may still be building in the background, category
   * by category, its searches waiting for the categories they filter on (generatePage and runBatch
   * call it first). `done` resolves when the whole index is built and persisted.
   */
  startIndex(options?: IndexCallOptions): Promise<{ readonly building: readonly string[]; readonly done: Promise<IndexSummary[]> }>;
  /** One user's page through the cascaded pipeline; artefacts are cached, so a second call is free. */
  generatePage(userId: string): Promise<GeneratedPage>;
  /**
   * Pages for many users with a run manifest under <workDir>/runs, as `hubgen run` makes them. The
   * manifest returned, every user's record in it, is read back from disk when the run has ended:
   * the run itself holds no per-user records, so its memory does not grow with the users.
   */
  runBatch(users: readonly string[] | UserSelection | string, options?: RunBatchOptions): Promise<{ readonly manifest: RunManifest; readonly summary: RunSummary }>;
  /** Offline evaluation, as `hubgen eval`: every variant on the same users, scored against their held-out orders. */
  evaluate(options?: EvaluateOptions): Promise<EvalResult>;
  /** A run's pages as export records, one per user ("latest" or a run id prefix). */
  exportRun(runRef: string): AsyncGenerator<PageExportRecord>;
  /** Users a selection resolves to, and requested ids the dataset does not have. */
  selectUsers(users: readonly string[] | UserSelection | string): { readonly users: readonly string[]; readonly unknown: readonly string[] };
  close(): Promise<void>;
}

/** Age past which an artefact temp file is a crashed write's, not one in progress. */
const STALE_TEMP_MS = 60_000;

export interface IndexCallOptions {
  /** Rebuild every collection even when it is current. */
  readonly force?: boolean;
  /** Embedding progress over the whole build; the first call's is the one reported. */
  readonly onProgress?: (p: IndexProgress) => void;
}

export async function createHubgen(options: CreateHubgenOptions = {}): Promise<Hubgen> {
  const env = options.env ?? process.env;
  const config = loadConfig({ file: options.configFile, overrides: options.config, env, cwd: options.cwd });
  const logger = options.logger ?? pino({ level: 'silent' });
  const runtime = await createRuntime({ config, logger, env, lenient: options.lenient });
  const { ctx, dataset } = runtime;
  const runsDir = resolve(config.workDir, 'runs');
  // The index is started once per instance (unless forced); runs search it while it finishes.
  let started: Promise<StartedIndex> | undefined;
  const stopIndexing = new AbortController();
  /** The store pages search: the index's view of it while the products collection is still building. */
  const searchableVectors = async () => {
    await api.startIndex();
    return (await started!).vectors;
  };

  const toSelection = (users: readonly string[] | UserSelection | string): UserSelection =>
    typeof users === 'string' ? parseUserSelection(users) : Array.isArray(users) ? { kind: 'ids', ids: users as readonly string[] } : (users as UserSelection);

  const api: Hubgen = {
    config,
    dataset,
    runtime,
    startIndex({ force = false, onProgress } = {}) {
      if (!force && started) return started;
      // A forced rebuild starts after any build still in flight has settled: never two on one collection.
      const previous = started?.then((s) => s.done).catch(() => {});
      started = (async () => {
        await previous;
        const s = await startIndexAll(ctx, {
          force,
          state: jsonIndexState(resolve(config.workDir, 'index-state.json')),
          onProgress,
          progressive: true,
          signal: stopIndexing.signal,
        });
        const done = s.done.then(async (summaries) => {
          // A build is minutes of work: persist it now, not only when the run that follows ends.
          if (summaries.some((x) => !x.reused)) {
            await (ctx.vectors as { flush?: () => Promise<void> }).flush?.();
            await (ctx.embedder as { flush?: () => Promise<void> }).flush?.();
          }
          return summaries;
        });
        done.catch(() => {}); // awaited by index(), the CLI and close()
        return { ...s, done };
      })();
      return started;
    },
    async index(options) {
      return (await api.startIndex(options)).done;
    },
    async generatePage(userId) {
      const vectors = await searchableVectors();
      const user = userContextFor(dataset, userId);
      const t0 = ctx.clock.monotonic();
      const { page, phases } = await runCascadedPage({ user }, { ...ctx, vectors });
      const results = Object.entries(phases) as [PhaseName, { artefact: { provenance: { usage: Usage } }; cached: boolean }][];
      const rec: UserRecord = {
        userId,
        status: 'ok',
        phases: Object.fromEntries(Object.entries(phases).map(([name, r]) => [name, phaseRecord(r.artefact, r.cached)])),
        wallMs: Math.round(ctx.clock.monotonic() - t0),
        finishedAt: new Date(ctx.clock.now()).toISOString(),
      };
      return {
        page: page.artefact.data,
        record: pageExportRecord('(library)', rec, page.artefact.data),
        usage: addUsage(ZERO_USAGE, ...results.filter(([, r]) => !r.cached).map(([, r]) => r.artefact.provenance.usage)),
        cached: Object.fromEntries(results.map(([name, r]) => [name, r.cached])),
      };
    },
    async runBatch(users, opts = {}) {
      const { users: ids } = api.selectUsers(users);
      const vectors = await searchableVectors();
      // Writes a crash cut off left temp files; a minute is far longer than any write takes, so a
      // run sharing the work dir never loses one in flight.
      const swept = await ctx.artefacts.removeStaleTemps?.(STALE_TEMP_MS);
      if (swept) ctx.logger.info({ removed: swept }, 'removed temp files of artefact writes a crash cut off');
      // The id is settled here so the run can be locked before anything is read or paid for: a second
      // process on the same run refuses (RunLockedError) instead of doing and paying for it all again.
      const runId = opts.runId ?? newRunId(new Date(ctx.clock.now()));
      const lock = await acquireRunLock(runsDir, runId);
      try {
        const { summary } = await runPages({
          ctx: { ...ctx, vectors },
          contextFor: (id) => userContextFor(dataset, id),
          users: ids,
          pipeline: cascadedPipeline,
          runsDir,
          runId,
          concurrency: opts.concurrency,
          budgetUsd: opts.budgetUsd,
          signal: opts.signal,
          onUserDone: opts.onUserDone,
        });
        // The run holds no users in memory while it goes; the manifest it returns is read back
        // from disk once it has ended (as large as the run: a caller with many users may prefer
        // the summary, or readManifest later).
        const manifest = await readManifest(runsDir, runId);
        if (!manifest) throw new Error(`run ${runId}: its manifest is gone from ${runsDir}`);
        return { manifest, summary };
      } finally {
        await lock.release();
      }
    },
    async evaluate({ users = 'sample:50', variants = ['cascaded', 'single-step-local'], concurrency, judge, onProgress } = {}) {
      const [{ runEval }, { realEvalPipelines }] = await Promise.all([import('../evals/runner.js'), import('../evals/pipelines.js')]);
      await api.index();
      const ids = api.selectUsers(users).users;
      return runEval({ ctx, dataset, users: ids.map((id) => contextOfUser(dataset, id)), variants, concurrency, judge, onProgress, pipelines: realEvalPipelines });
    },
    async *exportRun(runRef) {
      const runId = await resolveRunId(runsDir, runRef);
      const manifest = await readManifest(runsDir, runId);
      if (!manifest) throw new Error(`run ${runId}: no manifest under ${runsDir}`);
      yield* exportRun(manifest, ctx.artefacts);
    },
    selectUsers: (users) => selectUsers(toSelection(users), dataset),
    async close() {
      // A background build still running is stopped (what it embedded stays in the embedding
      // cache, so the next start re-embeds none of it) rather than waited for.
      stopIndexing.abort(new Error('hubgen closed while the index was still building'));
      await started?.then((s) => s.done).catch(() => {});
      await runtime.close();
    },
  };
  return api;
}
