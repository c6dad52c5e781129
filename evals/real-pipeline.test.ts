import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { realHashingCtx } from '../testing/real-data.js';
import type { Dataset } from '../catalogue/types.js';
import { sampleUsers } from '../catalogue/history.js';
import type { Ctx } from '../kit/context.js';
import { loadConfig } from '../config/config.js';
import { createModelRegistry } from '../llm/model-registry.js';
import { startScriptedServer, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import { writeReport } from './report.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEval } from './runner.js';
import { realEvalPipelines } from './pipelines.js';
import { runSweep } from './sweep.js';


/**
 * The eval through the real cascaded pipeline, offline: real Instacart catalogue and users, local
 * tiers only (no LLM is configured, so cheap/strong/teacher are skipped), the hashing embedder in
 * place of the sentence encoder so indexing takes seconds. Checks wiring and caching, not quality.
 */
describe('evals through the real cascaded pipeline', () => {
  let dataset: Dataset;
  let ctx: Ctx;
  let users: string[];

  beforeAll(async () => {
    ({ dataset, ctx } = await realHashingCtx());
    users = sampleUsers(dataset, 2, { seed: 7, segments: ['train'] });
  }, 300_000);

  it('a filter sweep recomputes filter and page only; themes and keywords are reused with identical hashes', async () => {
    const out = await runSweep({
      ctx,
      pipelines: realEvalPipelines,
      dataset,
      users,
      param: 'filter.relevanceThreshold',
      values: [0.2, 0.5],
      targetQuality: { metric: 'targetCategoryCoverage', min: 0 },
      judge: false,
      concurrency: 1,
    });
    const [low, high] = out.result.variants;
    expect(low.failures).toEqual([]);
    expect(high.failures).toEqual([]);
    for (const userId of users) {
      const a = low.pages.find((p) => p.userId === userId)!;
      const b = high.pages.find((p) => p.userId === userId)!;
      expect(b.artefactHashes.themes).toBe(a.artefactHashes.themes);
      expect(b.artefactHashes.keywords).toBe(a.artefactHashes.keywords);
      expect(b.artefactHashes.filter).not.toBe(a.artefactHashes.filter);
      expect(b.artefactHashes.assemble).not.toBe(a.artefactHashes.assemble);
      expect(b.cachedArtefacts).toBe(2);
      expect(a.schemaValid).toBe(true);
      expect(a.products).toBeGreaterThan(0);
      expect(a.targetRecall).toBeGreaterThanOrEqual(0);
      // Offline, every tier that ran is local: nothing was paid for.
      expect(a.cost.costUsd).toBe(0);
    }
    expect(out.proposal?.value).toBe(0.2);
  }, 300_000);

  it('a warm re-run reads every artefact from the store and reports the same cost and quality per page', async () => {
    const cold = await runEval({ ctx, dataset, pipelines: realEvalPipelines, users: users.slice(0, 1), variants: ['cascaded@themes.threshold=0.3'], concurrency: 1 });
    const warm = await runEval({ ctx, dataset, pipelines: realEvalPipelines, users: users.slice(0, 1), variants: ['cascaded@themes.threshold=0.3'], concurrency: 1 });
    const [c, w] = [cold.variants[0].pages[0], warm.variants[0].pages[0]];
    expect(w.cachedArtefacts).toBe(4);
    expect(w.cost).toEqual(c.cost);
    expect(w.targetRecall).toBe(c.targetRecall);
    expect(w.artefactHashes).toEqual(c.artefactHashes);
    // The default judge (no LLM here: the rubric) judged every theme on the page.
    expect(cold.evalJudge.role).toBe('local');
    expect(c.judge?.themes).toBe(c.themes);
  }, 300_000);

  describe('with LLM tiers simulated by the scripted OpenAI-compatible server', () => {
    let server: ScriptedServer;
    beforeAll(async () => {
      server = await startScriptedServer(); // simulation mode answers every call
    });
    afterAll(() => server.close());

    it('prices real prompt tokens, shows the escalation, and the report says which tiers were simulated', async () => {
      const config = loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } } } });
      const simCtx: Ctx = { ...ctx, config, models: createModelRegistry(config, { env: {}, logger: pino({ level: 'silent' }) }) };
      const simulatedRoles = ['cheap', 'strong', 'teacher', 'judge'] as const;
      const result = await runEval({
        pipelines: realEvalPipelines,
        ctx: simCtx,
        dataset,
        users: users.slice(0, 1),
        // A themes threshold no local answer clears: Phase 1 always escalates to the (simulated) cheap tier.
        variants: ['single-step', 'cascaded@themes.threshold=1'],
        simulatedRoles: [...simulatedRoles],
        concurrency: 1,
      });
      const [single, cascaded] = result.variants;
      expect(single.failures).toEqual([]);
      const page = single.pages[0];
      expect(page.cost.calls).toBeGreaterThanOrEqual(1);
      expect(page.cost.inputTokens).toBeGreaterThan(500); // the real single-step prompt, counted
      expect(page.cost.costUsd).toBeGreaterThan(0);
      expect(page.attemptsByRole.strong).toBe(1);

      // The simulation is deterministic, so the whole cascaded page comes through too.
      expect(cascaded.failures).toEqual([]);
      const c = cascaded.pages[0];
      expect(c.escalation.themes.escalated).toBe(true);
      expect(c.attemptsByRole.cheap).toBe(1);
      expect(c.cost.costUsd).toBeGreaterThan(0);
      expect(c.schemaValid).toBe(true);
      // The judge role is simulated, so the eval judge falls back to the rubric.
      expect(result.evalJudge.role).toBe('local');

      const paths = await writeReport({ result, outDir: await mkdtemp(join(tmpdir(), 'hubgen-sim-report-')) });
      const md = await readFile(paths.markdownPath, 'utf8');
      expect(md).toContain('Simulated tiers: cheap (gpt-4o-mini), strong (gpt-4o), teacher (gpt-4o), judge (gpt-4o-mini)');
      expect(md).toContain('| single-step |');
    }, 300_000);
  });
});
