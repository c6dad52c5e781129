import { Job, type Queue } from 'bullmq';
import type { HubgenConfig } from '../config/config.js';
import { jobIdFor, type PageJobData } from './keys.js';
import { PAGE_BACKOFF, type PageJobResult } from './worker.js';

export type PageQueue = Queue<PageJobData, PageJobResult>;

export interface EnqueueOptions {
  readonly queue: PageQueue;
  readonly runId: string;
  readonly pipeline: string;
  readonly users: readonly string[];
  readonly config: HubgenConfig['queue'];
  /**
   * A resumed run: jobs of these users that ended failed are removed first, so adding them again
   * creates a fresh job (BullMQ keeps a failed job's id, and adding under it would do nothing).
   */
  readonly retryFailed?: boolean;
}

/** addBulk in slices: one round trip per slice, and no single multi of tens of thousands of commands. */
const SLICE = 500;

/**
 * One job per user, id = run + user: enqueueing a run twice (a restarted `hubgen run --queue`, a
 * scheduler tick that fired twice) finds the jobs already there and adds nothing. Returns how many
 * failed jobs were cleared for a retry.
 */
export async function enqueueUsers({ queue, runId, pipeline, users, config, retryFailed = false }: EnqueueOptions): Promise<{ retried: number }> {
  let retried = 0;
  const keepSeconds = Math.round(config.keepRunDays * 86_400);
  for (let i = 0; i < users.length; i += SLICE) {
    const slice = users.slice(i, i + SLICE);
    if (retryFailed) {
      const jobs = await Promise.all(slice.map((u) => Job.fromId<PageJobData, PageJobResult>(queue, jobIdFor(runId, u))));
      for (const job of jobs) {
        if (job && (await job.isFailed())) {
          await job.remove();
          retried++;
        }
      }
    }
    await queue.addBulk(
      slice.map((userId) => ({
        name: 'page',
        data: { runId, userId, pipeline },
        opts: {
          jobId: jobIdFor(runId, userId),
          attempts: config.attempts,
          backoff: { type: PAGE_BACKOFF, delay: config.backoffMs },
          removeOnComplete: { age: keepSeconds },
          removeOnFail: { age: keepSeconds },
        },
      })),
    );
  }
  return { retried };
}
