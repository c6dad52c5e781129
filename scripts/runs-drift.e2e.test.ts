import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, runHubgen } from '../testing/cli-runner.js';
import { writeManifest, type RunManifest } from '../pipelines/manifest.js';

/** A work dir whose runs escalated Phase 1 at these rates, oldest first; no dataset or runtime needed. */
async function workDirWith(...themes: number[]): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'hubgen-drift-cli-'));
  for (const [i, rate] of themes.entries()) {
    const m: RunManifest = {
      runId: `2026010${i + 1}-000000-aaaaa${i}`,
      pipeline: 'cascaded',
      createdAt: '',
      updatedAt: '',
      status: 'complete',
      requestedUsers: ['1'],
      users: { 1: { userId: '1', status: 'ok', phases: {}, wallMs: 1, finishedAt: '' } },
      rates: { themes: { cascades: 50, escalationRate: rate, belowThresholdRate: 0.1 } },
    };
    await writeManifest(join(cwd, '.hubgen', 'runs'), m);
  }
  return cwd;
}

describe('hubgen runs --drift', () => {
  it('prints what drifted and exits 4 with --fail-on-drift, for cron', async () => {
    const cwd = await workDirWith(0.2, 0.22, 0.18, 0.2, 0.45);
    const r = await runHubgen(['runs', '--drift', '--fail-on-drift'], { cwd });
    expectExit(r, 4);
    expect(r.stdout).toContain('escalation drift: run 20260105-000000-aaaaa4 against the 4 cascaded runs before it (window 10)');
    expect(r.stdout).toContain('themes escalationRate: 45.0% vs 20.0% over 4 runs (+25.0%, band ±10.0%) DRIFT');
    expect(r.stdout).toContain('themes belowThresholdRate: 10.0% vs 10.0% over 4 runs (+0.0%, band ±10.0%) ok');
    // Without --fail-on-drift the same report is only a report.
    expectExit(await runHubgen(['runs', '--drift'], { cwd }), 0);
  });

  it('exits 0 inside the band, and takes the band from the config file', async () => {
    const cwd = await workDirWith(0.2, 0.22, 0.18, 0.2, 0.26);
    const inside = await runHubgen(['runs', '--drift', '--fail-on-drift'], { cwd });
    expectExit(inside, 0);
    expect(inside.stdout).toContain('no drift: every judged rate is within its band');
    writeFileSync(join(cwd, 'hubgen.config.json'), JSON.stringify({ drift: { band: { absolute: 0.05 } } }));
    expectExit(await runHubgen(['runs', '--drift', '--fail-on-drift'], { cwd }), 4);
  });
});
