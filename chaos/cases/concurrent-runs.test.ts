import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeWorkDirs, sharedChaosBase } from '../work-dir.js';
import { runConcurrentRuns, type ConcurrentRunsResult } from './concurrent-runs.js';

let result: ConcurrentRunsResult;

beforeAll(async () => {
  const base = await sharedChaosBase();
  result = await runConcurrentRuns(base, { users: base.users.slice(0, 3), concurrency: 1, starts: ['simultaneous'] });
}, 240_000);

afterAll(removeWorkDirs);

describe('two hubgen run processes on one work dir and one run id at once', () => {
  it('lets one run and refuses the other, naming the holder and the lock file', () => {
    const [s] = result.scenarios;
    expect([...s.exitCodes].sort()).toEqual([0, 1]);
    expect(s.refusal).toMatch(/^hubgen: run chaos-twins-simultaneous is already running in process \d+ on .+ \(since .+; lock \/.+\/runs\/chaos-twins-simultaneous\/run\.lock\); wait for it to finish or stop it, then resume with --run-id chaos-twins-simultaneous$/);
  });

  it('keeps the manifest valid and complete, with every user recorded by the one that ran', () => {
    const [s] = result.scenarios;
    expect(s.manifestValid).toBe(true);
    expect(s.recordedAfterTwins).toBe(3);
    expect(s.finalStatus).toBe('complete');
    expect(s.lost).toEqual([]);
    expect(s.storeProblems).toEqual([]);
  });

  it('pays for each request once: no double spend at the provider', () => {
    expect(result.scenarios[0].doubleSpentCalls).toBe(0);
  });
});
