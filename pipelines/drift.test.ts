import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { checkDrift, formatDrift, runRatesOf } from './drift.js';
import { writeManifest, type PhaseRecord, type RunManifest } from './manifest.js';

const drift = loadConfig({ env: {}, cwd: '/nonexistent' }).drift;
const usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };

/** A finished run whose manifest stored these themes/keywords rates. */
function run(id: string, themes: number, keywords = 0.1, extra: Partial<RunManifest> = {}): RunManifest {
  return {
    runId: id,
    pipeline: 'cascaded',
    createdAt: '',
    updatedAt: '',
    status: 'complete',
    requestedUsers: ['1'],
    users: { 1: { userId: '1', status: 'ok', phases: {}, wallMs: 1, finishedAt: '' } },
    rates: { themes: { cascades: 20, escalationRate: themes, belowThresholdRate: 0.05 }, keywords: { cascades: 160, escalationRate: keywords, belowThresholdRate: 0 } },
    ...extra,
  };
}

async function history(...runs: RunManifest[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hubgen-drift-'));
  for (const m of runs) await writeManifest(dir, m);
  return dir;
}

describe('checkDrift on stored runs', () => {
  it('flags the latest run when a phase escalates outside the band around the window mean', async () => {
    const dir = await history(run('20260101-a', 0.2), run('20260102-a', 0.22), run('20260103-a', 0.18), run('20260104-a', 0.2), run('20260105-a', 0.41));
    const check = await checkDrift(dir, drift);
    expect(check).toMatchObject({ latestRunId: '20260105-a', drifted: true, pipeline: 'cascaded', earlierRuns: 4 });
    expect(check.findings.filter((f) => f.status === 'drift').map((f) => `${f.phase} ${f.metric}`)).toEqual(['themes escalationRate']);
    const lines = formatDrift(check);
    expect(lines[0]).toBe('escalation drift: run 20260105-a against the 4 cascaded runs before it (window 10)');
    expect(lines).toContain('  themes escalationRate: 41.0% vs 20.0% over 4 runs (+21.0%, band ±10.0%) DRIFT');
    expect(lines.at(-1)).toMatch(/^DRIFT in themes escalationRate \(\+21\.0 points\)/);
  });

  it('leaves a damaged earlier manifest out of the baseline, saying so, instead of failing the run being judged', async () => {
    const dir = await history(run('20260101-a', 0.2), run('20260102-a', 0.22), run('20260103-a', 0.18), run('20260104-a', 0.41));
    writeFileSync(join(dir, '20260102-a', 'manifest.json'), '{"runId": "20260102-a", "pipel');
    const check = await checkDrift(dir, drift, { latest: '20260104-a' });
    expect(check).toMatchObject({ latestRunId: '20260104-a', earlierRuns: 2 });
    expect(check.unreadable).toHaveLength(1);
    expect(formatDrift(check)[1]).toMatch(/^  left out of the baseline: .*20260102-a\/manifest\.json/);
    // The run being judged must itself read.
    writeFileSync(join(dir, '20260104-a', 'manifest.json'), 'not json');
    await expect(checkDrift(dir, drift, { latest: '20260104-a' })).rejects.toThrow(/20260104-a\/manifest\.json/);
  });

  it('does not flag a latest rate inside the band', async () => {
    const dir = await history(run('20260101-a', 0.2), run('20260102-a', 0.22), run('20260103-a', 0.18), run('20260104-a', 0.2), run('20260105-a', 0.27));
    const check = await checkDrift(dir, drift);
    expect(check.drifted).toBe(false);
    expect(formatDrift(check).at(-1)).toBe('no drift: every judged rate is within its band');
  });

  it('uses the configured band and window', async () => {
    const dir = await history(run('20260101-a', 0.6), run('20260102-a', 0.2), run('20260103-a', 0.2), run('20260104-a', 0.2), run('20260105-a', 0.27));
    // Window 3 leaves the old 0.6 run out; a 5-point band flags the 7-point rise.
    expect((await checkDrift(dir, { ...drift, window: 3 })).drifted).toBe(false);
    expect((await checkDrift(dir, { ...drift, window: 3, band: { absolute: 0.05, floor: 0.02 } })).drifted).toBe(true);
  });

  it('judges a named run against the runs before it, not after, and skips running runs and other pipelines', async () => {
    const dir = await history(
      run('20260101-a', 0.2),
      run('20260102-a', 0.2),
      run('20260102-b', 0.9, 0.1, { pipeline: 'single-step' }),
      run('20260103-a', 0.2),
      run('20260103-b', 0.9, 0.1, { status: 'running' }),
      run('20260104-a', 0.5),
      run('20260105-a', 0.2),
    );
    const named = await checkDrift(dir, drift, { latest: '20260104-a' });
    expect(named).toMatchObject({ latestRunId: '20260104-a', drifted: true, earlierRuns: 3 });
    const newest = await checkDrift(dir, drift);
    expect(newest.latestRunId).toBe('20260105-a');
    // Mean over 0.2, 0.2, 0.2, 0.5 is 0.275: 0.2 is within ten points.
    expect(newest.drifted).toBe(false);
  });

  it('says a short history is not judged rather than calling it fine', async () => {
    const dir = await history(run('20260101-a', 0.2), run('20260102-a', 0.9));
    const check = await checkDrift(dir, drift);
    expect(check.drifted).toBe(false);
    expect(formatDrift(check).at(-1)).toBe('not judged yet: 1 earlier run(s), 3 needed');
  });
});

describe('runRatesOf', () => {
  it('summarises a manifest written before runs stored their rates', () => {
    const rec = (escalations: number, belowThreshold: number): PhaseRecord => ({ hash: 'h', cached: false, role: 'local', model: 'm', confidence: 0.5, cascades: 4, escalations, belowThreshold, latencyMs: 1, usage });
    const old: RunManifest = {
      ...run('old', 0),
      rates: undefined,
      users: {
        1: { userId: '1', status: 'ok', phases: { keywords: rec(1, 0) }, wallMs: 1, finishedAt: '' },
        2: { userId: '2', status: 'ok', phases: { keywords: rec(3, 2) }, wallMs: 1, finishedAt: '' },
      },
    };
    expect(runRatesOf(old)).toEqual({ runId: 'old', phases: { keywords: { escalationRate: 0.5, belowThresholdRate: 0.25 } } });
  });
});
