import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Role } from '../config/config.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { answerKey, uncachedModels, withAnswerCache } from '../kit/answer-cache.js';
import { cachedArtefact } from '../kit/artefacts/cache.js';
import type { Ctx } from '../kit/context.js';
import type { ArtefactStore } from '../kit/artefacts/store.js';
import type { BatchRequest, BatchRunner, BatchSummary } from '../llm/batch/index.js';
import { isPendingBatch, PendingBatchError } from '../llm/errors/pending-batch-error.js';
import { StructuredOutputError } from '../llm/errors/structured-output-error.js';
import type { GenerateStructuredOptions, StructuredResult } from '../llm/registry.js';
import type { StructuredAttempt } from '../llm/types.js';
import type { Usage } from '../llm/usage.js';
import { runDir, type UserRecord } from './manifest.js';
import type { RunPagesOptions } from './run.js';
import { RunRecorder, type FinishedRun } from './run-recorder.js';
import { runUser, type PagePipeline } from './run-user.js';

/** One recorded request: what the answer cache will look it up by, and what the batch line carries. */
interface RoundRequest {
  readonly hash: string;
  readonly role: Role;
  readonly request: BatchRequest;
}

/** A request the batch did not answer usably: answered but invalid (escalate), or never answered (go live). */
type Unusable =
  | { readonly status: 'invalid'; readonly stage: StructuredOutputError['stage']; readonly model: string; readonly detail: string; readonly text?: string; readonly finishReason?: StructuredOutputError['finishReason']; readonly usage: Usage; readonly attempts: readonly StructuredAttempt[] }
  | { readonly status: 'failed'; readonly code: string; readonly message: string };

export interface BatchRoundInfo {
  readonly round: number;
  readonly requests: number;
  /** Users waiting for this round's answers. */
  readonly pendingUsers: number;
  /** sending: about to send the round (or pick it up in flight after a restart); answered: its results are stored. */
  readonly stage: 'sending' | 'answered';
  /** On "answered": true when the batches were already in flight from a process before this one. */
  readonly resumed?: boolean;
  readonly batches?: readonly BatchSummary[];
}

/** A local run's options (see runPages), plus the Batch API runner and the rounds it may take. */
export interface BatchRoundsOptions extends Omit<RunPagesOptions, 'runId' | 'signal'> {
  /** Resume this run: finished users are skipped, a round still in flight is polled, not resubmitted. */
  readonly runId?: string;
  readonly runner: BatchRunner;
  /** @default config.run.maxBatchRounds */
  readonly maxRounds?: number;
  readonly onRound?: (info: BatchRoundInfo) => void;
  /** Stops between users, or while a batch is polled (the batch goes on at the provider). */
  readonly signal?: AbortSignal;
}

export interface BatchRoundsResult extends FinishedRun {
  /** Rounds that sent requests through the Batch API (the last round, which finds every answer in, sends none). */
  readonly rounds: number;
  /** Requests sent through the Batch API over every round. */
  readonly batchedRequests: number;
}

const roundFile = (dir: string, round: number) => join(dir, `round-${String(round).padStart(3, '0')}.json`);
const doneFile = (dir: string, round: number) => join(dir, `round-${String(round).padStart(3, '0')}.done.json`);

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The rounds a run has written so far: the last one, and whether its answers are stored. */
async function lastRound(dir: string): Promise<{ round: number; done: boolean } | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const rounds = names.map((n) => /^round-(\d+)\.json$/.exec(n)?.[1]).filter((r): r is string => !!r).map(Number);
  if (!rounds.length) return undefined;
  const round = Math.max(...rounds);
  return { round, done: names.includes(`round-${String(round).padStart(3, '0')}.done.json`) };
}

/**
 * The store, noting every artefact written through it. A user's phases finish over several rounds,
 * so by its last round the earlier ones read as cache hits; the note tells the record they were
 * computed, and paid for, in this run.
 */
function notingWrites(store: ArtefactStore, written: Set<string>): ArtefactStore {
  return {
    kind: store.kind,
    read: (hash) => store.read(hash),
    write: async (artefact) => {
      await store.write(artefact);
      written.add(artefact.hash);
    },
    delete: (hash) => store.delete(hash),
    list: () => store.list(),
    ...(store.claim ? { claim: (hash: string) => store.claim!(hash) } : {}),
  };
}

const computedInRun = (record: UserRecord, written: ReadonlySet<string>): UserRecord =>
  record.phases ? { ...record, phases: Object.fromEntries(Object.entries(record.phases).map(([name, p]) => [name, p.cached && written.has(p.hash) ? { ...p, cached: false } : p])) } : record;

const reviveInvalid = (u: Extract<Unusable, { status: 'invalid' }>): StructuredOutputError =>
  new StructuredOutputError({ stage: u.stage, model: u.model, detail: `${u.detail} (batch answer)`, text: u.text, finishReason: u.finishReason, usage: u.usage, attempts: u.attempts });

/**
 * A batch run: the pipeline runs in rounds with a registry whose LLM answers come from the answer
 * cache (keyed by request content). A miss records the request and stops that user's phase as
 * pending (neither stored nor failed). After a round, every recorded request goes to the Batch
 * API, one job per role, and the answers are stored; the next round runs the pending users again,
 * now finding their answers, and a cascade that escalates records its next request. It ends when
 * no user is pending. A line the batch never answered (expired, an error line) is called live in
 * the next round; an answer that is not usable (refusal, fails the schema) escalates as it would
 * live. Round n's requests are written before they are sent and its jobs are keyed by run + round,
 * so a process killed mid-poll picks the same batches up again instead of paying twice.
 */
export async function runBatchRounds(options: BatchRoundsOptions): Promise<BatchRoundsResult> {
  const { contextFor, users, pipeline, runsDir, runner, onUserDone, onRound, signal } = options;
  const config = options.ctx.config;
  const concurrency = options.concurrency ?? config.run.concurrency;
  const budgetUsd = options.budgetUsd ?? config.run.budgetUsd;
  const maxRounds = options.maxRounds ?? config.run.maxBatchRounds;
  const { recorder, resumed, done: alreadyDone } = await RunRecorder.start({ ctx: options.ctx, runsDir, runId: options.runId, pipeline: pipeline.name, users, budgetUsd });
  const runId = recorder.runId;
  const log = options.ctx.logger.child({ runId, mode: 'batch' });
  const dir = join(runDir(runsDir, runId), 'batch');
  await mkdir(dir, { recursive: true });
  // Hashes of artefacts this run computed (kept on disk: a restarted run's earlier rounds count too).
  const writtenPath = join(dir, 'computed.json');
  const written = new Set<string>((await readJson<string[]>(writtenPath)) ?? []);
  const ctx: Ctx = { ...options.ctx, artefacts: notingWrites(options.ctx.artefacts, written) };
  const unusablePath = join(dir, 'unusable.json');
  const unusable = new Map<string, Unusable>(Object.entries((await readJson<Record<string, Unusable>>(unusablePath)) ?? {}));
  // Answers a batch could not give come from the models themselves, never through another answer cache.
  const live = uncachedModels(ctx.models);
  let batchedRequests = 0;
  let sentRounds = 0;

  /** Sends a round's requests (or picks up those in flight) and stores what came back. */
  async function answerRound(round: number, requests: readonly RoundRequest[], pendingUsers: number): Promise<void> {
    const byRole = new Map<Role, RoundRequest[]>();
    for (const r of requests) byRole.set(r.role, [...(byRole.get(r.role) ?? []), r]);
    onRound?.({ round, requests: requests.length, pendingUsers, stage: 'sending' });
    const runs = await Promise.all(
      [...byRole].map(async ([role, rs]) => ({ role, rs, run: await runner.run<unknown>(`${runId}.round-${round}.${role}`, role, rs.map((r) => r.request), { signal }) })),
    );
    for (const { rs, run } of runs) {
      for (const [i, outcome] of run.outcomes.entries()) {
        const { hash, role, request } = rs[i];
        if (outcome.status === 'ok') {
          const key = answerKey(live, { role, schema: request.schema, schemaName: request.schemaName, messages: request.messages });
          await cachedArtefact(ctx, key, async () => ({ data: outcome.result, provenance: { attempts: [], usage: outcome.result.usage, latencyMs: outcome.result.latencyMs, role, model: outcome.result.model, confidence: undefined } }));
        } else if (outcome.status === 'invalid') {
          const e = outcome.error;
          unusable.set(hash, { status: 'invalid', stage: e.stage, model: e.model, detail: e.attempts.at(-1)?.detail ?? e.message, text: e.text, finishReason: e.finishReason, usage: e.usage, attempts: e.attempts });
        } else {
          unusable.set(hash, { status: 'failed', code: outcome.code, message: outcome.message });
        }
      }
    }
    await writeJson(unusablePath, Object.fromEntries(unusable));
    await writeJson(writtenPath, [...written]);
    const batches = runs.flatMap((r) => r.run.batches);
    await writeJson(doneFile(dir, round), { round, requests: requests.length, batches });
    batchedRequests += requests.length;
    sentRounds++;
    log.info({ round, requests: requests.length, batches: batches.map((b) => ({ id: b.id, status: b.status, completed: b.completed, failed: b.failed })) }, 'batch round answered');
    onRound?.({ round, requests: requests.length, pendingUsers, stage: 'answered', resumed: runs.some((r) => r.run.resumed), batches });
  }

  // A restart: a round whose requests were written but whose answers were not stored is still at the provider.
  const previous = resumed ? await lastRound(dir) : undefined;
  let round = previous ? previous.round : 0;
  if (previous && !previous.done) {
    const saved = (await readJson<{ requests: RoundRequest[]; pendingUsers: number }>(roundFile(dir, round)))!;
    log.info({ round, requests: saved.requests.length }, 'resuming a batch round submitted before the restart');
    await answerRound(round, saved.requests, saved.pendingUsers);
  }

  let todo = users.filter((u) => !alreadyDone.has(u));
  let done = users.length - todo.length;
  let stoppedForBudget = false;
  while (todo.length && !signal?.aborted) {
    round++;
    const recorded = new Map<string, RoundRequest>();
    const models = withAnswerCache(live, ctx, {
      onMiss: async (request: GenerateStructuredOptions, hash: string): Promise<StructuredResult<unknown>> => {
        const bad = unusable.get(hash);
        if (bad?.status === 'failed') return live.generateStructured(request);
        if (bad?.status === 'invalid') throw reviveInvalid(bad);
        if (round > maxRounds) throw new Error(`no batch answer after ${maxRounds} rounds (run.maxBatchRounds)`);
        recorded.set(hash, { hash, role: request.role, request: { customId: hash, schema: request.schema, schemaName: request.schemaName, messages: request.messages } });
        throw new PendingBatchError(hash, request.role);
      },
    });
    const roundCtx: Ctx = { ...ctx, models };
    const pending: string[] = [];
    const limit = pLimit(concurrency);
    await Promise.all(
      todo.map((userId) =>
        limit(async () => {
          if (signal?.aborted) return;
          if (budgetUsd !== undefined && recorder.spentUsd >= budgetUsd) {
            stoppedForBudget = true;
            return;
          }
          const { record, error } = await runUser(roundCtx, pipeline, contextFor, userId);
          if (record.status === 'failed' && isPendingBatch(error)) return void pending.push(userId);
          if (record.status === 'failed') log.error({ userId, err: record.error }, 'user failed; continuing');
          const recorded = computedInRun(record, written);
          void recorder.record(recorded);
          onUserDone?.(recorded, ++done, users.length);
        }),
      ),
    );
    if (!recorded.size || signal?.aborted || stoppedForBudget) break;
    const requests = [...recorded.values()];
    await writeJson(roundFile(dir, round), { round, requests, pendingUsers: pending.length });
    try {
      await answerRound(round, requests, pending.length);
    } catch (e) {
      if (signal?.aborted) break;
      throw e;
    }
    todo = pending;
  }
  const finished = await recorder.finish(signal?.aborted ? 'interrupted' : stoppedForBudget ? 'stopped-budget' : 'complete');
  return { ...finished, rounds: sentRounds, batchedRequests };
}
