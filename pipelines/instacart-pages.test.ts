import { beforeAll, describe, expect, it } from 'vitest';
import { realHashingCtx } from '../testing/real-data.js';
import type { Dataset } from '../catalogue/types.js';
import type { Ctx } from '../kit/context.js';
import { runCascadedPage } from './cascaded.js';
import { userContextFor } from '../catalogue/user-context.js';


/** Four users of each Instacart eval set, fixed (not sampled) so the set cannot drift. */
const USERS = ['134507', '191068', '8393', '111726', '51624', '76139', '166127', '198926', '149104', '139309', '78357', '22669'];

/**
 * What a shopper sees, and nothing an implementation detail may change: theme titles, keywords
 * and products with their scores, in page order. Artefact hashes and category ids are left out.
 */
function pageContents(page: Awaited<ReturnType<typeof runCascadedPage>>['page']['artefact']['data']) {
  return {
    pageTitle: page.pageTitle,
    themes: page.themes.map((t) => ({
      title: t.title,
      keywords: t.keywords,
      products: t.products.map((p) => `${String(p.productId)} ${p.score.toFixed(6)} ${p.name} <- ${p.keyword}`),
    })),
    dropped: page.dropped.map((d) => `${d.title}: ${d.reason}`),
  };
}

/**
 * Pins the pages of the bundled Instacart data, end to end through every phase on its local tiers
 * (hashing embedder and exact vectors, so the result is deterministic and takes seconds). Pinned
 * before the domain model became dataset-neutral: the adapter must give the same pages. A
 * deliberate change to what pages contain (ranking, retrieval text) updates it with `vitest -u`,
 * and its commit says why.
 */
describe('pages of the bundled Instacart data', () => {
  let dataset: Dataset;
  let ctx: Ctx;

  beforeAll(async () => {
    ({ dataset, ctx } = await realHashingCtx());
  }, 300_000);

  it('are the pinned pages for twelve fixed users', async () => {
    const pages: Record<string, unknown> = {};
    for (const id of USERS) {
      const { page } = await runCascadedPage({ user: userContextFor(dataset, id) }, ctx);
      pages[id] = pageContents(page.artefact.data);
    }
    await expect(JSON.stringify(pages, null, 1)).toMatchFileSnapshot('./__snapshots__/instacart-pages.json');
  }, 300_000);
});
