import pLimit from 'p-limit';
import type { Ctx } from '../kit/context.js';
import type { PhaseResult } from '../kit/phase.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { newRunId, readManifest, writeManifest, type RunManifest, type UserRecord } from './manifest.js';
import { phaseRecord, summariseRun, type RunSummary } from './summary.js';
import type { PageQuality } from './page-quality.js';
import { createSpendBudget, withSpendBudget } from '../llm/budget.js';

/** A page pipeline: one user's context in, that user's phase artefacts out (by phase name, in order). */
export interface PagePipeline {
  readonly name: string;
  run(user: UserContext, ctx: Ctx): Promise<Readonly<Record<string, PhaseResult<unknown>>>>;
  /** What the filter and assembly did to the page, for the run's quality summary. */
  quality?(phases: Readonly<Record<string, PhaseResult<unknown>>>): PageQuality;
}

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

const spentUsd = (m: RunManifest): number =>
  Object.values(m.users).reduce((sum, u) => sum + Object.values(u.phases ?? {}).reduce((s, p) => s + (p.cached ? 0 : (p.usage.costUsd ?? 0)), 0), 0);

/**
 * Runs the pipeline for each user with bounded concurrency. A failing user is recorded with its
 * reason and the run goes on; the manifest is rewritten atomically after every user, so an
 * interrupted run loses nothing and resumes where it stopped.
 */
export async function runPages(options: RunPagesOptions): Promise<{ manifest: RunManifest; summary: RunSummary }> {
  const { ctx, contextFor, users, pipeline, runsDir, concurrency = ctx.config.run.concurrency, budgetUsd = ctx.config.run.budgetUsd, onUserDone, signal } = options;
  const now = () => new Date(ctx.clock.now()).toISOString();
  const runId = options.runId ?? newRunId(new Date(ctx.clock.now()));
  const previous = options.runId ? await readManifest(runsDir, options.runId) : undefined;
  const manifest: RunManifest = previous
    ? { ...previous, status: 'running', updatedAt: now() }
    : { runId, pipeline: pipeline.name, createdAt: now(), updatedAt: now(), status: 'running', requestedUsers: [...users], budgetUsd, users: {} };
  const todo = users.filter((u) => manifest.users[u]?.status !== 'ok');
  if (previous) ctx.logger.info({ runId, done: users.length - todo.length, todo: todo.length }, 'resuming run');

  // Manifest writes are chained so concurrent users never interleave renames.
  let writing: Promise<void> = writeManifest(runsDir, manifest);
  const save = () => (writing = writing.then(() => writeManifest(runsDir, { ...manifest, updatedAt: now() })));

  const limit = pLimit(concurrency);
  let done = users.length - todo.length;
  let stoppedForBudget = false;
  // Every model call holds its worst-case cost until it settles, so users in flight cannot overshoot;
  // failed users' calls count too. A resumed run starts from what its manifest says it spent.
  const budget = budgetUsd === undefined ? undefined : createSpendBudget(budgetUsd, spentUsd(manifest));
  const runCtx: Ctx = budget ? { ...ctx, models: withSpendBudget(ctx.models, budget, ctx.config) } : ctx;
  await Promise.all(
    todo.map((userId) =>
      limit(async () => {
        if (signal?.aborted) return;
        if (budget && (budget.exhausted() || spentUsd(manifest) >= budget.limitUsd)) {
          if (!stoppedForBudget) ctx.logger.warn({ runId, budgetUsd, spentUsd: Math.max(budget.spentUsd, spentUsd(manifest)) }, 'budget reached; not starting more users');
          stoppedForBudget = true;
          return;
        }
        const t0 = ctx.clock.monotonic();
        let record: UserRecord;
        try {
          const user = contextFor(userId);
          const phases = await pipeline.run(user, runCtx);
          record = {
            userId,
            status: 'ok',
            phases: Object.fromEntries(Object.entries(phases).map(([name, r]) => [name, phaseRecord(r.artefact, r.cached)])),
            quality: pipeline.quality?.(phases),
            wallMs: Math.round(ctx.clock.monotonic() - t0),
            finishedAt: now(),
          };
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          ctx.logger.error({ runId, userId, err: message }, 'user failed; continuing');
          record = { userId, status: 'failed', error: message, wallMs: Math.round(ctx.clock.monotonic() - t0), finishedAt: now() };
        }
        manifest.users[userId] = record;
        done++;
        onUserDone?.(record, done, users.length);
        await save();
      }),
    ),
  );
  manifest.status = signal?.aborted ? 'interrupted' : stoppedForBudget ? 'stopped-budget' : 'complete';
  await save();
  await writing;
  return { manifest, summary: summariseRun(manifest) };
}
