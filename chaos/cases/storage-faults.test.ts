import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeWorkDirs, sharedChaosBase } from '../work-dir.js';
import { runStorageFaults, type StorageFaultsResult, type StorageScenario } from './storage-faults.js';

let result: StorageFaultsResult;
const scenario = (fault: StorageScenario['fault']) => result.scenarios.find((s) => s.fault === fault)!;

beforeAll(async () => {
  const base = await sharedChaosBase();
  result = await runStorageFaults(base, { users: base.users.slice(0, 1), more: base.users.slice(1, 2) });
}, 240_000);

afterAll(removeWorkDirs);

describe('storage faults on a work dir where a run has finished', () => {
  it.each(['truncated artefact', 'bit-flipped artefact'] as const)('a %s is detected, named and recomputed', (fault) => {
    const s = scenario(fault);
    expect(s.reportedWithFile).toBe(true);
    expect(s.message).toContain(fault === 'truncated artefact' ? 'is not valid JSON' : 'checksum mismatch');
    expect(s.outcome).toBe('recomputed');
  });

  it('a manifest that is not JSON stops the resume with an error naming it; a new run still finds every page', () => {
    const s = scenario('manifest not JSON');
    expect(s.outcome).toBe('stopped with an error');
    // What JSON.parse says depends on where the cut fell; the line must name the file either way.
    expect(s.message.startsWith(`hubgen: Run manifest ${s.file} is unreadable: `)).toBe(true);
    expect(s.recovered).toBe(true);
  });

  // Mounting a tmpfs to fill needs root with CAP_SYS_ADMIN (root ignores chmod, so no mode can stand in);
  // where it is missing the case says so in `skipped` and these two check only that.
  it('a full disk under the artefacts fails the users whose pages need writing, naming the file; freed, the run finishes', () => {
    const s = scenario('disk full under artefacts');
    if (s.skipped) return expect(s.skipped).toMatch(/^cannot mount a tmpfs/);
    expect(s.outcome).toBe('users failed with reason');
    expect(s.message).toMatch(/could not write artefact \/.+\/artefacts\/[0-9a-f]{2}\/[0-9a-f]{64}\.json: ENOSPC: no space left on device/);
    expect(s.recovered).toBe(true);
  });

  it('a disk that fills under the runs mid-run stops the run naming the file; freed, the run finishes', () => {
    const s = scenario('disk full under runs');
    if (s.skipped) return expect(s.skipped).toMatch(/^cannot mount a tmpfs/);
    expect(s.outcome).toBe('stopped with an error');
    // The first write after the disk fills: a user's record appended to the journal, or, when the
    // last users' records fit in what was left, the finished manifest.
    expect(s.message).toMatch(/^hubgen: could not (append to run journal \/.+\/runs\/chaos-runs-full\/users\.jsonl|write run manifest \/.+\/runs\/chaos-runs-full\/manifest\.json): ENOSPC/);
    expect(s.recovered).toBe(true);
  });

  it('loses nothing done before: every page of the finished run still reads back', () => {
    for (const s of result.scenarios) expect(s.lostBefore, s.fault).toBe(0);
  });
});
