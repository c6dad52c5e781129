import { parseBudget, USERS_SPEC_HELP } from './options.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RunHeader, UserRecord } from '../../pipelines/manifest.js';
import type { RunSummary } from '../../pipelines/summary.js';
import { newRunId, readStoredRun } from '../../pipelines/manifest.js';
import { formatRunSummary } from '../../pipelines/summary.js';
import { checkDrift, formatDrift } from '../../pipelines/drift.js';
import type { Runtime } from '../../pipelines/runtime.js';
import type { BatchRoundsOptions } from '../../pipelines/batch-rounds.js';
import { createProgress } from '../progress.js';
import { configFrom, parseUsers, startIndexed, withHubgen, type GlobalOptions } from './shared.js';
import type { Hubgen } from '../../api/hubgen.js';
import type { HubgenConfig } from '../../config/config.js';
import { queueOverrides, redactUrl } from '../../queue/connection.js';

export interface RunCommandOptions {
  /** User spec; when resuming (runId) without it, the run's own requested users. */
  readonly users?: string;
  readonly concurrency?: number;
  readonly runId?: string;
  readonly budget?: number;
  /** Enqueue one job per user on this Redis and wait for the workers, instead of running here. */
  readonly queue?: string;
  /** Send LLM-tier requests through the Batch API in rounds (config run.mode "batch"). */
  readonly batch?: boolean;
  /** Exit non-zero (DRIFT_EXIT_CODE) when the run's escalation rates drifted. */
  readonly failOnDrift?: boolean;
}

/** What a run (or `hubgen runs --drift`) exits with when --fail-on-drift is given and a rate drifted. */
export const DRIFT_EXIT_CODE = 4;

export interface RunOutcome {
  readonly runId: string;
  readonly failed: number;
  /** Some phase's escalation or below-threshold rate left the configured band. */
  readonly drifted: boolean;
  /** The signal that stopped the run early, if one did. */
  readonly interruptedBy?: NodeJS.Signals;
}

/** The drift alarm: this run's rates against the runs before it; only what drifted is printed. */
async function reportDrift(rt: Runtime, runId: string): Promise<boolean> {
  const drift = await checkDrift(resolve(rt.ctx.config.workDir, 'runs'), rt.ctx.config.drift, { latest: runId });
  for (const line of formatDrift(drift, { onlyDrift: true })) console.log(line);
  rt.ctx.logger[drift.drifted ? 'warn' : 'info']({ runId, drifted: drift.drifted, findings: drift.findings.filter((f) => f.status === 'drift') }, 'escalation drift check');
  return drift.drifted;
}

/** The users to run: the spec given, or a resumed run's own list (not the default sample). */
async function usersFor(rt: Runtime, opts: RunCommandOptions): Promise<string[]> {
  if (opts.users !== undefined || !opts.runId) return parseUsers(opts.users ?? DEFAULT_USERS, rt.dataset);
  const runsDir = resolve(rt.ctx.config.workDir, 'runs');
  // The header alone: the run's users are not needed to know whom it asked for.
  const previous = await readStoredRun(runsDir, opts.runId);
  if (!previous) throw new Error(`--run-id ${opts.runId}: no such run under ${runsDir}; give --users to start a run with this id`);
  return [...previous.header.requestedUsers];
}

/**
 * Shared by `hubgen run` and `hubgen schedule`: index if needed, run, print the summary. The first
 * SIGINT or SIGTERM lets users in flight finish and writes the manifest (resume with --run-id); a
 * second one exits at once.
 */
export async function runOnce(hubgen: Hubgen, opts: RunCommandOptions): Promise<RunOutcome> {
  const rt = hubgen.runtime;
  // Users first: a typo in --users should not wait for an index build.
  const users = await usersFor(rt, opts);
  if (opts.queue) return runOnQueue(rt, users, { ...opts, queue: opts.queue });
  const batch = rt.ctx.config.run.mode === 'batch';
  const t0 = performance.now();
  // A local run starts on a partly built products collection (its searches wait for their
  // categories); batch rounds search the runtime's own store, so they wait for all of it.
  const indexing = await startIndexed(hubgen, { quiet: true, searchableEarly: !batch });
  if (batch) await indexing.done;
  const progress = createProgress('pages');
  const stop = stopOnFirstSignal('finishing users in flight, then writing the manifest');
  try {
    let failed = 0;
    let shownFirst = false;
    // Settled here so the first page can say where to look at it while the rest run.
    const runId = opts.runId ?? newRunId(new Date(rt.ctx.clock.now()));
    const runOptions = {
      runId,
      concurrency: opts.concurrency,
      budgetUsd: opts.budget,
      signal: stop.signal,
      onUserDone: (rec: UserRecord, done: number, total: number) => {
        if (rec.status === 'failed') failed++;
        if (!shownFirst && rec.status === 'ok' && rec.quality) {
          shownFirst = true;
          const q = rec.quality;
          progress.note(
            `first page: user ${rec.userId}, ${q.themesOnPage} themes, ${q.products} products, ${(rec.wallMs / 1000).toFixed(1)}s to make (${((performance.now() - t0) / 1000).toFixed(0)}s after the start); see it: hubgen show ${runId} ${rec.userId}`,
          );
        }
        progress.update(done, total, failed ? `${failed} failed` : `user ${rec.userId}`);
      },
    };
    const { manifest, summary, batchNote } = batch ? await runInBatches(rt, users, runOptions) : { ...(await hubgen.runBatch(users, runOptions)), batchNote: undefined };
    progress.stop();
    console.log(formatRunSummary(summary));
    if (indexing.building.length) await finishIndex(indexing.done, stop.signal);
    if (batchNote) console.log(batchNote);
    const drifted = await reportDrift(rt, manifest.runId);
    console.log(`manifest: ${resolve(rt.ctx.config.workDir, 'runs', manifest.runId, 'manifest.json')}`);
    if (manifest.status === 'interrupted') console.log(`resume: hubgen run --run-id ${manifest.runId}${batch ? ' --batch (a batch still in flight is polled again, not resubmitted)' : ''}`);
    console.log(`inspect a page: hubgen show ${manifest.runId} ${users[0]}`);
    return { runId: manifest.runId, failed: summary.failed, drifted, interruptedBy: stop.interruptedBy() };
  } finally {
    stop.dispose();
  }
}

/**
 * After the pages, the background build goes on to the end, so the next start reuses all of it; a
 * first signal stops it instead (what was embedded stays in the embedding cache).
 */
async function finishIndex(done: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort!: () => void;
  const stopped = new Promise<'stopped'>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve('stopped')), { once: true }));
  try {
    if ((await Promise.race([done, stopped])) === 'stopped') {
      process.stderr.write('index: stopped before the products collection was complete; the next start embeds only what is missing\n');
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** `run --batch`: the same run in rounds of Batch API requests; says what each round sent and how it ended. */
async function runInBatches(
  rt: Runtime,
  users: readonly string[],
  options: Pick<BatchRoundsOptions, 'runId' | 'concurrency' | 'budgetUsd' | 'signal' | 'onUserDone'>,
): Promise<{ manifest: RunHeader; summary: RunSummary; batchNote: string }> {
  const [{ runBatchRounds }, { createBatchRunner }, { cascadedPipeline }, { userContextFor }] = await Promise.all([
    import('../../pipelines/batch-rounds.js'),
    import('../../llm/batch/index.js'),
    import('../../pipelines/cascaded.js'),
    import('../../catalogue/user-context.js'),
  ]);
  const runner = createBatchRunner(rt.ctx.config, { logger: rt.ctx.logger });
  const every = `${Math.round(rt.ctx.config.batch.pollIntervalMs / 1000)}s`;
  const r = await runBatchRounds({
    ...options,
    ctx: rt.ctx,
    contextFor: (id) => userContextFor(rt.dataset, id),
    users,
    pipeline: cascadedPipeline,
    runsDir: resolve(rt.ctx.config.workDir, 'runs'),
    runner,
    onRound: ({ round, requests, pendingUsers, stage, resumed, batches = [] }) => {
      const ids = batches.map((b) => `${b.id} ${b.status} ${b.completed}/${b.requests}`).join(', ');
      process.stderr.write(
        stage === 'sending'
          ? `batch round ${round}: ${requests} requests for ${pendingUsers} users to the Batch API (one already in flight from an earlier process is polled again, not resent); polling every ${every}\n`
          : `batch round ${round}: answered${resumed ? ' (picked up in flight)' : ''}: ${ids}\n`,
      );
    },
  });
  const spent = r.summary.spent.costUsd;
  return { ...r, batchNote: `batch mode: ${r.batchedRequests} LLM requests through the Batch API over ${r.rounds} round${r.rounds === 1 ? '' : 's'}, at batch prices${spent === undefined ? '' : ` ($${spent.toFixed(5)} spent)`}` };
}

/**
 * `run --queue`: enqueue, then report like a local run from what the workers record. The first
 * SIGINT or SIGTERM stops waiting and writes the manifest; the jobs stay queued for the workers.
 */
async function runOnQueue(rt: Runtime, users: readonly string[], opts: RunCommandOptions & { queue: string }): Promise<RunOutcome> {
  const { runQueued } = await import('../../queue/run-queued.js');
  const url = redactUrl(opts.queue);
  const progress = createProgress('pages');
  const stop = stopOnFirstSignal(`no longer waiting; the jobs stay queued on ${url} for the workers`);
  try {
    let failed = 0;
    const runsDir = resolve(rt.ctx.config.workDir, 'runs');
    const { manifest, summary, stillQueued } = await runQueued({
      ctx: rt.ctx,
      url: opts.queue,
      users,
      pipeline: 'cascaded',
      runsDir,
      runId: opts.runId,
      budgetUsd: opts.budget,
      signal: stop.signal,
      onEnqueued: ({ runId, enqueued, retried, warning }) => {
        if (warning) process.stderr.write(`warning: ${warning}\n`);
        process.stderr.write(`run ${runId}: ${enqueued} users queued on ${url}${retried ? ` (${retried} failed before, tried again)` : ''}; waiting for workers (hubgen worker --queue ${url})\n`);
      },
      onUserDone: (rec, done, total) => {
        if (rec.status === 'failed') failed++;
        progress.update(done, total, failed ? `${failed} failed` : `user ${rec.userId}`);
      },
    });
    progress.stop();
    console.log(formatRunSummary(summary));
    const drifted = await reportDrift(rt, manifest.runId);
    console.log(`manifest: ${resolve(runsDir, manifest.runId, 'manifest.json')}`);
    if (manifest.status === 'interrupted') {
      console.log(`${stillQueued} users still queued on ${url}: workers go on with them; wait for them again with: hubgen run --queue ${url} --run-id ${manifest.runId}`);
    }
    const store = rt.ctx.artefacts.kind === 'redis' ? `HUBGEN_ARTEFACT_STORE=redis REDIS_URL=${url} ` : '';
    console.log(`inspect a page: ${store}hubgen show ${manifest.runId} ${users[0]}`);
    return { runId: manifest.runId, failed: summary.failed, drifted, interruptedBy: stop.interruptedBy() };
  } finally {
    progress.stop();
    stop.dispose();
  }
}

/** `--queue` alone takes the URL from config queue.url (REDIS_URL); with a value, that URL. */
export function queueUrlFrom(flag: string | boolean | undefined, config: HubgenConfig): string | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (typeof flag === 'string') return flag;
  if (config.queue.url) return config.queue.url;
  throw new Error('--queue needs a Redis URL: --queue redis://host:6379, or set REDIS_URL (or queue.url in the config)');
}

/**
 * The config overrides a queue command runs with (see queueOverrides), and the line that says
 * which stores moved to the queue's Redis.
 */
export function queueRuntimeOptions(globalOpts: GlobalOptions, flag: string | boolean | undefined): { url?: string; overrides: Record<string, unknown> } {
  const base = configFrom(globalOpts);
  const url = queueUrlFrom(flag, base);
  if (!url) return { overrides: {} };
  const { overrides, shared } = queueOverrides(base, url);
  if (shared.length) process.stderr.write(`queue mode: ${shared.join(' and ')} shared through ${redactUrl(url)} (queue.shareStores)\n`);
  return { url, overrides };
}

/**
 * The first SIGINT or SIGTERM says what happens now and aborts `signal`, so the work in flight can
 * end cleanly; a second one exits at once. dispose() removes the handlers.
 */
function stopOnFirstSignal(whatHappens: string): { signal: AbortSignal; interruptedBy: () => NodeJS.Signals | undefined; dispose: () => void } {
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: ${whatHappens} (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to force)\n`);
    controller.abort();
    process.once(signal, () => process.exit(exitCodeFor(signal)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interruptedBy: () => interruptedBy,
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** 128 + signal number, as a shell reports a process the signal stopped. */
export const exitCodeFor = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1);

const DEFAULT_USERS = 'sample:20';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

export function registerRunCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('run')
    .description('generate pages for users (cascaded pipeline), write a run manifest and print a per-phase summary')
    .option('-u, --users <spec>', `${USERS_SPEC_HELP}; default ${DEFAULT_USERS}, or the resumed run's users`)
    .option('-c, --concurrency <n>', 'users in parallel (default: config run.concurrency)', positiveInt('--concurrency'))
    .option('--run-id <id>', 'resume this run: users already done are skipped (its own users unless --users is given)')
    .option('--budget <usd>', 'stop starting new users once this many dollars are spent', parseBudget)
    .option('--queue [url]', 'enqueue one job per user on this Redis (default: REDIS_URL) and wait for `hubgen worker` processes, instead of running here')
    .option('--batch', 'send LLM-tier requests through the Batch API in rounds (half price; answers within the batch window)')
    .option('--fail-on-drift', `exit ${DRIFT_EXIT_CODE} when a phase's escalation or below-threshold rate drifted outside the configured band (config drift)`)
    .action(async (opts: Omit<RunCommandOptions, 'queue'> & { queue?: string | boolean }) => {
      if (opts.queue && opts.batch) throw new Error('--queue and --batch do not combine yet: a batch run runs in one process (its LLM calls are what take the time, and they wait at the provider)');
      const { url, overrides } = queueRuntimeOptions(globals(), opts.queue);
      const { failed, drifted, interruptedBy } = await withHubgen(globals(), (hubgen) => runOnce(hubgen, { ...opts, queue: url }), { overrides: { ...overrides, ...(opts.batch ? { run: { mode: 'batch' } } : {}) } });
      if (interruptedBy) process.exitCode = exitCodeFor(interruptedBy);
      else if (failed) process.exitCode = 3;
      else if (drifted && opts.failOnDrift) process.exitCode = DRIFT_EXIT_CODE;
    });
}
