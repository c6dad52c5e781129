import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HubgenConfig } from '../config/config.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { Ctx } from '../kit/context.js';
import type { UserRecord } from '../pipelines/manifest.js';
import { recordSpentUsd, runUser, type PagePipeline } from '../pipelines/run-user.js';
import { failureClass, transientBackoffMs } from './failure-class.js';
import { PAGE_QUEUE, type PageJobData } from './keys.js';
import { RunRecords } from './run-records.js';
import { warmTokenizer } from '../llm/tokens.js';

/** The backoff type page jobs are added with; the worker's strategy picks the delay per failure. */
export const PAGE_BACKOFF = 'hubgen-transient';

/** What a page job returns (kept small: the record itself lives in the run's hash). */
export type PageJobResult = { readonly status: 'ok' | 'already-done' | 'skipped-budget' };

export interface PageWorkerOptions {
  /** The context users run in; give it an answer cache (withAnswerCache) so a retried job never pays twice. */
  readonly ctx: Ctx;
  readonly contextFor: (userId: string) => UserContext;
  /** The pipelines jobs may name. */
  readonly pipelines: Readonly<Record<string, PagePipeline>>;
  /** BullMQ's connection (bullConnection(url)). */
  readonly connection: ConnectionOptions;
  /** For the runs' records; the caller owns it. */
  readonly redis: Redis;
  readonly queue: HubgenConfig['queue'];
  /** @default queue.concurrency */
  readonly concurrency?: number;
  /** This worker's pageConfigDigest, compared with each run's. */
  readonly configDigest: string;
  /** Called after each user's record is stored (ok, or failed for good). */
  readonly onUserDone?: (record: UserRecord, job: Job<PageJobData>) => void;
}

export interface PageWorker {
  readonly worker: Worker<PageJobData, PageJobResult>;
  /** Stops taking jobs and waits for those in flight to finish (SIGTERM). */
  close(): Promise<void>;
}

/**
 * A BullMQ worker that runs one user per job with the same code a local run uses. What BullMQ does:
 * retries (attempts, with this module's backoff per failure class), handing a dead worker's jobs to
 * another (lock + stalled check), and the job id that makes a re-enqueue a no-op. What it adds:
 * a transient failure (429, 5xx, a timeout) is thrown back for BullMQ to retry; a deterministic one,
 * or the last try, is recorded failed in the run's hash and the job fails without further tries.
 */
export function startPageWorker(options: PageWorkerOptions): PageWorker {
  const { ctx, contextFor, pipelines, connection, redis, queue: q, configDigest, onUserDone } = options;
  const log = ctx.logger.child({ component: 'queue-worker' });
  const records = new Map<string, RunRecords>();
  const recordsOf = (runId: string) => records.get(runId) ?? records.set(runId, new RunRecords(redis, q.prefix, runId, { keepDays: q.keepRunDays })).get(runId)!;
  const warnedConfig = new Set<string>();

  async function process(job: Job<PageJobData>): Promise<PageJobResult> {
    const { runId, userId, pipeline: name } = job.data;
    const tries = job.opts.attempts ?? 1;
    const jlog = log.child({ runId, userId, jobId: job.id, attempt: job.attemptsMade + 1, of: tries });
    const run = recordsOf(runId);
    // Both in one round trip's time: every job pays them, and a wait on Redis holds a slot.
    const [previous, meta] = await Promise.all([run.get(userId), run.meta()]);
    // A job BullMQ hands out again (its worker died after storing the record) has nothing left to do.
    if (previous?.status === 'ok') return { status: 'already-done' };
    if (meta && meta.configDigest !== configDigest && !warnedConfig.has(runId)) {
      warnedConfig.add(runId);
      jlog.warn({ runDigest: meta.configDigest, workerDigest: configDigest }, "this worker's config differs from the one the run was enqueued with; its pages follow this worker's config");
    }
    if (meta?.budgetUsd !== undefined && (await run.spentUsd()) >= meta.budgetUsd) {
      await run.skip(userId);
      return { status: 'skipped-budget' };
    }
    const pipeline = pipelines[name];
    if (!pipeline) {
      const message = `no pipeline "${name}" in this worker (has: ${Object.keys(pipelines).join(', ')})`;
      await store(run, { userId, status: 'failed', error: message, wallMs: 0, finishedAt: new Date(ctx.clock.now()).toISOString() }, job);
      throw new UnrecoverableError(message);
    }
    const { record, error } = await runUser(ctx, pipeline, contextFor, userId);
    if (record.status === 'ok') {
      await store(run, record, job);
      return { status: 'ok' };
    }
    const kind = failureClass(error);
    if (kind === 'transient' && job.attemptsMade + 1 < tries) {
      jlog.warn({ err: record.error }, 'user failed on a transient error; BullMQ retries it after a backoff');
      throw error;
    }
    jlog.error({ err: record.error, failure: kind }, kind === 'transient' ? 'user failed on its last try; recorded failed' : 'user failed deterministically; recorded failed, not retried');
    await store(run, record, job);
    throw kind === 'deterministic' ? new UnrecoverableError(record.error) : error;
  }

  async function store(run: RunRecords, record: UserRecord, job: Job<PageJobData>): Promise<void> {
    await run.record(record, recordSpentUsd(record));
    onUserDone?.(record, job);
  }

  // Loading the tokenizer is seconds of synchronous work: done inside the first jobs it would block
  // the lock renewals, their locks would lapse, and BullMQ would hand them to another worker.
  warmTokenizer();
  const keepSeconds = Math.round(q.keepRunDays * 86_400);
  const worker = new Worker<PageJobData, PageJobResult>(PAGE_QUEUE, process, {
    connection,
    prefix: q.prefix,
    concurrency: options.concurrency ?? q.concurrency,
    lockDuration: q.lockDurationMs,
    stalledInterval: q.stalledIntervalMs,
    maxStalledCount: q.maxStalledCount,
    name: `${hostname()}:${globalThis.process.pid}`,
    removeOnComplete: { age: keepSeconds },
    removeOnFail: { age: keepSeconds },
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => (type === PAGE_BACKOFF ? transientBackoffMs(attemptsMade, err, q.backoffMs) : q.backoffMs),
    },
  });
  // Without a listener an 'error' event (a dropped connection, which ioredis then repairs) would crash the process.
  worker.on('error', (e) => log.warn({ err: e.message }, 'queue connection error; reconnecting'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job taken back from a worker that stopped renewing its lock; it runs again'));
  return { worker, close: () => worker.close() };
}
