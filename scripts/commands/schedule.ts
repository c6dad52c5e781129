import { parseBudget, USERS_SPEC_HELP } from './options.js';
import type { Command } from 'commander';
import { Cron } from 'croner';
import { parseUsers, withHubgen, type GlobalOptions } from './shared.js';
import { DRIFT_EXIT_CODE, queueRuntimeOptions, runOnce } from './run.js';

export function registerScheduleCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('schedule')
    .description('stay up and run page generation on a cron schedule (e.g. nightly); overlapping runs are skipped')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "0 2 * * *" for 02:00 nightly (five fields, minute first; a sixth, leading field is seconds)')
    .option('-u, --users <spec>', `users for each run: ${USERS_SPEC_HELP}`, 'sample:100')
    .option('--timezone <tz>', 'IANA time zone for the expression (default: the machine\'s)')
    .option('--budget <usd>', 'per-run budget in dollars', parseBudget)
    .option('--now', 'also run once immediately')
    .option('--queue [url]', 'enqueue each run for `hubgen worker` processes on this Redis (default: REDIS_URL) instead of running it here; this process waits and writes the manifest')
    .option('--fail-on-drift', `stop the schedule and exit ${DRIFT_EXIT_CODE} after a run whose escalation rates drifted outside the configured band, so a supervisor sees it`)
    .option('--max-runs <n>', 'exit after this many runs (for testing a schedule)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--max-runs must be a positive integer, got "${v}"`);
      return n;
    })
    .action(async (opts: { cron: string; users: string; timezone?: string; budget?: number; now?: boolean; maxRuns?: number; queue?: string | boolean; failOnDrift?: boolean }) => {
      // A bad expression, time zone or user list must fail now, not at 02:00 when nobody is watching;
      // the expression and zone before any data is loaded.
      try {
        new Cron(opts.cron, { timezone: opts.timezone, paused: true }).nextRun();
      } catch (e) {
        throw new Error(`--cron "${opts.cron}"${opts.timezone ? ` --timezone ${opts.timezone}` : ''}: ${(e as Error).message.replace(/^CronPattern: /, '')}`);
      }
      const { url, overrides } = queueRuntimeOptions(globals(), opts.queue);
      await withHubgen(globals(), async (hubgen) => {
        const rt = hubgen.runtime;
        parseUsers(opts.users, rt.dataset);
        let runs = 0;
        // The run in flight, if any: SIGTERM waits for it so stores are never closed under a running page.
        let current: Promise<void> | undefined;
        const done = new Promise<void>((resolveDone) => {
          const tick = async () => {
            rt.ctx.logger.info({ cron: opts.cron, users: opts.users }, 'scheduled run starting');
            try {
              const { runId, failed, drifted } = await runOnce(hubgen, { users: opts.users, budget: opts.budget, queue: url });
              rt.ctx.logger.info({ runId, failed, drifted }, 'scheduled run finished');
              if (drifted && opts.failOnDrift) {
                rt.ctx.logger.error({ runId }, 'escalation rates drifted; stopping the schedule (--fail-on-drift)');
                process.stderr.write(`run ${runId}: escalation rates drifted; stopping the schedule (--fail-on-drift), exit ${DRIFT_EXIT_CODE}\n`);
                process.exitCode = DRIFT_EXIT_CODE;
                job.stop();
                resolveDone();
                return;
              }
            } catch (e) {
              // A failed night must not kill the scheduler: log it and wait for the next tick.
              rt.ctx.logger.error({ err: (e as Error).message }, 'scheduled run failed');
              process.stderr.write(`scheduled run failed: ${(e as Error).message}\n`);
            }
            runs++;
            if (opts.maxRuns !== undefined && runs >= opts.maxRuns) {
              job.stop();
              resolveDone();
            }
          };
          // protect: a run still going when the next tick fires makes that tick a no-op, not a second run.
          const job = new Cron(
            opts.cron,
            { timezone: opts.timezone, protect: (j) => rt.ctx.logger.warn({ startedAt: j.currentRun()?.toISOString() }, 'previous run still going; skipping this tick') },
            () => (current = tick().finally(() => (current = undefined))),
          );
          // Before the "scheduled" line, which is what a supervisor waits for before it may stop us.
          process.once('SIGTERM', () => {
            job.stop();
            if (current) process.stderr.write('SIGTERM: finishing the run in progress, then exiting\n');
            void (current ?? Promise.resolve()).then(resolveDone);
          });
          const next = job.nextRun();
          process.stderr.write(`scheduled "${opts.cron}"${opts.timezone ? ` (${opts.timezone})` : ''}; next run ${next ? next.toISOString() : 'never'}\n`);
          if (opts.now) void job.trigger();
        });
        await done;
      }, { overrides });
    });
}
