import type { Ctx } from '../kit/context.js';
import type { PhaseResult } from '../kit/phase.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { UserRecord } from './manifest.js';
import { phaseRecord } from './summary.js';
import type { PageQuality } from './page-quality.js';

/** A page pipeline: one user's context in, that user's phase artefacts out (by phase name, in order). */
export interface PagePipeline {
  readonly name: string;
  run(user: UserContext, ctx: Ctx): Promise<Readonly<Record<string, PhaseResult<unknown>>>>;
  /** What the filter and assembly did to the page, for the run's quality summary. */
  quality?(phases: Readonly<Record<string, PhaseResult<unknown>>>): PageQuality;
}

export interface UserOutcome {
  readonly record: UserRecord;
  /** What made a failed record fail, for callers that decide whether to try again (the queue worker). */
  readonly error?: unknown;
}

/**
 * One user through the pipeline, as every run mode records it (local, queue worker, batch rounds),
 * so their manifests are the same. A failure becomes a `failed` record with its message; it is
 * never thrown.
 */
export async function runUser(ctx: Ctx, pipeline: PagePipeline, contextFor: (userId: string) => UserContext, userId: string): Promise<UserOutcome> {
  const now = () => new Date(ctx.clock.now()).toISOString();
  const t0 = ctx.clock.monotonic();
  try {
    const user = contextFor(userId);
    const phases = await pipeline.run(user, ctx);
    const record: UserRecord = {
      userId,
      status: 'ok',
      phases: Object.fromEntries(Object.entries(phases).map(([name, r]) => [name, phaseRecord(r.artefact, r.cached)])),
      quality: pipeline.quality?.(phases),
      wallMs: Math.round(ctx.clock.monotonic() - t0),
      finishedAt: now(),
    };
    return { record };
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    return { record: { userId, status: 'failed', error: message, wallMs: Math.round(ctx.clock.monotonic() - t0), finishedAt: now() }, error };
  }
}

/** What a user's computed (not cached) phases cost: what this run paid for it. */
export const recordSpentUsd = (record: UserRecord): number => Object.values(record.phases ?? {}).reduce((s, p) => s + (p.cached ? 0 : (p.usage.costUsd ?? 0)), 0);
