import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runDir } from './manifest.js';
import { RunLockedError } from './run-locked-error.js';

interface LockContent {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  /** Tells two locks of one pid apart (a pid can be reused). */
  readonly token: string;
}

export interface RunLock {
  readonly file: string;
  release(): Promise<void>;
}

export const runLockPath = (runsDir: string, runId: string): string => join(runDir(runsDir, runId), 'run.lock');

/** Whether a process of that pid lives here (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockContent | undefined | 'gone'> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as LockContent;
    return typeof parsed?.pid === 'number' ? parsed : undefined;
  } catch (e) {
    // A lock whose writer died between creating and filling it is as stale as a dead pid.
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined;
  }
}

/** A lock is stale when its process is gone; one on another host cannot be checked, so it stands. */
const isStale = (lock: LockContent | undefined): boolean => !lock || (lock.hostname === hostname() && !alive(lock.pid));

/**
 * Takes `<runsDir>/<runId>/run.lock` for this process: created with O_EXCL, so of two processes
 * starting one run at once exactly one gets it and the other gets a RunLockedError naming the
 * holder. A lock left by a process that died (its pid is gone) is taken over: moved aside by
 * rename (only one taker can move it), checked to be the stale one, then replaced.
 */
export async function acquireRunLock(runsDir: string, runId: string): Promise<RunLock> {
  const file = runLockPath(runsDir, runId);
  await mkdir(runDir(runsDir, runId), { recursive: true });
  const mine: LockContent = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomUUID() };
  // Written whole first, then linked into place: link fails if the lock exists (O_EXCL's guarantee), and
  // a reader never sees a lock without its content.
  const draft = `${file}.${mine.token}.draft`;
  try {
    await writeFile(draft, JSON.stringify(mine));
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await linkExclusive(draft, file)) return { file, release: () => releaseRunLock(file, mine.token) };
      await takeOverStale(file, runId, mine.token);
    }
  } catch (e) {
    if (RunLockedError.isInstance(e)) throw e;
    throw new Error(`could not take the run lock ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    await unlink(draft).catch(() => {});
  }
  throw new Error(`could not take the run lock ${file}: it keeps changing hands`);
}

async function linkExclusive(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Removes a stale lock so the next try can take it; throws RunLockedError when the holder lives. */
async function takeOverStale(file: string, runId: string, token: string): Promise<void> {
  const holder = await readLock(file);
  if (holder === 'gone') return;
  if (!isStale(holder)) throw new RunLockedError(runId, file, holder!);
  const aside = `${file}.stale-${token}`;
  try {
    await rename(file, aside);
  } catch {
    return; // another process moved it first
  }
  const moved = await readLock(aside);
  // Between our read and our rename the stale lock may have been replaced by a live one: put that back.
  if (moved !== 'gone' && !isStale(moved)) await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
}

async function releaseRunLock(file: string, token: string): Promise<void> {
  const current = await readLock(file);
  if (current && current !== 'gone' && current.token === token) await unlink(file).catch(() => {});
}
