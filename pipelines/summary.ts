import { addUsage, ZERO_USAGE, type Usage } from '../llm/usage.js';
import { acceptedBelowThreshold, cascadeEscalated, cascadesOf } from '../kit/provenance.js';
import type { Artefact } from '../kit/artefacts/artefact.js';
import type { PhaseRateRecord, PhaseRecord, RunManifest, UserRecord } from './manifest.js';
import { formatRunQuality, QualityTally, type PageQuality, type RunQuality } from './page-quality.js';
import { percentile } from '../base/percentile.js';

export function phaseRecord(artefact: Artefact, cached: boolean): PhaseRecord {
  const cascades = cascadesOf(artefact);
  return {
    hash: artefact.hash,
    cached,
    role: artefact.provenance.role,
    model: artefact.provenance.model,
    confidence: artefact.provenance.confidence,
    cascades: cascades.length,
    escalations: cascades.filter(cascadeEscalated).length,
    belowThreshold: cascades.filter(acceptedBelowThreshold).length,
    latencyMs: artefact.provenance.latencyMs,
    usage: artefact.provenance.usage,
  };
}

export function quantile(values: readonly number[], q: number): number | undefined {
  return values.length ? percentile([...values].sort((a, b) => a - b), q) : undefined;
}

export interface PhaseSummary {
  readonly phase: string;
  readonly pages: number;
  readonly cacheHits: number;
  readonly cascades: number;
  readonly escalations: number;
  readonly escalationRate: number | undefined;
  /** Share of cascades accepted below threshold: the escalation rate once higher tiers are configured. */
  readonly belowThresholdRate: number | undefined;
  /** What this run paid: usage of artefacts computed in it (cache hits cost nothing now). */
  readonly spent: Usage;
  /** What the artefacts cost when first computed, cached or not: the cost of a page. */
  readonly pageCost: Usage;
  readonly latencyP50Ms: number | undefined;
  readonly latencyP95Ms: number | undefined;
}

export interface RunSummary {
  readonly runId: string;
  readonly status: RunManifest['status'];
  readonly users: number;
  /** Requested users the run never started (interrupted, or stopped by its budget). */
  readonly notStarted: number;
  readonly ok: number;
  readonly failed: number;
  readonly failures: readonly { readonly userId: string; readonly error: string }[];
  readonly phases: readonly PhaseSummary[];
  readonly spent: Usage;
  readonly wallP50Ms: number | undefined;
  readonly wallP95Ms: number | undefined;
  /** Themes kept and removed per step, judge pass rates, mean relevance — when the pipeline reports them. */
  readonly quality: RunQuality | undefined;
  /** Users whose run succeeded but whose page has no theme left: "ok" alone would hide them. */
  readonly emptyPages: readonly { readonly userId: string; readonly quality: PageQuality }[];
}

/** One phase's figures over a run, added to user by user. */
interface PhaseTally {
  pages: number;
  cacheHits: number;
  cascades: number;
  escalations: number;
  belowThreshold: number;
  spent: Usage;
  pageCost: Usage;
  /** Latencies of the artefacts computed in the run, for the percentiles: a float a page. */
  readonly latenciesMs: number[];
}

/**
 * A run's summary built one user record at a time, so a run's records need not be in memory at
 * once: what it keeps per user is a few numbers (wall time, each computed phase's latency) for the
 * percentiles, and the failed users and empty pages it lists. Records added in the order of a
 * manifest's users give the summary of that manifest.
 */
export class RunTally {
  private users = 0;
  private ok = 0;
  private readonly phases = new Map<string, PhaseTally>();
  private readonly wallMs: number[] = [];
  private readonly failures: { userId: string; error: string }[] = [];
  private readonly quality = new QualityTally();
  private readonly emptyPages: { userId: string; quality: PageQuality }[] = [];

  add(record: UserRecord): void {
    this.users++;
    this.wallMs.push(record.wallMs);
    if (record.status === 'failed') {
      this.failures.push({ userId: record.userId, error: record.error ?? 'unknown' });
      return;
    }
    this.ok++;
    for (const [name, r] of Object.entries(record.phases ?? {})) this.addPhase(name, r);
    if (record.quality) this.quality.add(record.quality);
    if (record.quality?.themesOnPage === 0) this.emptyPages.push({ userId: record.userId, quality: record.quality });
  }

  private addPhase(name: string, r: PhaseRecord): void {
    let p = this.phases.get(name);
    if (!p) this.phases.set(name, (p = { pages: 0, cacheHits: 0, cascades: 0, escalations: 0, belowThreshold: 0, spent: ZERO_USAGE, pageCost: ZERO_USAGE, latenciesMs: [] }));
    p.pages++;
    p.cascades += r.cascades;
    p.escalations += r.escalations;
    p.belowThreshold += r.belowThreshold ?? 0;
    p.pageCost = addUsage(p.pageCost, r.usage);
    if (r.cached) p.cacheHits++;
    else {
      p.spent = addUsage(p.spent, r.usage);
      p.latenciesMs.push(r.latencyMs);
    }
  }

  /** The summary of what was added, for the run `run` names; `recorded` says whether a requested user has a record. */
  summary(run: Pick<RunManifest, 'runId' | 'status' | 'requestedUsers'>, recorded: (userId: string) => boolean): RunSummary {
    const phases = [...this.phases].map(
      ([phase, p]): PhaseSummary => ({
        phase,
        pages: p.pages,
        cacheHits: p.cacheHits,
        cascades: p.cascades,
        escalations: p.escalations,
        escalationRate: p.cascades ? p.escalations / p.cascades : undefined,
        belowThresholdRate: p.cascades ? p.belowThreshold / p.cascades : undefined,
        spent: p.spent,
        pageCost: p.pageCost,
        latencyP50Ms: quantile(p.latenciesMs, 0.5),
        latencyP95Ms: quantile(p.latenciesMs, 0.95),
      }),
    );
    return {
      runId: run.runId,
      status: run.status,
      users: this.users,
      notStarted: run.requestedUsers.filter((id) => !recorded(id)).length,
      ok: this.ok,
      failed: this.users - this.ok,
      failures: [...this.failures],
      phases,
      spent: addUsage(ZERO_USAGE, ...phases.map((p) => p.spent)),
      wallP50Ms: quantile(this.wallMs, 0.5),
      wallP95Ms: quantile(this.wallMs, 0.95),
      quality: this.quality.result(),
      emptyPages: [...this.emptyPages],
    };
  }
}

export function summariseRun(manifest: RunManifest): RunSummary {
  const tally = new RunTally();
  for (const record of Object.values(manifest.users)) tally.add(record);
  return tally.summary(manifest, (userId) => Object.hasOwn(manifest.users, userId));
}

/** The rates the manifest stores for the drift alarm: phases that ran at least one cascade. */
export function phaseRates(summary: Pick<RunSummary, 'phases'>): Record<string, PhaseRateRecord> {
  const out: Record<string, PhaseRateRecord> = {};
  for (const p of summary.phases) {
    if (!p.cascades) continue;
    out[p.phase] = { cascades: p.cascades, escalationRate: p.escalationRate ?? 0, belowThresholdRate: p.belowThresholdRate ?? 0 };
  }
  return out;
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined ? '–' : n.toFixed(digits));
const pct = (n: number | undefined): string => (n === undefined ? '–' : `${(n * 100).toFixed(1)}%`);
const usd = (n: number | undefined): string => (n === undefined ? 'unknown' : `$${n.toFixed(n < 0.01 ? 5 : 3)}`);

/** "4 themes proposed; phase 3 removed 4 (judge 4)" — where an empty page's themes went. */
function describeEmptyPage(q: PageQuality): string {
  const byStep = Object.entries(q.removed).filter(([, r]) => r.themes > 0);
  const removed = byStep.reduce((n, [, r]) => n + r.themes, 0);
  const parts = [`${q.themesProposed} themes proposed`];
  if (removed) parts.push(`phase 3 removed ${removed} (${byStep.map(([step, r]) => `${step} ${r.themes}`).join(', ')})`);
  if (q.droppedInAssembly) parts.push(`phase 4 dropped ${q.droppedInAssembly} for too few products`);
  return parts.join('; ');
}

/** The per-phase table `hubgen run` prints. */
export function formatRunSummary(s: RunSummary): string {
  const rows = s.phases.map((p) =>
    [
      p.phase.padEnd(9),
      String(p.pages).padStart(5),
      `${p.cacheHits}/${p.pages}`.padStart(9),
      pct(p.escalationRate).padStart(8),
      pct(p.belowThresholdRate).padStart(9),
      `${fmt(p.spent.inputTokens)}/${fmt(p.spent.outputTokens)}`.padStart(13),
      usd(p.spent.costUsd).padStart(10),
      fmt(p.latencyP50Ms).padStart(7),
      fmt(p.latencyP95Ms).padStart(7),
    ].join('  '),
  );
  const lines = [
    `run ${s.runId}: ${s.ok}/${s.users} pages ok${s.emptyPages.length ? ` (${s.emptyPages.length} empty)` : ''}, ${s.failed} failed${s.notStarted ? `, ${s.notStarted} not started` : ''} (${s.status})`,
    `${'phase'.padEnd(9)}  ${'pages'.padStart(5)}  ${'cache hit'.padStart(9)}  ${'escal.'.padStart(8)}  ${'below thr'.padStart(9)}  ${'tok in/out'.padStart(13)}  ${'spent'.padStart(10)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}`,
    ...rows,
    `total spent this run: ${usd(s.spent.costUsd)} (${fmt(s.spent.inputTokens)} in / ${fmt(s.spent.outputTokens)} out tokens, ${s.spent.calls} model calls${s.spent.savedOutputTokens ? `; early abort saved ~${fmt(s.spent.savedOutputTokens)} output tokens` : ''}); wall per user p50 ${fmt(s.wallP50Ms)} ms, p95 ${fmt(s.wallP95Ms)} ms`,
  ];
  if (s.quality) lines.push(formatRunQuality(s.quality));
  if (s.phases.some((p) => (p.belowThresholdRate ?? 0) > 0)) {
    lines.push('below thr: answers accepted under their tier\'s threshold because no higher tier is configured (they escalate once one is)');
  }
  for (const e of s.emptyPages.slice(0, 10)) lines.push(`  empty page for user ${e.userId}: ${describeEmptyPage(e.quality)} (hubgen show ${s.runId} ${e.userId})`);
  if (s.emptyPages.length > 10) lines.push(`  … and ${s.emptyPages.length - 10} more empty pages (see the manifest)`);
  for (const f of s.failures.slice(0, 10)) lines.push(`  failed user ${f.userId}: ${f.error}`);
  if (s.failures.length > 10) lines.push(`  … and ${s.failures.length - 10} more failures (see the manifest)`);
  return lines.join('\n');
}
