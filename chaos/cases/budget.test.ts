import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeWorkDirs, sharedChaosBase } from '../work-dir.js';
import { runBudget, type BudgetResult } from './budget.js';

let result: BudgetResult;

beforeAll(async () => {
  const base = await sharedChaosBase();
  result = await runBudget(base, { users: base.users.slice(0, 8), concurrency: 8, share: 0.4, latencyMs: 50 });
}, 240_000);

afterAll(removeWorkDirs);

describe('budget: --budget at 40% of what the run costs, 8 users in parallel', () => {
  it('binds: the run without a budget costs more than the budget, with calls in flight together', () => {
    expect(result.fullRunUsd).toBeGreaterThan(result.budgetUsd);
    expect(result.peakCallsInFlight).toBeGreaterThan(1);
  });

  it('never spends past the budget, counted at the provider', () => {
    expect(result.spentUsd).toBeGreaterThan(0);
    expect(result.overshootUsd).toBe(0);
  });

  it('says why it stopped paying, and loses no page', () => {
    expect(result.stderrTail).toMatch(/budget of \$[\d.]+ reached: a \w+ call could cost up to \$/);
    expect(result.pages.lost).toEqual([]);
    expect(result.pages.ok + result.pages.failed.length + result.pages.notStarted).toBe(8);
  });
});
