import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeWorkDirs, sharedChaosBase, type ChaosBase } from '../work-dir.js';
import { reasonKind, runProviderFaults, type ProviderFaultsResult } from './provider-faults.js';

let base: ChaosBase;
let result: ProviderFaultsResult;

beforeAll(async () => {
  base = await sharedChaosBase();
  // 30% rather than the suite's 20%, so six users see every kind of fault at least once. Faults are
  // drawn per request body (reproducible whatever order calls arrive in), so which kinds ~18 faults
  // cover depends on the pages' prompts: seed 15 gives every kind 1–3 times with today's pages. When a
  // change to what pages hold leaves a kind out, 'injects every kind' fails first; pick a seed that
  // covers all seven again (each costs a minute to try).
  result = await runProviderFaults(base, { users: base.users.slice(0, 6), rate: 0.3, seed: 15, concurrency: 3 });
}, 240_000);

afterAll(removeWorkDirs);

describe('provider faults: every LLM tier on a provider that fails 30% of calls', () => {
  it('injects every kind of fault', () => {
    expect(Object.entries(result.faultsInjected).filter(([, n]) => n > 0).map(([k]) => k)).toEqual(['rate-limited', 'server-error', 'hang', 'truncated', 'schema-invalid', 'refusal', 'content-filter']);
  });

  it('loses no page: each user ends ok or failed with a reason, in both runs', () => {
    for (const run of [result.clean, result.faulted]) {
      expect(run.pages.lost).toEqual([]);
      expect(run.pages.ok + run.pages.failed.length).toBe(6);
      for (const f of run.pages.failed) expect(f.reason.length).toBeGreaterThan(10);
      expect(run.exitCode).toBe(run.pages.failed.length ? 3 : 0);
    }
    expect(result.clean.pages.ok).toBe(6);
  });

  it('stores no schema-invalid or corrupt artefact and leaves no half-written file', () => {
    for (const run of [result.clean, result.faulted]) {
      expect(run.store.problems).toEqual([]);
      expect(run.store.valid).toBeGreaterThanOrEqual(run.pages.ok * 4);
      expect(run.store.leftoverTempFiles).toBe(0);
    }
  });

  it('pays only for answers: every unpaid request was a 429, a 500 or a hang, and each of those was retried', () => {
    const { faulted, faultsInjected: f } = result;
    expect(faulted.requests - faulted.paidCalls).toBe(f['rate-limited'] + f['server-error'] + f.hang);
    expect(faulted.requests).toBeGreaterThan(result.clean.requests);
    expect(result.clean.requests).toBe(result.clean.paidCalls);
  });
});

describe('reasonKind', () => {
  it('names the phase and each tier failure, so like failures group', () => {
    const message = 'themes: no tier produced an answer (cheap: failed: gpt-4o-mini: output was a refusal (after 1 attempt): the model refused; strong: failed: gpt-4o: output was blocked by the provider content filter (after 1 attempt): the provider filtered the reply)';
    expect(reasonKind(message)).toBe('themes: was a refusal, was blocked by the provider content filter');
    expect(reasonKind('unknown user "5": not in the dataset')).toBe('run: unknown user "5": not in the dataset');
  });
});
