/** BullMQ's queue for page jobs; several deployments on one Redis differ by prefix. */
export const PAGE_QUEUE = 'pages';

/**
 * One job per (run, user): enqueueing the same run again finds the job already there and adds
 * nothing. BullMQ reserves ":" in ids, and an id that is all digits would read as one of its own.
 */
export function jobIdFor(runId: string, userId: string): string {
  return `${encodePart(runId)}.${encodePart(userId)}`;
}

// "." separates the parts and ":" is BullMQ's; both, and "%", are percent-encoded so any id round-trips.
const encodePart = (s: string): string => s.replace(/[%.:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** What a page job carries: enough for any worker with the same config to run the user. */
export interface PageJobData {
  readonly runId: string;
  readonly userId: string;
  /** The pipeline by name (workers know the pipelines by name, as the CLI does). */
  readonly pipeline: string;
}

/** Where one run's shared state lives in Redis. */
export function runKeys(prefix: string, runId: string) {
  const base = `${prefix}:run:${runId}`;
  return {
    /** JSON: what the run is (pipeline, budget, config digest, when it was enqueued). */
    meta: `${base}:meta`,
    /** Hash userId → UserRecord JSON: one field per user, so workers never overwrite each other. */
    users: `${base}:users`,
    /** List of user ids in the order their records landed: the waiter reads it from where it left off. */
    done: `${base}:done`,
    /** Set of users not started because the run's budget was spent. */
    skipped: `${base}:skipped`,
    /** What the run has paid so far (INCRBYFLOAT), for the budget across workers. */
    spent: `${base}:spent`,
  } as const;
}
