import { describe, expect, it } from 'vitest';
import { bandWidth, describeDrift, detectDrift, type RunRates } from './drift.js';

/** A history where themes escalated at these rates, one run each, oldest first. */
const runs = (...escalation: number[]): RunRates[] => escalation.map((e, i) => ({ runId: `run-${i}`, phases: { themes: { escalationRate: e, belowThresholdRate: 0.05 } } }));

describe('detectDrift', () => {
  it('flags a latest rate outside the absolute band around the window mean', () => {
    const report = detectDrift(runs(0.2, 0.22, 0.18, 0.2, 0.41), { band: { absolute: 0.1 } });
    const finding = report.findings.find((f) => f.metric === 'escalationRate')!;
    expect(finding).toMatchObject({ status: 'drift', phase: 'themes', latest: 0.41, baselineRuns: 4, band: 0.1 });
    expect(finding.status !== 'insufficient-history' && finding.mean).toBeCloseTo(0.2, 12);
    expect(report).toMatchObject({ latestRunId: 'run-4', drifted: true });
  });

  it('does not flag a latest rate inside the band, and flags a fall as well as a rise', () => {
    expect(detectDrift(runs(0.2, 0.22, 0.18, 0.2, 0.27), { band: { absolute: 0.1 } }).drifted).toBe(false);
    expect(detectDrift(runs(0.4, 0.42, 0.38, 0.4, 0.1), { band: { absolute: 0.1 } }).findings[0]).toMatchObject({ status: 'drift', change: expect.closeTo(-0.3, 10) });
  });

  it('uses k standard deviations with a floor, and the wider band when both are set', () => {
    // Baseline 0.1, 0.3, 0.1, 0.3: mean 0.2, sample stddev ≈ 0.1155; 2σ ≈ 0.231 lets 0.4 through.
    expect(detectDrift(runs(0.1, 0.3, 0.1, 0.3, 0.4), { band: { k: 2 } }).drifted).toBe(false);
    expect(detectDrift(runs(0.1, 0.3, 0.1, 0.3, 0.45), { band: { k: 2 } }).drifted).toBe(true);
    // Identical runs: σ = 0, so only the floor keeps a 1-point wobble from flagging.
    expect(detectDrift(runs(0.2, 0.2, 0.2, 0.2, 0.21), { band: { k: 3 } }).drifted).toBe(false);
    expect(detectDrift(runs(0.2, 0.2, 0.2, 0.2, 0.21), { band: { k: 3, floor: 0 } }).drifted).toBe(true);
    expect(bandWidth({ absolute: 0.05, k: 2 }, 0.1)).toBeCloseTo(0.2, 12);
    expect(bandWidth({ absolute: 0.05, k: 2 }, 0.01)).toBe(0.05);
  });

  it('only looks back `window` runs', () => {
    // An old regime at 0.6 is outside the window of 3; the recent runs at 0.2 set the baseline.
    expect(detectDrift(runs(0.6, 0.6, 0.6, 0.2, 0.2, 0.2, 0.25), { window: 3, band: { absolute: 0.1 } }).findings[0]).toMatchObject({ status: 'ok', mean: expect.closeTo(0.2, 10) });
  });

  it('reports a too-short history as such instead of judging it', () => {
    const report = detectDrift(runs(0.2, 0.9), { minHistory: 3 });
    expect(report.drifted).toBe(false);
    expect(report.findings[0]).toEqual({ status: 'insufficient-history', phase: 'themes', metric: 'escalationRate', latest: 0.9, baselineRuns: 1, needed: 3 });
    expect(describeDrift(report.findings[0])).toBe('themes escalationRate: 90.0% — not judged, 1 earlier run(s) and 3 needed');
    expect(detectDrift([])).toEqual({ latestRunId: undefined, findings: [], drifted: false });
  });

  it('counts only earlier runs that recorded the phase', () => {
    const history: RunRates[] = [...runs(0.2, 0.2, 0.2), { runId: 'new-phase', phases: { themes: { escalationRate: 0.2 }, filter: { escalationRate: 0.5 } } }];
    const filter = detectDrift(history).findings.find((f) => f.phase === 'filter');
    expect(filter).toMatchObject({ status: 'insufficient-history', baselineRuns: 0 });
  });

  it('needs a band and a sane window', () => {
    expect(() => detectDrift(runs(0.1, 0.2), { band: {} })).toThrow(/band.absolute and\/or band.k/);
    expect(() => detectDrift(runs(0.1, 0.2), { window: 0 })).toThrow(/window must be a positive whole number of runs, got 0/);
  });
});

describe('describeDrift', () => {
  it('names the phase, metric, latest value, baseline, change, band and verdict', () => {
    const [finding] = detectDrift(runs(0.2, 0.22, 0.18, 0.2, 0.41)).findings;
    expect(describeDrift(finding)).toBe('themes escalationRate: 41.0% vs 20.0% over 4 runs (+21.0%, band ±10.0%) DRIFT');
  });
});
