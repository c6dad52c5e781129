import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, runLockPath } from './run-lock.js';
import { RunLockedError } from './run-locked-error.js';

const runsDir = () => mkdtemp(join(tmpdir(), 'hubgen-lock-'));
/** A pid that surely belongs to no process: one that has already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('acquireRunLock', () => {
  it('gives a run to exactly one of many takers at once; the rest are told who holds it', async () => {
    const dir = await runsDir();
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => acquireRunLock(dir, 'r1')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason);
    expect(refused.every((e) => RunLockedError.isInstance(e))).toBe(true);
    expect(refused[0].message).toBe(`run r1 is already running in process ${process.pid} on ${hostname()} (since ${refused[0].holder.startedAt}; lock ${runLockPath(dir, 'r1')}); wait for it to finish or stop it, then resume with --run-id r1`);
  });

  it('is free again once released, and leaves no draft behind', async () => {
    const dir = await runsDir();
    const lock = await acquireRunLock(dir, 'r2');
    await lock.release();
    const again = await acquireRunLock(dir, 'r2');
    expect(JSON.parse(await readFile(again.file, 'utf8')).pid).toBe(process.pid);
    expect(await readdir(join(dir, 'r2'))).toEqual(['run.lock']);
  });

  it('takes over a lock whose process is gone, or whose file is not a lock', async () => {
    for (const stale of [JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 'then', token: 'x' }), '{"pid": ']) {
      const dir = await runsDir();
      await mkdir(join(dir, 'r3'));
      await writeFile(runLockPath(dir, 'r3'), stale);
      const lock = await acquireRunLock(dir, 'r3');
      expect(JSON.parse(await readFile(lock.file, 'utf8')).pid).toBe(process.pid);
    }
  });

  it('leaves a live holder on another host alone: its pid cannot be checked from here', async () => {
    const dir = await runsDir();
    await mkdir(join(dir, 'r4'));
    await writeFile(runLockPath(dir, 'r4'), JSON.stringify({ pid: deadPid(), hostname: 'elsewhere', startedAt: 'then', token: 'x' }));
    await expect(acquireRunLock(dir, 'r4')).rejects.toThrow(/^run r4 is already running in process \d+ on elsewhere/);
  });

  it('a release by a process that lost its lock does not remove the new holder\'s', async () => {
    const dir = await runsDir();
    const first = await acquireRunLock(dir, 'r5');
    await writeFile(first.file, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 'now', token: 'someone-else' }));
    await first.release();
    expect(JSON.parse(await readFile(first.file, 'utf8')).token).toBe('someone-else');
  });
});
