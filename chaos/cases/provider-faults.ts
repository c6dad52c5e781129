/**
 * Case 1, provider faults: the same users run twice from the same indexed work dir, once with a
 * healthy provider and once with `rate` of calls failing (429 with Retry-After, 500, hangs past the
 * timeout, truncated JSON, schema-invalid JSON, refusals, content filter). Side by side: pages ok,
 * failed with a reason, lost; extra calls per page; what the retries cost.
 */
import { percentile } from '../../base/percentile.js';
import { FAULT_KINDS, faultyResponder, type FaultKind } from '../faults.js';
import { openLab, runArgs } from '../lab.js';
import { plausibleModel } from '../plausible-model.js';
import { checkArtefactStore, mustReadManifest, pageOutcomes, type PageOutcomes, type StoreCheck } from '../store-check.js';
import { freshWorkDir, hubgenIn, runIdOf, type ChaosBase } from '../work-dir.js';
import type { RunManifest } from '../../pipelines/manifest.js';

export interface ProviderFaultsOptions {
  readonly users: readonly string[];
  /** Share of calls that fail. */
  readonly rate: number;
  readonly seed: number;
  /** Users in parallel in each run. */
  readonly concurrency: number;
  /** Per-call timeout: a hang costs this much before its retry. */
  readonly timeoutMs?: number;
}

export interface RunFigures {
  readonly pages: PageOutcomes;
  readonly exitCode: number | null;
  /** Chat requests the provider saw, and how many of them it answered (and billed). */
  readonly requests: number;
  readonly paidCalls: number;
  /** Billed at the provider, at list price. */
  readonly spentUsd: number;
  readonly wallS: number;
  readonly store: StoreCheck;
  /** Model calls per user, from the manifest (failed transport attempts included). */
  readonly callsPerUser: ReadonlyMap<string, number>;
}

export interface ProviderFaultsResult {
  readonly users: number;
  readonly rate: number;
  readonly clean: RunFigures;
  readonly faulted: RunFigures;
  readonly faultsInjected: Readonly<Record<FaultKind, number>>;
  /** Failed pages grouped by what failed them. */
  readonly failedReasons: Readonly<Record<string, number>>;
  /** Extra model calls per page the faults caused (faulted − clean, pages ok in both). */
  readonly retriesPerPage: { readonly mean: number; readonly p50: number; readonly p95: number; readonly max: number };
  readonly extraCostUsd: number;
}

function callsPerUser(manifest: RunManifest): Map<string, number> {
  const out = new Map<string, number>();
  for (const [u, r] of Object.entries(manifest.users)) if (r.status === 'ok') out.set(u, Object.values(r.phases ?? {}).reduce((n, p) => n + p.usage.calls, 0));
  return out;
}

/** "themes: refusal, content filter" — the phase and the failure of each tier, so like failures group together. */
export function reasonKind(message: string): string {
  const phase = /^(\w+)[:.]/.exec(message)?.[1] ?? 'run';
  const stages = [...message.matchAll(/output (was not JSON|failed the schema|was a refusal|was cut off|was blocked by the provider content filter|could not be obtained)/g)].map((m) => m[1]);
  return `${phase}: ${[...new Set(stages)].join(', ') || message.slice(0, 80)}`;
}

async function oneRun(base: ChaosBase, label: string, o: ProviderFaultsOptions, faults?: Record<FaultKind, number>): Promise<RunFigures> {
  const model = faults ? faultyResponder({ rate: o.rate, seed: o.seed, inner: plausibleModel, onFault: (k) => faults[k]++ }) : plausibleModel;
  const lab = await openLab(base, label, { model, timeoutMs: o.timeoutMs ?? 1500 });
  const workDir = await freshWorkDir(base, label);
  try {
    const t0 = performance.now();
    const r = await hubgenIn(base, workDir, runArgs(lab, '--users', o.users.join(','), '-c', String(o.concurrency)), { timeoutMs: 1_800_000 });
    const wallS = (performance.now() - t0) / 1000;
    if (r.code !== 0 && r.code !== 3) throw new Error(`hubgen run (${label}) exited ${r.code}:\n${r.stderr.slice(-3000)}`);
    const manifest = await mustReadManifest(workDir, runIdOf(r.stdout));
    return {
      pages: await pageOutcomes(workDir, manifest),
      exitCode: r.code,
      requests: lab.server.requests.length,
      paidCalls: lab.ledger.entries.filter((e) => e.answer === 'paid').length,
      spentUsd: lab.ledger.spentUsd(),
      wallS,
      store: await checkArtefactStore(workDir),
      callsPerUser: callsPerUser(manifest),
    };
  } finally {
    await lab.close();
  }
}

export async function runProviderFaults(base: ChaosBase, o: ProviderFaultsOptions): Promise<ProviderFaultsResult> {
  const clean = await oneRun(base, 'faults-clean', o);
  const faultsInjected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const faulted = await oneRun(base, 'faults', o, faultsInjected);
  const extra = [...faulted.callsPerUser].filter(([u]) => clean.callsPerUser.has(u)).map(([u, n]) => n - clean.callsPerUser.get(u)!).sort((a, b) => a - b);
  const failedReasons: Record<string, number> = {};
  for (const f of faulted.pages.failed) failedReasons[reasonKind(f.reason)] = (failedReasons[reasonKind(f.reason)] ?? 0) + 1;
  return {
    users: o.users.length,
    rate: o.rate,
    clean,
    faulted,
    faultsInjected,
    failedReasons,
    retriesPerPage: extra.length
      ? { mean: extra.reduce((s, x) => s + x, 0) / extra.length, p50: percentile(extra, 0.5), p95: percentile(extra, 0.95), max: extra.at(-1)! }
      : { mean: 0, p50: 0, p95: 0, max: 0 },
    extraCostUsd: faulted.spentUsd - clean.spentUsd,
  };
}
