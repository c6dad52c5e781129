import { describeDrift, detectDrift, type DriftFinding, type DriftReport, type RunRates } from '../llm/confidence/drift.js';
import type { DriftConfig } from '../config/config-schema.js';
import { listRuns, readManifest, type RunManifest } from './manifest.js';
import { phaseRates, summariseRun } from './summary.js';

/**
 * The escalation drift alarm over stored runs: the latest run's per-phase escalation and
 * below-threshold rates against a rolling window of the runs before it (llm/confidence/drift.ts).
 */

/** A run's rates: the ones its manifest stored, or (older manifests) summarised from its users. */
export function runRatesOf(manifest: RunManifest): RunRates {
  const rates = manifest.rates ?? phaseRates(summariseRun(manifest));
  return { runId: manifest.runId, phases: Object.fromEntries(Object.entries(rates).map(([phase, r]) => [phase, { escalationRate: r.escalationRate, belowThresholdRate: r.belowThresholdRate }])) };
}

/** A run still going (here or in another process) has no settled rates yet; nor has a run with no page. */
const settled = (m: RunManifest) => m.status !== 'running' && Object.values(m.users).some((u) => u.status === 'ok');

export interface DriftCheck extends DriftReport {
  /** The pipeline compared (runs of other pipelines are not a baseline). */
  readonly pipeline: string | undefined;
  /** Earlier runs read for the baseline (before the window cut). */
  readonly earlierRuns: number;
  readonly window: number;
  /** Earlier runs left out of the baseline because their manifest could not be read, with why. */
  readonly unreadable: readonly string[];
}

export interface CheckDriftOptions {
  /** The run to judge; default the newest settled run. Runs after it are ignored. */
  readonly latest?: string;
}

/** Reads the runs under runsDir oldest first and compares the latest with the window before it. */
export async function checkDrift(runsDir: string, config: DriftConfig, options: CheckDriftOptions = {}): Promise<DriftCheck> {
  const ids = await listRuns(runsDir);
  const upTo = options.latest === undefined ? ids.length : ids.indexOf(options.latest) + 1;
  if (options.latest !== undefined && upTo === 0) throw new Error(`checkDrift: no run ${options.latest} under ${runsDir}`);
  const manifests: RunManifest[] = [];
  const unreadable: string[] = [];
  for (const id of ids.slice(0, upTo)) {
    // A damaged earlier manifest is left out of the baseline, said so; it must not fail the run
    // being judged, whose pages are done. The run being judged itself must read.
    let m: RunManifest | undefined;
    try {
      m = await readManifest(runsDir, id);
    } catch (e) {
      if (id === options.latest) throw e;
      unreadable.push((e as Error).message);
      continue;
    }
    // The run being judged counts even while its manifest still says running (the end-of-run check).
    if (m && (settled(m) || m.runId === options.latest)) manifests.push(m);
  }
  const latest = manifests.at(-1);
  const history = latest ? manifests.filter((m) => m.pipeline === latest.pipeline).map(runRatesOf) : [];
  const report = detectDrift(history, { window: config.window, minHistory: config.minHistory, band: config.band });
  return { ...report, pipeline: latest?.pipeline, earlierRuns: Math.max(0, history.length - 1), window: config.window, unreadable };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} points`;

/** What `hubgen runs --drift` and the end of `hubgen run` print: a heading, every finding, and the verdict. */
export function formatDrift(check: DriftCheck, { onlyDrift = false }: { onlyDrift?: boolean } = {}): string[] {
  if (!check.latestRunId) return ['escalation drift: no finished run to judge'];
  const baseline = Math.min(check.earlierRuns, check.window);
  const lines = [`escalation drift: run ${check.latestRunId} against the ${baseline} ${check.pipeline} run${baseline === 1 ? '' : 's'} before it (window ${check.window})`];
  for (const why of check.unreadable ?? []) lines.push(`  left out of the baseline: ${why}`);
  const shown = onlyDrift ? check.findings.filter((f) => f.status === 'drift') : check.findings;
  for (const f of shown) lines.push(`  ${describeDrift(f)}`);
  const drifted = check.findings.filter((f): f is Extract<DriftFinding, { status: 'drift' | 'ok' }> => f.status === 'drift');
  const unjudged = check.findings.filter((f) => f.status === 'insufficient-history');
  if (drifted.length) {
    lines.push(`DRIFT in ${drifted.map((f) => `${f.phase} ${f.metric} (${f.change >= 0 ? '+' : '−'}${pct(Math.abs(f.change))})`).join(', ')}: a model, the data or a threshold changed; compare with hubgen show on a page of each run`);
  } else if (unjudged.length === check.findings.length) {
    lines.push(`not judged yet: ${unjudged[0]?.status === 'insufficient-history' ? `${unjudged[0].baselineRuns} earlier run(s), ${unjudged[0].needed} needed` : 'no rates recorded'}`);
  } else {
    lines.push(`no drift: every judged rate is within its band${unjudged.length ? ` (${unjudged.length} not judged for lack of history)` : ''}`);
  }
  return lines;
}
