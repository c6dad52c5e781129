import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../base/random.js';
import { loadConfig } from '../../config/config.js';
import { makeArtefact, type Provenance } from '../../kit/artefacts/artefact.js';
import { FsArtefactStore } from '../../kit/artefacts/fs-store.js';
import type { Attempt } from '../../kit/cascade.js';
import { parseDeferralModel } from '../../llm/confidence/deferral.js';
import { createModelRegistry } from '../../llm/model-registry.js';
import { reply, startScriptedServer, type ScriptedServer } from '../../llm/simulator/scripted-server.js';
import { writeManifest, type RunManifest } from '../../pipelines/manifest.js';
import { runThemes } from '../../phases/themes/run.js';
import type { Themes } from '../../phases/themes/schema.js';
import { COOK_ORDERS, sliceCatalogue, sliceCtx, userFromOrders } from '../../testing/themes-fixture.js';
import { runCalibrate, type CalibrateOptions } from './calibrate.js';

const usage = (costUsd: number) => ({ inputTokens: 500, cachedInputTokens: 0, outputTokens: 80, costUsd, calls: 1 });

/**
 * A work dir with one stored run of 240 users whose Phase 1 went cheap → strong. The strong tier
 * agreed with the cheap answer as often as the cheap answer's value tokens were probable; the cheap
 * tier always said 0.9 about itself.
 */
async function storedRuns(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'hubgen-calibrate-'));
  const store = new FsArtefactStore(join(work, 'artefacts'));
  const random = seededRandom(11);
  const manifest: RunManifest = { runId: '20260101-000000-aaaaaa', pipeline: 'cascaded', createdAt: '', updatedAt: '', status: 'complete', requestedUsers: [], users: {} };
  for (let i = 0; i < 240; i++) {
    const userId = String(1000 + i);
    const logprob = random();
    const agrees = random() < logprob;
    const attempt = (role: 'cheap' | 'strong', outcome: Attempt['outcome'], confidence: number, answerKey: string[], costUsd: number, signals?: Attempt['signals']): Attempt => ({
      role,
      model: role === 'cheap' ? 'gpt-4o-mini' : 'gpt-4o',
      threshold: role === 'cheap' ? 0.95 : 0,
      confidence,
      accepted: outcome === 'accepted',
      usage: usage(costUsd),
      latencyMs: 5,
      reason: outcome,
      outcome,
      answerKey,
      ...(signals ? { signals } : {}),
    });
    const attempts = [
      attempt('cheap', 'escalated', 0.9, agrees ? ['milk', 'yogurt'] : ['candy', 'soda'], 0.0002, { used: 'selfReported', selfReported: 0.9, logprob, samples: 1, outputTokens: 80, repaired: false, retries: 0, finishReason: 'stop', earlyAborts: 0 }),
      attempt('strong', 'accepted', 0.9, ['milk', 'yogurt'], 0.003),
    ];
    const provenance: Provenance = { attempts, usage: usage(0.0032), latencyMs: 10, role: 'strong', model: 'gpt-4o', confidence: 0.9 };
    const themes = makeArtefact<Themes>({ phase: 'themes', phaseVersion: '3', config: {}, models: {}, promptVersion: 'v', inputs: [userId] }, { pageTitle: 'p', themes: [] }, provenance, '2026-01-01T00:00:00Z');
    await store.write(themes);
    manifest.users[userId] = { userId, status: 'ok', phases: { themes: { hash: themes.hash, cached: false, role: 'strong', model: 'gpt-4o', confidence: 0.9, cascades: 1, escalations: 1, latencyMs: 10, usage: usage(0.0032) } }, wallMs: 1, finishedAt: '' };
  }
  await writeManifest(join(work, 'runs'), manifest);
  return work;
}

describe('hubgen calibrate', () => {
  let work: string;
  let server: ScriptedServer;
  beforeAll(async () => {
    work = await storedRuns();
    server = await startScriptedServer();
  });
  afterAll(() => server.close());
  const options = (extra: Partial<CalibrateOptions> = {}): CalibrateOptions => ({ phase: 'themes', from: 'runs', targetQuality: 0.9, holdout: 0.5, reportDir: join(work, 'report'), ...extra });
  const config = () => loadConfig({ env: {}, cwd: '/nonexistent', overrides: { workDir: work } });

  it('reads the stored runs\' artefacts, writes the report and proposes a threshold for each tier with one after it', async () => {
    const lines = await runCalibrate(options(), config());
    expect(lines[0]).toBe(`240 labelled tier answers from 240 users (${lines[0].match(/\((\d+) fit/)![1]} fit, ${lines[0].match(/(\d+) held out/)![1]} held out), from 1 pages of 1 run under ${join(work, 'runs')}. Target quality: 90.0% of final answers accepted.`.replace('1 pages', '240 pages'));
    expect(lines.join('\n')).toMatch(/\| themes · cheap \| 0\.\d{3} \| 0\.95 → 100\.0%, \$0\.00\d+ \|/);
    // Nothing clears 0.9 as the cheap tier's self-report is always 0.9: escalating everything is the only way to 90%.
    expect(lines).toContainEqual(expect.stringMatching(/^proposed: phases\.themes\.cascade cheap threshold 0\.95 → 1\.000 \(held-out: 100\.0% accepted, 100\.0% escalated\)$/));
    expect(existsSync(join(work, 'report', 'calibration.md'))).toBe(true);
    expect(existsSync(join(work, 'report', 'plots', 'calibration-reliability.svg'))).toBe(true);
    expect(readFileSync(join(work, 'report', 'calibration.md'), 'utf8')).toContain('## Calibration: reliability table (held-out users)');
  });

  it('restricts to the users asked for, and says when none of them has records', async () => {
    const lines = await runCalibrate(options({ users: '1000,1001,1002,1003' }), config());
    expect(lines[0]).toMatch(/^4 labelled tier answers from 4 users/);
    await expect(runCalibrate(options({ users: '42' }), config())).rejects.toThrow(/no labelled themes answers in 240 pages of 1 run .* for the 1 users asked for/);
  });

  it('trains a deferral model from the recorded escalations, and a tier configured with it loads it', async () => {
    const out = join(work, 'deferral.json');
    const all = await runCalibrate(options({ trainDeferral: true, out }), config());
    const lines = all.slice(all.findIndex((l) => l.startsWith('deferral model')));
    expect(lines[0]).toMatch(/^deferral model for themes · cheap: trained on \d+ answers of fit users \(\d+\.\d% accepted\)$/);
    const [ece, recorded] = [...lines[1].matchAll(/ECE (\d\.\d+)|used: (\d\.\d+)/g)].map((m) => Number(m[1] ?? m[2]));
    // The self-report (0.9 every time) is badly calibrated; the learned score far less (about 120 held-out answers: noisy bins).
    expect(recorded).toBeGreaterThan(0.25);
    expect(ece).toBeLessThan(recorded / 2);
    expect(lines).toContain(`use it: "phases": { "themes": { "llmTiers": { "signal": "deferral", "deferral": { "weights": "${out}" } } } }`);
    const model = parseDeferralModel(JSON.parse(readFileSync(out, 'utf8')));
    expect(model.coefficients[model.features.indexOf('logprob')]).toBeGreaterThan(0.5);

    const tierConfig = loadConfig({
      env: {},
      cwd: '/nonexistent',
      overrides: {
        providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } },
        phases: { themes: { cascade: [{ role: 'cheap', threshold: 0.5 }, { role: 'strong', threshold: 0 }], llmTiers: { signal: 'deferral', deferral: { weights: out } } } },
      },
    });
    const ctx = await sliceCtx({ config: tierConfig, models: createModelRegistry(tierConfig, { env: {}, logger: pino({ level: 'silent' }) }) });
    const user = userFromOrders('1', COOK_ORDERS, sliceCatalogue());
    // An answer that follows this user's page plan (two staples themes, then discovery), so only the signal decides.
    const theme = (id: string, category: string, kind: 'staples' | 'discovery') => ({ id, kind, title: `Theme ${id}`, description: 'For this shopper.', concepts: ['banana'], categories: [category], departments: ['produce'], confidence: 0.9 });
    const answer = { pageTitle: 'Hub', themes: [theme('a', 'fresh fruits', 'staples'), theme('b', 'yogurt', 'staples'), theme('c', 'fresh pasta', 'discovery'), theme('d', 'milk', 'discovery')] };
    server.enqueue(reply.uncertain(answer), reply.json(answer));
    const unsure = await runThemes({ user }, ctx);
    const [cheap] = unsure.artefact.provenance.attempts;
    expect(cheap.signals).toMatchObject({ used: 'deferral', selfReported: 0.9 });
    expect(cheap.outcome).toBe('escalated');
    expect(cheap.confidence).toBeLessThan(0.5);
    // The weights' digest is in the key: retrained weights would re-run the phase.
    expect(unsure.artefact.key.inputs.some((i) => i.startsWith('deferral-weights:'))).toBe(true);
  });
});
