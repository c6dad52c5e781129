import { parseBudget } from './options.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readManifest } from '../../pipelines/manifest.js';
import { formatRunSummary } from '../../pipelines/summary.js';
import { checkDrift, formatDrift } from '../../pipelines/drift.js';
import type { Runtime } from '../../pipelines/runtime.js';
import { createProgress } from '../progress.js';
import { ensureIndexed, parseUsers, withHubgen, type GlobalOptions } from './shared.js';
import type { Hubgen } from '../../api/hubgen.js';

export interface RunCommandOptions {
  /** User spec; when resuming (runId) without it, the run's own requested users. */
  readonly users?: string;
  readonly concurrency?: number;
  readonly runId?: string;
  readonly budget?: number;
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

/** The users to run: the spec given, or a resumed run's own list (not the default sample). */
async function usersFor(rt: Runtime, opts: RunCommandOptions): Promise<string[]> {
  if (opts.users !== undefined || !opts.runId) return parseUsers(opts.users ?? DEFAULT_USERS, rt.dataset);
  const runsDir = resolve(rt.ctx.config.workDir, 'runs');
  const previous = await readManifest(runsDir, opts.runId);
  if (!previous) throw new Error(`--run-id ${opts.runId}: no such run under ${runsDir}; give --users to start a run with this id`);
  return [...previous.requestedUsers];
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
  await ensureIndexed(hubgen, { quiet: true });
  const progress = createProgress('pages');
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: finishing users in flight, then writing the manifest (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to force)\n`);
    controller.abort();
    process.once(signal, () => process.exit(exitCodeFor(signal)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let failed = 0;
    const { manifest, summary } = await hubgen.runBatch(users, {
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
    // The drift alarm: this run's rates against the runs before it; only what drifted is listed here.
    const drift = await checkDrift(resolve(rt.ctx.config.workDir, 'runs'), rt.ctx.config.drift, { latest: manifest.runId });
    for (const line of formatDrift(drift, { onlyDrift: true })) console.log(line);
    rt.ctx.logger[drift.drifted ? 'warn' : 'info']({ runId: manifest.runId, drifted: drift.drifted, findings: drift.findings.filter((f) => f.status === 'drift') }, 'escalation drift check');
    console.log(`manifest: ${resolve(rt.ctx.config.workDir, 'runs', manifest.runId, 'manifest.json')}`);
    if (manifest.status === 'interrupted') console.log(`resume: hubgen run --run-id ${manifest.runId}`);
    console.log(`inspect a page: hubgen show ${manifest.runId} ${users[0]}`);
    return { runId: manifest.runId, failed: summary.failed, drifted: drift.drifted, interruptedBy };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
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
    .option('-u, --users <spec>', `user ids "1,2,3", or "sample:N" (optionally "sample:N:train"); default ${DEFAULT_USERS}, or the resumed run's users`)
    .option('-c, --concurrency <n>', 'users in parallel (default: config run.concurrency)', positiveInt('--concurrency'))
    .option('--run-id <id>', 'resume this run: users already done are skipped (its own users unless --users is given)')
    .option('--budget <usd>', 'stop starting new users once this many dollars are spent', parseBudget)
    .option('--fail-on-drift', `exit ${DRIFT_EXIT_CODE} when a phase's escalation or below-threshold rate drifted outside the configured band (config drift)`)
    .action(async (opts: RunCommandOptions) => {
      const { failed, drifted, interruptedBy } = await withHubgen(globals(), (hubgen) => runOnce(hubgen, opts));
      if (interruptedBy) process.exitCode = exitCodeFor(interruptedBy);
      else if (failed) process.exitCode = 3;
      else if (drifted && opts.failOnDrift) process.exitCode = DRIFT_EXIT_CODE;
    });
}
