import { beforeAll, describe, expect, it } from 'vitest';
import { compileSchema } from '../../base/ajv.js';
import { realDataset } from '../../testing/real-data.js';
import { userHistory } from '../../catalogue/history.js';
import { buildCatalogueStats } from '../../catalogue/stats.js';
import { buildUserContext } from '../../catalogue/user-context.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import type { Ctx } from '../../kit/context.js';
import { indexProducts } from '../../retrieval/index-catalogue.js';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { memoryVectorStore } from '../../testing/memory-vector-store.js';
import { makeTestCtx } from '../../testing/test-context.js';
import type { Filtered } from '../filter/schema.js';
import { runAssemble } from './index.js';
import { pageSchema } from './schema.js';
import { filteredArtefact } from '../../testing/assemble-fixture.js';


/**
 * Phase 4 on the real Instacart catalogue (49,688 products) and a real user's history. The
 * hashing embedder stands in for the sentence encoder so the test indexes in seconds; it checks
 * assembly, not semantic quality.
 */
describe('assemble on the real catalogue', () => {
  let ctx: Ctx;
  let user: UserContext;
  let plan: Filtered;

  beforeAll(async () => {
    const dataset = await realDataset();
    const stats = buildCatalogueStats(dataset);
    const embedder = hashingEmbedder();
    const vectors = memoryVectorStore();
    await indexProducts(dataset.catalogue, stats, embedder, vectors, { batchSize: 4096 });
    ctx = makeTestCtx({ catalogue: dataset.catalogue, stats, embedder, vectors });
    user = buildUserContext(userHistory(dataset, '1'), dataset.catalogue);
    // One theme per top category, keyed by the user's own product names there, plus a department-wide theme.
    const themes: Filtered['themes'] = user.topCategories.slice(0, 3).map((a) => ({
      id: `category-${a.id}`,
      title: `Your ${a.name}`,
      description: `Favourites from ${a.name}`,
      categoryIds: [a.id],
      departmentIds: [],
      keywords: [a.name, ...user.frequentProducts.filter((p) => p.categoryId === a.id).map((p) => p.name)].map((text) => ({ text, categoryIds: [a.id], departmentIds: [], relevance: 1 })),
    }));
    const dept = user.topDepartments[0];
    themes.push({
      id: `dept-${dept.id}`,
      title: `More ${dept.name}`,
      description: `Something new from ${dept.name}`,
      categoryIds: [],
      departmentIds: [dept.id],
      keywords: [{ text: dept.name, categoryIds: [], departmentIds: [dept.id], relevance: 1 }],
    });
    plan = { pageTitle: 'Picked for you', themes, removals: [], judgements: [] };
  }, 120_000);

  it('builds a valid page for user 1 with no repeats, filters respected, and the user’s own products on it', async () => {
    expect(user.frequentProducts.length).toBeGreaterThan(0);
    const { artefact, cached } = await runAssemble({ user, filtered: filteredArtefact(plan, 'real-user-1') }, ctx);
    expect(cached).toBe(false);
    const page = artefact.data;
    expect(compileSchema(pageSchema)(page)).toBe(true);
    expect(page.themes.length).toBeGreaterThanOrEqual(3);

    const ids = page.themes.flatMap((t) => t.products.map((p) => p.productId));
    expect(new Set(ids).size).toBe(ids.length);

    for (const t of page.themes) {
      const planned = plan.themes.find((p) => p.id === t.id)!;
      for (const p of t.products) {
        if (planned.categoryIds.length) expect(planned.categoryIds).toContain(p.categoryId);
        else expect(planned.departmentIds).toContain(p.departmentId);
      }
    }

    // Each of the user's frequent products in a top category, searched by its own name, lands on its theme.
    for (const t of plan.themes.slice(0, 3)) {
      const own = user.frequentProducts.filter((p) => t.categoryIds.includes(p.categoryId));
      const onPage = page.themes.find((pt) => pt.id === t.id)?.products ?? [];
      for (const p of own) {
        const found = onPage.find((x) => x.productId === p.id);
        expect(found, `${p.name} on ${t.id}`).toBeDefined();
        // Ranked by its reorder propensity: the probability the model gives it of being in the next order.
        expect(found!.affinity).toBe(user.reorderPropensity[p.id]);
      }
    }
  });
});
