import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runPages } from '../../pipelines/run.js';
import { userContextFor } from '../../pipelines/user-input.js';
import { cascadedPipeline } from '../../pipelines/cascaded.js';
import { formatRunSummary } from '../../pipelines/summary.js';
import type { Runtime } from '../../pipelines/runtime.js';
import { createProgress } from '../progress.js';
import { ensureIndexed, parseUsers, withRuntime, type GlobalOptions } from './shared.js';

export interface RunCommandOptions {
  readonly users: string;
  readonly concurrency?: number;
  readonly runId?: string;
  readonly budget?: number;
}

/** Shared by `hubgen run` and `hubgen schedule`: index if needed, run, print the summary. */
export async function runOnce(rt: Runtime, opts: RunCommandOptions): Promise<{ runId: string; failed: number }> {
  await ensureIndexed(rt, { quiet: true });
  const users = parseUsers(opts.users, rt.dataset);
  const progress = createProgress('pages');
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write('\ninterrupt: finishing users in flight, then writing the manifest (Ctrl-C again to force)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    let failed = 0;
    const { manifest, summary } = await runPages({
      ctx: rt.ctx,
      contextFor: (id) => userContextFor(rt.dataset, id),
      users,
      pipeline: cascadedPipeline,
      runsDir: resolve(rt.ctx.config.workDir, 'runs'),
      runId: opts.runId,
      concurrency: opts.concurrency,
      budgetUsd: opts.budget,
      signal: controller.signal,
      onUserDone: (rec, done, total) => {
        if (rec.status === 'failed') failed++;
        progress.update(done, total, failed ? `${failed} failed` : `user ${rec.userId}`);
      },
    });
    progress.stop();
    console.log(formatRunSummary(summary));
    console.log(`manifest: ${resolve(rt.ctx.config.workDir, 'runs', manifest.runId, 'manifest.json')}`);
    console.log(`inspect a page: hubgen show ${manifest.runId} ${users[0]}`);
    return { runId: manifest.runId, failed: summary.failed };
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

export function registerRunCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('run')
    .description('generate pages for users (cascaded pipeline), write a run manifest and print a per-phase summary')
    .option('-u, --users <spec>', 'user ids "1,2,3", or "sample:N" (optionally "sample:N:train")', 'sample:20')
    .option('-c, --concurrency <n>', 'users in parallel (default: config run.concurrency)', positiveInt('--concurrency'))
    .option('--run-id <id>', 'resume this run: users already done are skipped')
    .option('--budget <usd>', 'stop starting new users once this many dollars are spent', (v) => {
      const n = Number(v);
      if (!(n >= 0)) throw new Error(`--budget must be a non-negative number, got "${v}"`);
      return n;
    })
    .action(async (opts: RunCommandOptions) => {
      const { failed } = await withRuntime(globals(), (rt) => runOnce(rt, opts));
      if (failed) process.exitCode = 3;
    });
}
