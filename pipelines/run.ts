import pLimit from 'p-limit';
import type { Ctx } from '../kit/context.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { UserRecord } from './manifest.js';
import { RunRecorder, type FinishedRun } from './run-recorder.js';
import { runUser, type PagePipeline } from './run-user.js';
import { createSpendBudget, withSpendBudget } from '../llm/budget.js';
import { uncachedModels, withAnswerCache } from '../kit/answer-cache.js';

export type { PagePipeline } from './run-user.js';

export interface RunPagesOptions {
  readonly ctx: Ctx;
  /** Builds a user's phase input (from history only); see userContextFor. */
  readonly contextFor: (userId: string) => UserContext;
  readonly users: readonly string[];
  readonly pipeline: PagePipeline;
  /** Where manifests live (<workDir>/runs). */
  readonly runsDir: string;
  /** Resume this run: users already done in its manifest are skipped. */
  readonly runId?: string;
  readonly concurrency?: number;
  /** Stop starting new users once this run has spent this many dollars. */
  readonly budgetUsd?: number;
  readonly onUserDone?: (record: UserRecord, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs the pipeline for each user with bounded concurrency. A failing user is recorded with its
 * reason and the run goes on; each record is appended to the run's journal as the user finishes
 * (RunRecorder), so an interrupted run loses nothing it cannot get back from the artefact cache,
 * and resumes where it stopped. Nothing per user is kept here: the summary is made from the
 * journal when the run ends, and the manifest returned is its header (readManifest has the users).
 */
export async function runPages(options: RunPagesOptions): Promise<FinishedRun> {
  const { ctx, contextFor, users, pipeline, runsDir, concurrency = ctx.config.run.concurrency, budgetUsd = ctx.config.run.budgetUsd, onUserDone, signal } = options;
  const { recorder, resumed, done: alreadyDone } = await RunRecorder.start({ ctx, runsDir, runId: options.runId, pipeline: pipeline.name, users, budgetUsd });
  const runId = recorder.runId;
  const todo = users.filter((u) => !alreadyDone.has(u));
  if (resumed) ctx.logger.info({ runId, done: users.length - todo.length, todo: todo.length }, 'resuming run');

  const limit = pLimit(concurrency);
  let done = users.length - todo.length;
  let stoppedForBudget = false;
  // Every model call holds its worst-case cost until it settles, so users in flight cannot overshoot;
  // failed users' calls count too. A resumed run starts from what its records say it spent.
  const budget = budgetUsd === undefined ? undefined : createSpendBudget(budgetUsd, recorder.spentUsd);
  // Every answer is stored by request hash before its phase finishes, so a run killed mid-phase and
  // resumed never pays twice for a call it already made (the worker and batch paths do the same).
  // The cache sits outside the budget: an answer already paid for holds nothing.
  const live = uncachedModels(ctx.models);
  const runCtx: Ctx = { ...ctx, models: withAnswerCache(budget ? withSpendBudget(live, budget, ctx.config) : live, ctx) };
  await Promise.all(
    todo.map((userId) =>
      limit(async () => {
        if (signal?.aborted) return;
        if (budget && (budget.exhausted() || recorder.spentUsd >= budget.limitUsd)) {
          if (!stoppedForBudget) ctx.logger.warn({ runId, budgetUsd, spentUsd: Math.max(budget.spentUsd, recorder.spentUsd) }, 'budget reached; not starting more users');
          stoppedForBudget = true;
          return;
        }
        const { record } = await runUser(runCtx, pipeline, contextFor, userId);
        if (record.status === 'failed') ctx.logger.error({ runId, userId, err: record.error }, 'user failed; continuing');
        void recorder.record(record);
        done++;
        onUserDone?.(record, done, users.length);
      }),
    ),
  );
  return recorder.finish(signal?.aborted ? 'interrupted' : stoppedForBudget ? 'stopped-budget' : 'complete');
}
