import { Queue } from 'bullmq';
import { connectRedis } from '../base/redis.js';
import type { Ctx } from '../kit/context.js';
import type { UserRecord } from '../pipelines/manifest.js';
import { RunRecorder, type FinishedRun } from '../pipelines/run-recorder.js';
import { bullConnection, checkEvictionPolicy, pageConfigDigest } from './connection.js';
import { enqueueUsers, type PageQueue } from './enqueue.js';
import { PAGE_QUEUE } from './keys.js';
import { RunRecords } from './run-records.js';
import { waitForUsers } from './wait.js';

export interface RunQueuedOptions {
  /** For the config (queue.*), logger and clock; the waiting process runs no pages itself. */
  readonly ctx: Pick<Ctx, 'config' | 'logger' | 'clock'>;
  readonly url: string;
  readonly users: readonly string[];
  readonly pipeline: string;
  readonly runsDir: string;
  /** Resume (or keep waiting for) this run: users done are skipped, users whose job failed are enqueued again. */
  readonly runId?: string;
  readonly budgetUsd?: number;
  readonly onUserDone?: (record: UserRecord, done: number, total: number) => void;
  /** Told once the jobs are in, before waiting (the CLI prints the run id so a user can resume). */
  readonly onEnqueued?: (info: { runId: string; enqueued: number; retried: number; warning?: string }) => void;
  /** Stops waiting and writes the manifest; the jobs stay queued and workers go on. */
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

export interface RunQueuedResult extends FinishedRun {
  /** Users still queued or running when the wait stopped (0 unless interrupted). */
  readonly stillQueued: number;
}

/**
 * `hubgen run --queue`: one job per user, then waits as a local run does and writes the same
 * manifest through the same RunRecorder (this process is its only writer; workers write per-user
 * records to Redis, which it appends to the run's journal as they land). Interrupted, it leaves the
 * jobs to the workers; the same run id resumes waiting.
 */
export async function runQueued(options: RunQueuedOptions): Promise<RunQueuedResult> {
  const { ctx, url, users, runsDir, signal } = options;
  const q = ctx.config.queue;
  const budgetUsd = options.budgetUsd ?? ctx.config.run.budgetUsd;
  const redis = await connectRedis(url, { purpose: 'the run queue' });
  const queue: PageQueue = new Queue(PAGE_QUEUE, { connection: bullConnection(url), prefix: q.prefix });
  queue.on('error', (e) => ctx.logger.warn({ err: e.message }, 'queue connection error; reconnecting'));
  try {
    const warning = await checkEvictionPolicy(redis, ctx.logger);
    // Started (its header written) once Redis answers and before any job goes in: a run with jobs queued can be resumed by id.
    const { recorder, resumed, done: alreadyDone } = await RunRecorder.start({ ctx, runsDir, runId: options.runId, pipeline: options.pipeline, users, budgetUsd });
    const runId = recorder.runId;
    const records = new RunRecords(redis, q.prefix, runId, { keepDays: q.keepRunDays });
    const todo = users.filter((u) => !alreadyDone.has(u));
    // A resumed run tries its failed users again: their old records must not read as this attempt's.
    if (resumed && todo.length) await records.forgetFailed(todo);
    await records.putMeta({ runId, pipeline: options.pipeline, enqueuedAt: new Date(ctx.clock.now()).toISOString(), users: users.length, budgetUsd, configDigest: pageConfigDigest(ctx.config) });
    const { retried } = await enqueueUsers({ queue, runId, pipeline: options.pipeline, users: todo, config: q, retryFailed: resumed });
    ctx.logger.info({ runId, enqueued: todo.length, retried, resumed }, 'run enqueued');
    options.onEnqueued?.({ runId, enqueued: todo.length, retried, warning });

    let done = users.length - todo.length;
    const outcome = await waitForUsers({
      records,
      queue,
      users: todo,
      logger: ctx.logger,
      clock: ctx.clock,
      signal,
      pollMs: options.pollMs,
      onEntry: (entry, first) => {
        if ('skipped' in entry) return;
        // A later record for a user (a job retried after its worker died post-write) replaces the earlier one.
        void recorder.record(entry.record);
        if (first) options.onUserDone?.(entry.record, ++done, users.length);
      },
    });
    const finished = await recorder.finish(outcome.interrupted ? 'interrupted' : outcome.skipped > 0 ? 'stopped-budget' : 'complete');
    return { ...finished, stillQueued: todo.length - outcome.finished };
  } finally {
    await queue.close();
    await redis.quit();
  }
}
