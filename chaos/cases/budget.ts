/**
 * Case 4, budget: the same users twice on a provider that takes `latencyMs` per call, first with
 * no budget (what the whole run costs), then with `--budget` at a share of that and 8 users in
 * parallel, so many calls are in flight when the money runs out. Spend is counted at the provider.
 */
import { openLab, runArgs } from '../lab.js';
import { plausibleModel } from '../plausible-model.js';
import { mustReadManifest, pageOutcomes, type PageOutcomes } from '../store-check.js';
import { freshWorkDir, hubgenIn, runIdOf, type ChaosBase } from '../work-dir.js';
import type { Responder } from '../../llm/simulator/scripted-server.js';

export interface BudgetOptions {
  readonly users: readonly string[];
  readonly concurrency: number;
  /** The budget as a share of what the run costs without one. */
  readonly share: number;
  readonly latencyMs: number;
}

export interface BudgetResult {
  readonly users: number;
  readonly concurrency: number;
  readonly fullRunUsd: number;
  readonly budgetUsd: number;
  /** Billed at the provider during the budgeted run. */
  readonly spentUsd: number;
  /** max(0, spent − budget): the target is 0. */
  readonly overshootUsd: number;
  readonly peakCallsInFlight: number;
  readonly status: string;
  readonly pages: PageOutcomes;
  readonly stderrTail: string;
}

const slow = (ms: number): Responder => async (request, info) => {
  await new Promise((r) => setTimeout(r, ms));
  return plausibleModel(request, info);
};

async function budgetedRun(base: ChaosBase, o: BudgetOptions, label: string, budgetUsd?: number) {
  // Concurrency 8 at the provider too, so the run's own parallelism is what is tested.
  const lab = await openLab(base, label, { model: slow(o.latencyMs), providerConcurrency: o.concurrency, timeoutMs: 10_000 });
  const workDir = await freshWorkDir(base, label);
  try {
    const budget = budgetUsd === undefined ? [] : ['--budget', budgetUsd.toFixed(6)];
    const r = await hubgenIn(base, workDir, runArgs(lab, '--users', o.users.join(','), '-c', String(o.concurrency), ...budget), { timeoutMs: 900_000 });
    if (r.code !== 0 && r.code !== 3) throw new Error(`hubgen run (${label}) exited ${r.code}:\n${r.stderr.slice(-2000)}`);
    const manifest = await mustReadManifest(workDir, runIdOf(r.stdout));
    return { spentUsd: lab.ledger.spentUsd(), peak: lab.server.maxInFlight, manifest, pages: await pageOutcomes(workDir, manifest), stderr: r.stderr };
  } finally {
    await lab.close();
  }
}

export async function runBudget(base: ChaosBase, o: BudgetOptions): Promise<BudgetResult> {
  const full = await budgetedRun(base, o, 'budget-full');
  const budgetUsd = Math.round(full.spentUsd * o.share * 1e6) / 1e6;
  const run = await budgetedRun(base, o, 'budget', budgetUsd);
  return {
    users: o.users.length,
    concurrency: o.concurrency,
    fullRunUsd: full.spentUsd,
    budgetUsd,
    spentUsd: run.spentUsd,
    overshootUsd: Math.max(0, run.spentUsd - budgetUsd),
    peakCallsInFlight: run.peak,
    status: run.manifest.status,
    pages: run.pages,
    stderrTail: run.stderr.split('\n').filter((l) => /budget/i.test(l)).slice(0, 3).join('\n'),
  };
}
