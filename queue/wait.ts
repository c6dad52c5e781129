import { setTimeout as sleep } from 'node:timers/promises';
import { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../base/clock.js';
import type { PageQueue } from './enqueue.js';
import { jobIdFor, type PageJobData } from './keys.js';
import type { DoneEntry, RunRecords } from './run-records.js';
import type { PageJobResult } from './worker.js';

export interface WaitForUsersOptions {
  readonly records: RunRecords;
  readonly queue: PageQueue;
  /** The users this waiter is waiting for (a resumed run's are those not done yet). */
  readonly users: readonly string[];
  /** Called once per user as its record lands (or it is skipped for the budget), and for records already there. */
  readonly onEntry: (entry: DoneEntry, first: boolean) => void;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Stops waiting; the jobs stay queued for the workers. */
  readonly signal?: AbortSignal;
  /** How often to read new records. @default 200 */
  readonly pollMs?: number;
  /** After this long with no new record, ask BullMQ about the outstanding jobs. @default 5000 */
  readonly stuckCheckMs?: number;
}

export interface WaitOutcome {
  readonly finished: number;
  readonly skipped: number;
  readonly interrupted: boolean;
}

/**
 * Follows a run's done list until every user has a record. Workers write the records; this only
 * reads, except for one case: a job BullMQ failed on its own (taken back from dead workers more
 * often than maxStalledCount allows) has no record, so after a quiet spell the outstanding jobs
 * are asked for their state and such a user is recorded failed with BullMQ's reason.
 */
export async function waitForUsers(options: WaitForUsersOptions): Promise<WaitOutcome> {
  const { records, queue, onEntry, logger, clock, signal, pollMs = 200, stuckCheckMs = 5000 } = options;
  const wanted = new Set(options.users);
  const outstanding = new Set(options.users);
  let offset = 0;
  let skipped = 0;
  let finished = 0;
  let lastProgress = clock.monotonic();
  while (outstanding.size > 0) {
    if (signal?.aborted) return { finished, skipped, interrupted: true };
    const { entries, next } = await records.readDone(offset);
    offset = next;
    for (const entry of entries) {
      // A user recorded twice (a retried job after its worker died post-write) counts once; the later record wins.
      const first = outstanding.delete(entry.userId);
      if (!first && !wanted.has(entry.userId)) continue;
      if (first) {
        finished++;
        if ('skipped' in entry) skipped++;
      }
      onEntry(entry, first);
    }
    if (entries.length) lastProgress = clock.monotonic();
    else if (clock.monotonic() - lastProgress >= stuckCheckMs) {
      await recordJobsBullFailed(queue, records, outstanding, logger, clock);
      lastProgress = clock.monotonic();
    }
    if (outstanding.size === 0) break;
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return { finished, skipped, interrupted: true };
    }
  }
  return { finished, skipped, interrupted: false };
}

/** Checks at most this many outstanding jobs per quiet spell: a stuck run has few. */
const STUCK_CHECK_LIMIT = 2000;

async function recordJobsBullFailed(queue: PageQueue, records: RunRecords, outstanding: ReadonlySet<string>, logger: Logger, clock: Clock): Promise<void> {
  const users = [...outstanding].slice(0, STUCK_CHECK_LIMIT);
  const jobs = await Promise.all(users.map((u) => Job.fromId<PageJobData, PageJobResult>(queue, jobIdFor(records.runId, u))));
  for (const [i, job] of jobs.entries()) {
    const userId = users[i];
    const state = job ? await job.getState() : 'missing';
    if (state !== 'failed' && state !== 'missing') continue;
    const error = state === 'failed' ? `queue: ${job!.failedReason || 'job failed'}` : 'queue: the job is gone from the queue (removed by hand?) and left no record; resume the run to enqueue it again';
    if (await records.recordIfAbsent({ userId, status: 'failed', error, wallMs: 0, finishedAt: new Date(clock.now()).toISOString() })) {
      logger.warn({ runId: records.runId, userId, state, err: error }, 'job ended without a record; recorded the user failed');
    }
  }
}
