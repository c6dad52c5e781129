import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadDataset, type Dataset } from '../instacart/load.js';
import { sampleUsers } from '../instacart/history.js';
import { buildCatalogueStats } from '../instacart/stats.js';
import { buildKeywordCorpus } from '../retrieval/corpus.js';
import { indexKeywords, indexProducts } from '../retrieval/index-catalogue.js';
import { hashingEmbedder } from '../testing/hashing-embedder.js';
import { memoryVectorStore } from '../testing/memory-vector-store.js';
import { makeTestCtx } from '../testing/test-context.js';
import type { Ctx } from '../pipelines/context.js';
import { runEval } from './runner.js';
import { runSweep } from './sweep.js';

const DATA_DIR = fileURLToPath(new URL('../data/instacart/', import.meta.url));

/**
 * The eval through the real cascaded pipeline, offline: real Instacart catalogue and users, local
 * tiers only (no LLM is configured, so cheap/strong/teacher are skipped), the hashing embedder in
 * place of the sentence encoder so indexing takes seconds. Checks wiring and caching, not quality.
 */
describe('evals through the real cascaded pipeline', () => {
  let dataset: Dataset;
  let ctx: Ctx;
  let users: number[];

  beforeAll(async () => {
    ({ dataset } = await loadDataset(DATA_DIR));
    const stats = buildCatalogueStats(dataset);
    const corpus = buildKeywordCorpus(dataset.catalogue);
    const embedder = hashingEmbedder();
    const vectors = memoryVectorStore();
    await indexKeywords(corpus, embedder, vectors, { batchSize: 4096 });
    await indexProducts(dataset.catalogue, stats, embedder, vectors, { batchSize: 4096 });
    ctx = makeTestCtx({ catalogue: dataset.catalogue, stats, corpus, embedder, vectors });
    users = sampleUsers(dataset, 2, { seed: 7, evalSets: ['train'] });
  }, 300_000);

  it('a filter sweep recomputes filter and page only; themes and keywords are reused with identical hashes', async () => {
    const out = await runSweep({
      ctx,
      dataset,
      users,
      param: 'filter.relevanceThreshold',
      values: [0.2, 0.5],
      targetQuality: { metric: 'targetAisleCoverage', min: 0 },
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
      expect(b.artefactHashes.filtered).not.toBe(a.artefactHashes.filtered);
      expect(b.artefactHashes.page).not.toBe(a.artefactHashes.page);
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
    const cold = await runEval({ ctx, dataset, users: users.slice(0, 1), variants: ['cascaded@themes.threshold=0.3'], concurrency: 1 });
    const warm = await runEval({ ctx, dataset, users: users.slice(0, 1), variants: ['cascaded@themes.threshold=0.3'], concurrency: 1 });
    const [c, w] = [cold.variants[0].pages[0], warm.variants[0].pages[0]];
    expect(w.cachedArtefacts).toBe(4);
    expect(w.cost).toEqual(c.cost);
    expect(w.targetRecall).toBe(c.targetRecall);
    expect(w.artefactHashes).toEqual(c.artefactHashes);
    // The default judge (no LLM here: the rubric) judged every theme on the page.
    expect(cold.evalJudge.role).toBe('local');
    expect(c.judge?.themes).toBe(c.themes);
  }, 300_000);
});
