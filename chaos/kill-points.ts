/**
 * Honest ways to SIGKILL a `hubgen run` at a chosen kind of moment. The child is frozen with
 * SIGSTOP first, the disk and the provider are looked at while nothing moves, and only then is it
 * killed: what the snapshot shows is exactly what the kill interrupted.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ScriptedServer } from '../llm/simulator/scripted-server.js';

export const KILL_POINTS = ['after-llm-answer', 'artefact-write', 'manifest-write', 'random-time'] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

/** What the frozen process was doing when it was killed. */
export interface KillSnapshot {
  /** Half-written artefact files (temp names) at the moment of the kill. */
  readonly artefactTemps: number;
  /** Half-written manifest files. */
  readonly manifestTemps: number;
  /** Chat requests open at the provider. */
  readonly llmInFlight: number;
  /** Paid answers the provider had sent this process when it froze. */
  readonly paidSoFar: number;
  /** For a kill aimed just after the n-th paid answer: n − 1, the answers sent before the aimed one. */
  readonly paidBeforeAim?: number;
}

/** The observed moment, in words, for the report. */
export function describeHit(s: KillSnapshot): string {
  if (s.manifestTemps > 0) return 'manifest write';
  if (s.artefactTemps > 0) return 'artefact write';
  if (s.llmInFlight > 0) return 'LLM call in flight';
  return 'phase work (no write open)';
}

async function tempFiles(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.tmp')).length;
}

export interface KillTarget {
  readonly child: ChildProcess;
  readonly workDir: string;
  readonly runId: string;
  readonly server: ScriptedServer;
  readonly paidSoFar: () => number;
}

/** Freezes the child and looks; `kill` decides from the snapshot whether to kill it or let it go on. */
export async function freezeAndLook(t: KillTarget, kill: (s: KillSnapshot) => boolean): Promise<KillSnapshot | undefined> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return undefined;
  t.child.kill('SIGSTOP');
  // The provider's side is read in the tick of the freeze: it goes on answering (and billing) the
  // frozen process while the disk is read below, and those answers are after the freeze, not before.
  const paidSoFar = t.paidSoFar();
  const llmInFlight = t.server.inFlight;
  const snapshot: KillSnapshot = {
    artefactTemps: await tempFiles(join(t.workDir, 'artefacts')),
    manifestTemps: await tempFiles(join(t.workDir, 'runs', t.runId)),
    llmInFlight,
    paidSoFar,
  };
  if (kill(snapshot)) {
    t.child.kill('SIGKILL');
    return snapshot;
  }
  t.child.kill('SIGCONT');
  return undefined;
}

/**
 * Watches for temp files appearing (the first step of every atomic write) in `dirs`; after
 * `skip` of them, freezes the child on each until one is still open, and kills it there.
 * inotify on each directory, so it sees the write as it starts.
 */
export function killDuringWrite(t: KillTarget, dirs: readonly string[], skip: number, which: 'artefact' | 'manifest', done: (s: KillSnapshot) => void): () => void {
  let seen = 0;
  let busy = false;
  let finished = false;
  const watchers: FSWatcher[] = dirs.map((dir) =>
    watch(dir, (_event, file) => {
      if (finished || busy || !file?.toString().endsWith('.tmp') || seen++ < skip) return;
      busy = true;
      void freezeAndLook(t, (s) => (which === 'artefact' ? s.artefactTemps : s.manifestTemps) > 0).then((s) => {
        busy = false;
        if (s && !finished) {
          finished = true;
          done(s);
        }
      });
    }),
  );
  return () => watchers.forEach((w) => w.close());
}

/** The 256 shard directories of the fs artefact store, made up front so each can be watched. */
export async function artefactShardDirs(workDir: string): Promise<string[]> {
  const dirs = Array.from({ length: 256 }, (_, i) => join(workDir, 'artefacts', i.toString(16).padStart(2, '0')));
  await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
  return dirs;
}
