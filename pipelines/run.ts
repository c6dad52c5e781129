import pLimit from 'p-limit';
import type { Ctx } from '../kit/context.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { manifestWriter, newRunId, readManifest, type RunManifest, type UserRecord } from './manifest.js';
import { phaseRates, summariseRun, type RunSummary } from './summary.js';
import { recordSpentUsd, runUser, type PagePipeline } from './run-user.js';
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

export const spentUsd = (m: RunManifest): number => Object.values(m.users).reduce((sum, u) => sum + recordSpentUsd(u), 0);

/** A new manifest, or the one of the run being resumed marked running again. */
export async function startManifest(options: { ctx: Ctx; runsDir: string; runId?: string; pipeline: string; users: readonly string[]; budgetUsd?: number }): Promise<{ manifest: RunManifest; resumed: boolean }> {
  const { ctx, runsDir } = options;
  const now = new Date(ctx.clock.now()).toISOString();
  const previous = options.runId ? await readManifest(runsDir, options.runId) : undefined;
  if (previous) return { manifest: { ...previous, status: 'running', updatedAt: now }, resumed: true };
  const runId = options.runId ?? newRunId(new Date(ctx.clock.now()));
  return { manifest: { runId, pipeline: options.pipeline, createdAt: now, updatedAt: now, status: 'running', requestedUsers: [...options.users], budgetUsd: options.budgetUsd, users: {} }, resumed: false };
}

/**
 * Runs the pipeline for each user with bounded concurrency. A failing user is recorded with its
 * reason and the run goes on; the manifest is rewritten atomically as users finish, so an
 * interrupted run loses nothing it cannot get back from the artefact cache, and resumes where it stopped.
 */
export async function runPages(options: RunPagesOptions): Promise<{ manifest: RunManifest; summary: RunSummary }> {
  const { ctx, contextFor, users, pipeline, runsDir, concurrency = ctx.config.run.concurrency, budgetUsd = ctx.config.run.budgetUsd, onUserDone, signal } = options;
  const { manifest, resumed } = await startManifest({ ctx, runsDir, runId: options.runId, pipeline: pipeline.name, users, budgetUsd });
  const runId = manifest.runId;
  const todo = users.filter((u) => manifest.users[u]?.status !== 'ok');
  if (resumed) ctx.logger.info({ runId, done: users.length - todo.length, todo: todo.length }, 'resuming run');

  const writer = manifestWriter(runsDir, () => ({ ...manifest, updatedAt: new Date(ctx.clock.now()).toISOString() }));
  await writer.save();

  const limit = pLimit(concurrency);
  let done = users.length - todo.length;
  let stoppedForBudget = false;
  // Every model call holds its worst-case cost until it settles, so users in flight cannot overshoot;
  // failed users' calls count too. A resumed run starts from what its manifest says it spent.
  const budget = budgetUsd === undefined ? undefined : createSpendBudget(budgetUsd, spentUsd(manifest));
  // Every answer is stored by request hash before its phase finishes, so a run killed mid-phase and
  // resumed never pays twice for a call it already made (the worker and batch paths do the same).
  // The cache sits outside the budget: an answer already paid for holds nothing.
  const live = uncachedModels(ctx.models);
  const runCtx: Ctx = { ...ctx, models: withAnswerCache(budget ? withSpendBudget(live, budget, ctx.config) : live, ctx) };
  await Promise.all(
    todo.map((userId) =>
      limit(async () => {
        if (signal?.aborted) return;
        if (budget && (budget.exhausted() || spentUsd(manifest) >= budget.limitUsd)) {
          if (!stoppedForBudget) ctx.logger.warn({ runId, budgetUsd, spentUsd: Math.max(budget.spentUsd, spentUsd(manifest)) }, 'budget reached; not starting more users');
          stoppedForBudget = true;
          return;
        }
        const { record } = await runUser(runCtx, pipeline, contextFor, userId);
        if (record.status === 'failed') ctx.logger.error({ runId, userId, err: record.error }, 'user failed; continuing');
        manifest.users[userId] = record;
        done++;
        onUserDone?.(record, done, users.length);
        void writer.save();
      }),
    ),
  );
  manifest.status = signal?.aborted ? 'interrupted' : stoppedForBudget ? 'stopped-budget' : 'complete';
  const summary = summariseRun(manifest);
  manifest.rates = phaseRates(summary);
  await writer.save();
  return { manifest, summary };
}
