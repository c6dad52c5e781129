import { beforeAll, describe, expect, it } from 'vitest';
import { compileSchema } from '../../base/ajv.js';
import { realDataset } from '../../testing/real-data.js';
import type { Dataset } from '../../catalogue/types.js';
import { userHistory } from '../../catalogue/history.js';
import { buildCatalogueStats } from '../../catalogue/stats.js';
import { buildUserContext } from '../../catalogue/user-context.js';
import type { Ctx } from '../../kit/context.js';
import { buildKeywordCorpus } from '../../retrieval/corpus.js';
import { indexKeywords } from '../../retrieval/index-catalogue.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { runThemes } from '../themes/index.js';
import { runKeywords } from '../keywords/index.js';
import { checkPolicy } from './policy.js';
import { runFilter } from './run.js';
import { filteredSchema } from './schema.js';
import { dedupKey } from './text.js';


/**
 * Phase 3 on real users' Phase 1 and Phase 2 output over the real catalogue and keyword corpus,
 * everything offline (local themes, student keywords, rubric judge, local relevance model). The
 * hashing embedder stands in for the sentence encoder so indexing takes seconds: this checks the
 * filter's invariants on real data, not USE's semantics.
 */
describe('filter on real users', () => {
  let ctx: Ctx;
  let dataset: Dataset;

  beforeAll(async () => {
    dataset = await realDataset();
    const corpus = buildKeywordCorpus(dataset.catalogue);
    ctx = makeTestCtx({ catalogue: dataset.catalogue, stats: buildCatalogueStats(dataset), corpus });
    await indexKeywords(corpus, ctx.embedder, ctx.vectors, { batchSize: 4096 });
  }, 120_000);

  for (const userId of ['1', '2', '3']) {
    it(`user ${userId}: valid artefact, every removal explained, survivors relevant, deduplicated and within policy`, async () => {
      const user = buildUserContext(userHistory(dataset, userId), dataset.catalogue);
      const themes = (await runThemes({ user }, ctx)).artefact;
      const keywords = (await runKeywords({ themes }, ctx)).artefact;
      const { artefact, cached } = await runFilter({ user, themes, keywords }, ctx);
      expect(cached).toBe(false);
      const data = artefact.data;
      expect(compileSchema(filteredSchema)(structuredClone(data))).toBe(true);

      // Survivors keep Phase 1's order; every input theme either survives or has a recorded theme removal.
      const inputIds = themes.data.themes.map((t) => t.id);
      const survivorIds = data.themes.map((t) => t.id);
      expect(survivorIds).toEqual(inputIds.filter((id) => survivorIds.includes(id)));
      const removedThemes = new Set(data.removals.filter((r) => r.kind === 'theme').map((r) => r.themeId));
      for (const id of inputIds) expect(survivorIds.includes(id) !== removedThemes.has(id), id).toBe(true);

      // Every input keyword of a surviving theme either survives or has a recorded keyword removal.
      for (const t of data.themes) {
        const input = keywords.data.themes.find((k) => k.themeId === t.id)!.keywords.map((k) => k.text);
        const removed = data.removals.filter((r) => r.kind === 'keyword' && r.themeId === t.id).map((r) => r.item);
        expect([...t.keywords.map((k) => k.text), ...removed].sort()).toEqual([...input].sort());
      }
      for (const r of data.removals) {
        expect(r.reason.length).toBeGreaterThan(10);
        expect(Number.isFinite(r.score)).toBe(true);
      }

      const threshold = ctx.config.phases.filter.relevanceThreshold;
      const keys = data.themes.flatMap((t) => t.keywords.map((k) => dedupKey(k.text)));
      expect(new Set(keys).size).toBe(keys.length);
      for (const t of data.themes) {
        for (const k of t.keywords) expect(k.relevance).toBeGreaterThanOrEqual(threshold);
        for (const text of [t.title, t.description, ...t.keywords.map((k) => k.text)]) expect(checkPolicy(text, ctx.config.phases.filter.policy)).toEqual([]);
      }
      expect(data.judgements.length).toBeGreaterThan(0);
      expect((await runFilter({ user, themes, keywords }, ctx)).cached).toBe(true);
    });
  }
});
