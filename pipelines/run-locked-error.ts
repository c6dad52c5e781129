import { HubgenError } from '../base/errors.js';

/** Another live process holds the run: two processes on one run would pay twice for its pages. */
export class RunLockedError extends HubgenError {
  static override readonly kind: string = 'run-locked';
  constructor(
    readonly runId: string,
    readonly lockFile: string,
    readonly holder: { readonly pid: number; readonly hostname: string; readonly startedAt: string },
  ) {
    super(`run ${runId} is already running in process ${holder.pid} on ${holder.hostname} (since ${holder.startedAt}; lock ${lockFile}); wait for it to finish or stop it, then resume with --run-id ${runId}`);
  }
}
