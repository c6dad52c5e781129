/**
 * Case 3, storage faults, each on a copy of a work dir where a run has finished: a truncated
 * artefact, a bit-flipped artefact, a run manifest that is not JSON, and a full disk under the
 * artefacts and under the runs. Each must be detected and reported (naming the file), then
 * recomputed, or the run stopped with a clear error; pages done before stay done.
 */
import { readFile, rename, symlink, truncate, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { mountFullDisk, type FullDisk } from '../full-disk.js';
import { openLab, runArgs, type Lab } from '../lab.js';
import { mustReadManifest, pageOutcomes, checkArtefactStore } from '../store-check.js';
import { freshWorkDir, hubgenIn, runIdOf, type ChaosBase } from '../work-dir.js';

export const STORAGE_FAULTS = ['truncated artefact', 'bit-flipped artefact', 'manifest not JSON', 'disk full under artefacts', 'disk full under runs'] as const;
export type StorageFault = (typeof STORAGE_FAULTS)[number];

export interface StorageScenario {
  readonly fault: StorageFault;
  /** Set when the fault could not be made here (e.g. no right to mount a filesystem to fill). */
  readonly skipped?: string;
  /** The file the fault was put in. */
  readonly file: string;
  /** hubgen said so, naming the file. */
  readonly reportedWithFile: boolean;
  /** What hubgen did about it: recomputed, failed the users it could not store, or stopped. */
  readonly outcome: 'recomputed' | 'users failed with reason' | 'stopped with an error' | 'not detected';
  /** The line hubgen printed about it. */
  readonly message: string;
  /** Pages of the first run that no longer read back afterwards (target 0). */
  readonly lostBefore: number;
  /** After the fault is gone (space freed, or a new run): every user done. */
  readonly recovered: boolean;
}

export interface StorageFaultsResult {
  readonly users: number;
  readonly scenarios: readonly StorageScenario[];
}

interface Done {
  readonly workDir: string;
  readonly runId: string;
}

const firstLine = (text: string, re: RegExp): string => text.split('\n').find((l) => re.test(l)) ?? '';

async function artefactFileOf(done: Done, workDir: string, userId: string): Promise<string> {
  const hash = (await mustReadManifest(workDir, done.runId)).users[userId].phases!.themes.hash;
  return join(workDir, 'artefacts', hash.slice(0, 2), `${hash}.json`);
}

/** Pages of the finished run whose artefacts no longer read back. */
async function lostFromFirstRun(done: Done, workDir: string): Promise<number> {
  return (await pageOutcomes(workDir, await mustReadManifest(workDir, done.runId))).lost.length;
}

/** Flips the lowest bit of the first letter of the stored data: still JSON, no longer what was checksummed. */
function flipABit(text: string): string {
  const at = text.indexOf('"pageTitle": "') + '"pageTitle": "'.length;
  return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
}

async function corruptArtefact(base: ChaosBase, lab: Lab, done: Done, users: readonly string[], fault: 'truncated artefact' | 'bit-flipped artefact'): Promise<StorageScenario> {
  const workDir = await freshWorkDir(base, 'storage', done.workDir);
  const file = await artefactFileOf(done, workDir, users[0]);
  if (fault === 'truncated artefact') await truncate(file, Math.floor((await readFile(file)).length / 2));
  else await writeFile(file, flipABit(await readFile(file, 'utf8')));
  const r = await hubgenIn(base, workDir, runArgs(lab, '--users', users.join(',')));
  const store = await checkArtefactStore(workDir);
  return {
    fault,
    file,
    reportedWithFile: r.stderr.includes('corrupted artefact; recomputing') && r.stderr.includes(file),
    outcome: r.code === 0 && store.problems.length === 0 ? 'recomputed' : 'not detected',
    message: firstLine(r.stderr, /corrupted artefact/),
    lostBefore: await lostFromFirstRun(done, workDir),
    recovered: r.code === 0 && (await pageOutcomes(workDir, await mustReadManifest(workDir, runIdOf(r.stdout)))).ok === users.length,
  };
}

async function corruptManifest(base: ChaosBase, lab: Lab, done: Done, users: readonly string[]): Promise<StorageScenario> {
  const workDir = await freshWorkDir(base, 'storage', done.workDir);
  const file = join(workDir, 'runs', done.runId, 'manifest.json');
  await writeFile(file, (await readFile(file, 'utf8')).slice(0, 200));
  const resume = await hubgenIn(base, workDir, runArgs(lab, '--run-id', done.runId));
  // The pages are still in the store: a new run of the same users finds every one of them.
  const paidBefore = lab.ledger.entries.length;
  const again = await hubgenIn(base, workDir, runArgs(lab, '--users', users.join(',')));
  const rerun = again.code === 0 ? await mustReadManifest(workDir, runIdOf(again.stdout)) : undefined;
  const allCached = !!rerun && Object.values(rerun.users).every((u) => Object.values(u.phases ?? {}).every((p) => p.cached));
  return {
    fault: 'manifest not JSON',
    file,
    reportedWithFile: resume.code === 1 && resume.stderr.includes(file),
    outcome: resume.code === 1 ? 'stopped with an error' : 'not detected',
    message: resume.stderr.trim().split('\n').at(-1) ?? '',
    lostBefore: allCached && lab.ledger.entries.length === paidBefore ? 0 : users.length,
    recovered: allCached,
  };
}

/** Moves `<workDir>/<sub>` onto a small filesystem of its own (a symlink keeps the path). */
async function onOwnDisk(base: ChaosBase, done: Done, sub: 'artefacts' | 'runs', disk: FullDisk): Promise<string> {
  const workDir = await freshWorkDir(base, 'storage', done.workDir);
  const onDisk = join(disk.dir, sub);
  await cp(join(workDir, sub), onDisk, { recursive: true });
  await rename(join(workDir, sub), join(workDir, `${sub}.moved`));
  await symlink(onDisk, join(workDir, sub));
  return workDir;
}

async function diskFull(base: ChaosBase, lab: Lab, done: Done, users: readonly string[], more: readonly string[], sub: 'artefacts' | 'runs'): Promise<StorageScenario> {
  const fault: StorageFault = sub === 'artefacts' ? 'disk full under artefacts' : 'disk full under runs';
  const disk = await mountFullDisk(4096);
  if ('unavailable' in disk) return { fault, skipped: disk.unavailable, file: '', reportedWithFile: false, outcome: 'not detected', message: '', lostBefore: 0, recovered: false };
  try {
    // The users done before (their pages only need reading) and new ones (whose pages need writing).
    const all = [...users, ...more].join(',');
    const workDir = await onOwnDisk(base, done, sub, disk);
    // Artefacts: full from the start. Runs: full once the run has recorded its first page, so a manifest write fails mid-run.
    if (sub === 'artefacts') await disk.fill();
    let filling: Promise<void> | undefined;
    const onStderr = sub === 'runs' ? (err: string) => void (filling ??= /pages: 1\//.test(err) ? disk.fill() : undefined) : undefined;
    const r = await hubgenIn(base, workDir, runArgs(lab, '--users', all, '--run-id', `chaos-${sub}-full`, '-c', '1'), { onStderr });
    await filling;
    const where = join(workDir, sub);
    const line = firstLine(r.stderr, /ENOSPC|no space/i) || r.stderr.trim().split('\n').at(-1) || '';
    const lostBefore = await lostFromFirstRun(done, workDir);
    await disk.free();
    const resume = await hubgenIn(base, workDir, runArgs(lab, '--users', all, '--run-id', `chaos-${sub}-full`));
    const after = resume.code === 0 ? await pageOutcomes(workDir, await mustReadManifest(workDir, runIdOf(resume.stdout))) : undefined;
    return {
      fault,
      file: where,
      reportedWithFile: line.includes(where),
      outcome: r.code === 3 ? 'users failed with reason' : r.code === 1 ? 'stopped with an error' : 'not detected',
      message: line.slice(0, 300),
      lostBefore,
      recovered: !!after && after.ok === users.length + more.length,
    };
  } finally {
    await disk.unmount();
  }
}

export async function runStorageFaults(base: ChaosBase, { users, more }: { users: readonly string[]; more: readonly string[] }): Promise<StorageFaultsResult> {
  const lab = await openLab(base, 'storage');
  try {
    const workDir = await freshWorkDir(base, 'storage-done');
    const first = await hubgenIn(base, workDir, runArgs(lab, '--users', users.join(',')));
    if (first.code !== 0) throw new Error(`the storage case's first run exited ${first.code}:\n${first.stderr.slice(-2000)}`);
    const done: Done = { workDir, runId: runIdOf(first.stdout) };
    return {
      users: users.length,
      scenarios: [
        await corruptArtefact(base, lab, done, users, 'truncated artefact'),
        await corruptArtefact(base, lab, done, users, 'bit-flipped artefact'),
        await corruptManifest(base, lab, done, users),
        await diskFull(base, lab, done, users, more, 'artefacts'),
        await diskFull(base, lab, done, users, more, 'runs'),
      ],
    };
  } finally {
    await lab.close();
  }
}
