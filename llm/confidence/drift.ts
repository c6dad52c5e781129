/**
 * Escalation drift: a cascade's escalation and below-threshold rates move when a model, the
 * data or a threshold changes, usually before anyone notices the cost or the quality. The latest
 * run is compared with a rolling window of the runs before it.
 */

/** The per-phase rates one run recorded, 0..1. */
export interface RunRates {
  readonly runId: string;
  readonly phases: Readonly<Record<string, PhaseRates>>;
}

export interface PhaseRates {
  /** Share of items where a tier before the accepted one was tried and rejected. */
  readonly escalationRate?: number;
  /** Share of items whose accepted answer was below its tier's threshold (accepted as the last tier). */
  readonly belowThresholdRate?: number;
}

export type DriftMetric = keyof PhaseRates;
export const DRIFT_METRICS: readonly DriftMetric[] = ['escalationRate', 'belowThresholdRate'];

export interface DriftBand {
  /** Allowed distance from the window mean in rate points (0.05 = five percentage points). */
  readonly absolute?: number;
  /** Allowed distance in window standard deviations... */
  readonly k?: number;
  /** ...but never narrower than this, so a window of identical runs does not flag noise. @default 0.02 */
  readonly floor?: number;
}

export interface DriftOptions {
  /** How many earlier runs form the baseline. @default 10 */
  readonly window?: number;
  /** Fewer earlier runs than this (with the metric) and nothing is judged. @default 3 */
  readonly minHistory?: number;
  /** The band is the widest of those configured. @default { absolute: 0.1 } */
  readonly band?: DriftBand;
}

export type DriftFinding =
  | {
      readonly status: 'ok' | 'drift';
      readonly phase: string;
      readonly metric: DriftMetric;
      readonly latest: number;
      readonly mean: number;
      readonly stddev: number;
      /** Half-width of the allowed band around the mean. */
      readonly band: number;
      /** latest − mean. */
      readonly change: number;
      readonly baselineRuns: number;
    }
  | { readonly status: 'insufficient-history'; readonly phase: string; readonly metric: DriftMetric; readonly latest: number; readonly baselineRuns: number; readonly needed: number };

export interface DriftReport {
  readonly latestRunId: string | undefined;
  readonly findings: readonly DriftFinding[];
  /** Any finding with status "drift": what --fail-on-drift exits non-zero on. */
  readonly drifted: boolean;
}

/** Compares the last run of `history` (oldest first) with the window of runs before it, per phase and metric. */
export function detectDrift(history: readonly RunRates[], options: DriftOptions = {}): DriftReport {
  const { window = 10, minHistory = 3, band = { absolute: 0.1 } } = options;
  if (band.absolute === undefined && band.k === undefined) throw new RangeError('detectDrift needs band.absolute and/or band.k');
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`detectDrift window must be a positive whole number of runs, got ${window}`);
  const latest = history.at(-1);
  if (!latest) return { latestRunId: undefined, findings: [], drifted: false };
  const earlier = history.slice(0, -1);
  const findings: DriftFinding[] = [];
  for (const phase of Object.keys(latest.phases).sort()) {
    for (const metric of DRIFT_METRICS) {
      const now = latest.phases[phase][metric];
      if (now === undefined) continue;
      // Only runs that recorded this phase and metric count: a phase added last week has a short history.
      const baseline = earlier
        .map((r) => r.phases[phase]?.[metric])
        .filter((x): x is number => x !== undefined)
        .slice(-window);
      if (baseline.length < minHistory) {
        findings.push({ status: 'insufficient-history', phase, metric, latest: now, baselineRuns: baseline.length, needed: minHistory });
        continue;
      }
      const mean = baseline.reduce((s, x) => s + x, 0) / baseline.length;
      const stddev = Math.sqrt(baseline.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, baseline.length - 1));
      const width = bandWidth(band, stddev);
      const change = now - mean;
      findings.push({ status: Math.abs(change) > width ? 'drift' : 'ok', phase, metric, latest: now, mean, stddev, band: width, change, baselineRuns: baseline.length });
    }
  }
  return { latestRunId: latest.runId, findings, drifted: findings.some((f) => f.status === 'drift') };
}

/** The widest of the configured bands; the k·stddev band never narrower than its floor. */
export function bandWidth(band: DriftBand, stddev: number): number {
  const { absolute, k, floor = 0.02 } = band;
  return Math.max(absolute ?? 0, k === undefined ? 0 : Math.max(k * stddev, floor));
}

/** One line per finding, for the end-of-run summary and `hubgen runs --drift`. */
export function describeDrift(finding: DriftFinding): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const what = `${finding.phase} ${finding.metric}`;
  if (finding.status === 'insufficient-history') return `${what}: ${pct(finding.latest)} — not judged, ${finding.baselineRuns} earlier run(s) and ${finding.needed} needed`;
  const sign = finding.change >= 0 ? '+' : '−';
  const verdict = finding.status === 'drift' ? 'DRIFT' : 'ok';
  return `${what}: ${pct(finding.latest)} vs ${pct(finding.mean)} over ${finding.baselineRuns} runs (${sign}${pct(Math.abs(finding.change))}, band ±${pct(finding.band)}) ${verdict}`;
}
