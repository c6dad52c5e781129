/**
 * Case 2, crash and resume: `hubgen run` is SIGKILLed at a chosen kind of moment — right after the
 * provider sent a paid answer, while an artefact is being written, while the manifest is being
 * written, or at a random time — then `hubgen run --run-id ID` must finish the run: every user
 * done, no artefact left readable that is corrupt, and no paid call made twice (counted at the
 * provider by request hash, against a clean run of the same users).
 */
import { existsSync, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../base/random.js';
import { openLab, runArgs, type Lab } from '../lab.js';
import { artefactShardDirs, describeHit, freezeAndLook, KILL_POINTS, killDuringWrite, type KillPoint, type KillSnapshot, type KillTarget } from '../kill-points.js';
import { repeatedPaidCalls } from '../paid-ledger.js';
import { ANSWER_PHASE } from '../../kit/answer-cache.js';
import { referenceRun, type ReferenceRun } from '../reference-run.js';
import { checkArtefactStore, mustReadManifest, pageOutcomes } from '../store-check.js';
import { freshWorkDir, hubgenIn, runIdOf, type ChaosBase } from '../work-dir.js';
import type { ChildProcess } from 'node:child_process';

export interface CrashResumeOptions {
  readonly users: readonly string[];
  /** Scenarios to run, cycling through `points`. */
  readonly kills: number;
  readonly seed: number;
  readonly concurrency: number;
  readonly points?: readonly KillPoint[];
  readonly onScenario?: (s: CrashScenario) => void;
}

export interface CrashScenario {
  readonly point: KillPoint;
  /** False when the run finished before the chosen moment came (then nothing was tested). */
  readonly killed: boolean;
  /** What the frozen process was doing (describeHit). */
  readonly hit: string;
  readonly snapshot?: KillSnapshot;
  /** Users the manifest had done when the process died. */
  readonly usersDoneAtKill: number;
  /** Artefact files that read back corrupt right after the kill (target: none). */
  readonly corruptAfterKill: readonly string[];
  readonly leftoverTempFiles: number;
  readonly resumeExit: number | null;
  readonly resumedComplete: boolean;
  readonly lost: readonly string[];
  readonly failed: number;
  /** Paid answers beyond what a clean run paid for the same requests (target: 0). */
  readonly repeatedPaidCalls: number;
  /** Answers the provider sent (and billed) after the process froze, which it never received. */
  readonly paidAfterFreeze: number;
  /** Answers the provider sent (and billed) the killed process, before and after the freeze. */
  readonly paidToKilledRun: number;
  /** Answers the killed process had stored, intact, when it died (llm-answer artefacts). */
  readonly answersStoredAtKill: number;
}

export interface CrashResumeResult {
  readonly users: number;
  /** Paid calls of the clean reference run. */
  readonly referencePaidCalls: number;
  readonly scenarios: readonly CrashScenario[];
}

/** Arms the kill for one scenario once the child is spawned; returns a disarm function. */
function armKill(point: KillPoint, t: KillTarget, lab: Lab, ref: ReferenceRun, random: () => number, users: number, got: (s: KillSnapshot) => void): () => void {
  const runDir = join(t.workDir, 'runs', t.runId);
  switch (point) {
    case 'after-llm-answer': {
      // The answer is written in the tick the ledger records it; the kill lands just after, before the child can store it.
      const at = 1 + Math.floor(random() * Math.max(1, ref.paidCalls - 1));
      lab.ledger.onPaid = (_e, n) => {
        if (n === at) setImmediate(() => void freezeAndLook(t, () => true).then((s) => s && got({ ...s, paidBeforeAim: at - 1 })));
      };
      return () => (lab.ledger.onPaid = undefined);
    }
    case 'artefact-write': {
      const shards = artefactShardDirs(t.workDir);
      let stop = () => {};
      void shards.then((dirs) => (stop = killDuringWrite(t, dirs, Math.floor(random() * (ref.artefacts / 2)), 'artefact', got)));
      return () => stop();
    }
    case 'manifest-write':
      return killDuringWrite(t, [runDir], Math.floor(random() * users), 'manifest', got);
    case 'random-time': {
      // From the first manifest on (the run exists, so --run-id alone can resume it), a random share of a clean run's time.
      let timer: NodeJS.Timeout | undefined;
      const w = watch(runDir, () => {
        if (timer || !existsSync(join(runDir, 'manifest.json'))) return;
        timer = setTimeout(() => void freezeAndLook(t, () => true).then((s) => s && got(s)), random() * ref.wallMs * 0.8);
      });
      return () => {
        w.close();
        clearTimeout(timer);
      };
    }
  }
}

async function scenario(base: ChaosBase, o: CrashResumeOptions, ref: ReferenceRun, point: KillPoint, n: number, random: () => number): Promise<CrashScenario> {
  const label = `crash-${n}`;
  const lab = await openLab(base, label);
  const workDir = await freshWorkDir(base, label);
  const runId = `chaos-${label}`;
  // Made up front so the manifest's directory can be watched from the start.
  await mkdir(join(workDir, 'runs', runId), { recursive: true });
  if (point === 'artefact-write') await artefactShardDirs(workDir);
  let snapshot: KillSnapshot | undefined;
  let disarm = () => {};
  try {
    const paidSoFar = () => lab.ledger.entries.filter((e) => e.answer === 'paid').length;
    const onSpawn = (child: ChildProcess) => {
      disarm = armKill(point, { child, workDir, runId, server: lab.server, paidSoFar }, lab, ref, random, o.users.length, (s) => (snapshot ??= s));
    };
    const first = await hubgenIn(base, workDir, runArgs(lab, '--users', o.users.join(','), '--run-id', runId, '-c', String(o.concurrency)), { onSpawn });
    disarm();
    const killed = first.signal === 'SIGKILL';
    // The provider answers a frozen process and bills it: answers it never received.
    const paidAfterFreeze = snapshot ? paidSoFar() - snapshot.paidSoFar : 0;
    const started = existsSync(join(workDir, 'runs', runId, 'manifest.json'));
    const usersDoneAtKill = started ? Object.values((await mustReadManifest(workDir, runId)).users).filter((u) => u.status === 'ok').length : 0;
    const paidToKilledRun = paidSoFar();
    // The disk as the kill left it: a frozen, then killed, process writes nothing more.
    const afterKill = await checkArtefactStore(workDir);
    // A run killed before its first manifest write has nothing to resume by id alone: it is started again with its users.
    const resume = await hubgenIn(base, workDir, runArgs(lab, '--run-id', runId, ...(started ? [] : ['--users', o.users.join(',')])));
    const manifest = await mustReadManifest(workDir, runIdOf(resume.stdout));
    const pages = await pageOutcomes(workDir, manifest);
    return {
      point,
      killed,
      hit: !killed || !snapshot ? 'not killed: the run finished first' : point === 'after-llm-answer' && describeHit(snapshot) === 'phase work (no write open)' ? 'just after a paid answer, before its artefact' : describeHit(snapshot),
      snapshot,
      usersDoneAtKill,
      corruptAfterKill: afterKill.problems,
      leftoverTempFiles: afterKill.leftoverTempFiles,
      resumeExit: resume.code,
      resumedComplete: manifest.status === 'complete',
      lost: pages.lost,
      failed: pages.failed.length,
      repeatedPaidCalls: repeatedPaidCalls(lab.ledger.paidByHash(), ref.paid),
      paidAfterFreeze,
      paidToKilledRun,
      answersStoredAtKill: afterKill.byPhase[ANSWER_PHASE] ?? 0,
    };
  } finally {
    disarm();
    await lab.close();
  }
}

export async function runCrashResume(base: ChaosBase, o: CrashResumeOptions): Promise<CrashResumeResult> {
  const points = o.points ?? KILL_POINTS;
  const random = mulberry32(o.seed);
  const ref = await referenceRun(base, 'crash', o.users, o.concurrency);
  const scenarios: CrashScenario[] = [];
  for (let n = 0; n < o.kills; n++) {
    const point = points[n % points.length];
    // A moment that never came (the run was faster than the draw) is drawn again, twice at most.
    let s = await scenario(base, o, ref, point, n, random);
    for (let retry = 1; !s.killed && retry <= 2; retry++) s = await scenario(base, o, ref, point, n + retry * 1000, random);
    scenarios.push(s);
    o.onScenario?.(s);
  }
  return { users: o.users.length, referencePaidCalls: ref.paidCalls, scenarios };
}

/**
 * Answers the killed process paid for and had not stored when it died: a resume asks for them
 * again, and no client can avoid that without an idempotency key at the provider. The kill catches
 * answers anywhere between the provider's send and the rename that stores them: sent to a frozen
 * process, unread in the socket, being parsed and validated, queued behind other work for the
 * store's file I/O, or half-written as a temp file. On two busy cores that stretch lasts 10–90 ms,
 * with up to 8 calls in flight, so a kill lands in it often (it holds most repeats). Counted from
 * both ends rather than from what the snapshot saw: every paid answer of the killed run minus the
 * answers it left stored (a fresh work dir, so each stored answer is one paid request; a paid reply
 * that failed validation and was asked again is never stored by itself and counts as not stored).
 * Any repeat beyond it is an answer already stored and paid for twice.
 */
export const answersNotYetStored = (s: CrashScenario): number => Math.max(0, s.paidToKilledRun - s.answersStoredAtKill);

/** Paid calls repeated beyond the answers the kill caught before they were stored (target 0). */
export const repeatedReceived = (s: CrashScenario): number => Math.max(0, s.repeatedPaidCalls - answersNotYetStored(s));
