import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freezeAndLook, type KillTarget } from './kill-points.js';
import type { ChildProcess } from 'node:child_process';
import type { ScriptedServer } from '../llm/simulator/scripted-server.js';

const dirs: string[] = [];
afterEach(async () => void (await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))));

describe('freezeAndLook', () => {
  it('counts the answers the provider sent before the freeze, not those it sends the frozen process while the disk is read', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'hubgen-kill-points-'));
    dirs.push(workDir);
    let paid = 3;
    const signals: string[] = [];
    // The provider answers a frozen process: here, in the first turn after SIGSTOP, before any disk read can finish.
    const child = {
      exitCode: null,
      signalCode: null,
      kill: (signal: string) => {
        signals.push(signal);
        if (signal === 'SIGSTOP') queueMicrotask(() => (paid += 2));
        return true;
      },
    } as unknown as ChildProcess;
    const t: KillTarget = { child, workDir, runId: 'r', server: { inFlight: 0 } as ScriptedServer, paidSoFar: () => paid };
    const snapshot = await freezeAndLook(t, () => true);
    expect(signals).toEqual(['SIGSTOP', 'SIGKILL']);
    expect(snapshot?.paidSoFar).toBe(3);
    expect(paid).toBe(5);
  });
});
