import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { realCatalogue } from '../../testing/real-data.js';
import { buildKeywordCorpus } from '../../retrieval/corpus.js';
import { indexKeywords } from '../../retrieval/index-catalogue.js';
import { makeTestCtx } from '../../testing/test-context.js';
import type { Ctx } from '../../kit/context.js';
import type { Theme } from '../themes/schema.js';
import { pruneCandidates, themeScope } from './candidates.js';
import { themeSearchText } from '../themes/text.js';

/**
 * Pruning on the real Instacart catalogue and the real keyword corpus (21k terms). The embedder is
 * the hashing test double, so this checks the pruning logic on real data, not USE's semantics.
 */
describe('pruning the real keyword corpus', () => {
  let ctx: Ctx;
  beforeAll(async () => {
    const catalogue = await realCatalogue();
    ctx = makeTestCtx({ catalogue, corpus: buildKeywordCorpus(catalogue) });
    await indexKeywords(ctx.corpus, ctx.embedder, ctx.vectors, { batchSize: 4096 });
  });

  const breakfast: Theme = {
    id: 'greek-yogurt-breakfast',
    kind: 'discovery',
    title: 'Greek yogurt breakfast',
    description: 'Greek yogurt bowls topped with granola and berries.',
    concepts: ['greek yogurt', 'granola', 'blueberries', 'honey'],
    categories: ['yogurt', 'granola', 'fresh fruits'],
    departments: ['dairy eggs', 'breakfast'],
    confidence: 0.9,
  };

  it('maps the theme’s real category and department names to catalogue ids', () => {
    const scope = themeScope(breakfast, ctx.catalogue);
    expect(scope.unknownNames).toEqual([]);
    expect(scope.categoryIds).toEqual(['a120', 'a57', 'a24']);
    expect(scope.departmentIds).toEqual(expect.arrayContaining(['d16', 'd14', 'd4']));
  });

  it('yields candidates from the yogurt category for a greek yogurt breakfast theme', async () => {
    const scope = themeScope(breakfast, ctx.catalogue);
    const [v] = await ctx.embedder.embed([themeSearchText(breakfast)]);
    const candidates = await pruneCandidates(ctx, v, scope.categoryIds, 100);
    expect(candidates).toHaveLength(100);
    const inYogurt = candidates.filter((c) => c.categories.includes('a120'));
    expect(inYogurt.length).toBeGreaterThanOrEqual(15);
    expect(candidates.map((c) => c.text)).toEqual(expect.arrayContaining(['greek yogurt', 'granola']));
    // Every candidate is a real corpus term with its corpus statistics.
    for (const c of candidates) expect(ctx.corpus.byText.get(c.text)?.df).toBe(c.df);
  });

  it('still finds the yogurt category from the text alone when the theme names no categories', async () => {
    const bare = { ...breakfast, categories: [], departments: [] };
    const [v] = await ctx.embedder.embed([themeSearchText(bare)]);
    const candidates = await pruneCandidates(ctx, v, [], 50);
    expect(candidates.slice(0, 20).filter((c) => c.categories[0] === 'a120').length).toBeGreaterThanOrEqual(3);
  });
});
