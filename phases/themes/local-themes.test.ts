import { beforeAll, describe, expect, it } from 'vitest';
import { realDataset } from '../../testing/real-data.js';
import { compareIds, type Dataset } from '../../catalogue/types.js';
import { sampleUsers } from '../../catalogue/history.js';
import { catalogueStatsOf } from '../../catalogue/stats.js';
import { contextOfUser } from '../../catalogue/user-context.js';
import { buildKeywordCorpus } from '../../retrieval/corpus.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import type { Ctx } from '../../kit/context.js';
import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { themesSchema, type Themes } from './schema.js';
import { localThemes, MAX_TITLE_WORDS } from './local-themes.js';
import { planPage } from './plan.js';
import { COOK_ORDERS, SNACKER_ORDERS, THIN_ORDERS, sliceCtx, userFromOrders } from '../../testing/themes-fixture.js';

const LIMITS = { minThemes: 4, maxThemes: 8 };

function assertValid(themes: Themes): void {
  const validate = compileSchema(themesSchema);
  if (!validate(themes)) throw new Error(describeErrors(validate.errors));
}

const categoryName = (ctx: Ctx, id: string) => ctx.catalogue.categories.get(ctx.catalogue.products.get(id)!.categoryId)!.name;
const words = (title: string) => title.split(/[^\p{L}\p{N}]+/u).filter(Boolean).length;

describe('localThemes on a slice of the real catalogue', () => {
  let ctx: Ctx;
  let cook: UserContext;
  let snacker: UserContext;
  let thin: UserContext;
  beforeAll(async () => {
    ctx = await sliceCtx();
    cook = userFromOrders('1', COOK_ORDERS, ctx.catalogue);
    snacker = userFromOrders('2', SNACKER_ORDERS, ctx.catalogue);
    thin = userFromOrders('3', THIN_ORDERS, ctx.catalogue);
  });

  it('writes the page the plan lays out: its staples themes first, then its discovery themes, schema-valid', async () => {
    const plan = planPage(cook, ctx);
    const { output, confidence, model } = await localThemes(cook, ctx, LIMITS);
    assertValid(output);
    expect(model).toBe('hubgen-local-v1');
    expect(plan.staplesThemes).toBeGreaterThan(0);
    expect(plan.discoveryThemes).toBeGreaterThan(0);
    // As many discovery themes as the plan asks for and the new products fill (this small store has few).
    const discovery = Math.min(plan.discoveryThemes, Math.ceil(plan.discovery.length / plan.productsPerTheme));
    expect(discovery).toBeGreaterThan(0);
    expect(output.themes.map((t) => t.kind)).toEqual([...Array(plan.staplesThemes).fill('staples'), ...Array(discovery).fill('discovery')]);
    expect(new Set(output.themes.map((t) => t.id)).size).toBe(output.themes.length);
    expect(new Set(output.themes.map((t) => t.title.toLowerCase())).size).toBe(output.themes.length);
    for (const t of output.themes) expect(words(t.title)).toBeLessThanOrEqual(MAX_TITLE_WORDS);
    // A week-after-week shopper with a clear pattern is one the local model is sure about.
    expect(confidence).toBeGreaterThanOrEqual(0.6);
  });

  it('names in its staples themes the category of every planned staple, and in its discovery themes those of the likeliest new products', async () => {
    const plan = planPage(cook, ctx);
    const { output } = await localThemes(cook, ctx, LIMITS);
    const staplesCategories = new Set(output.themes.filter((t) => t.kind === 'staples').flatMap((t) => t.categories));
    for (const p of plan.staples) expect(staplesCategories.has(categoryName(ctx, p.id)), p.name).toBe(true);
    const discoveryCategories = new Set(output.themes.filter((t) => t.kind === 'discovery').flatMap((t) => t.categories));
    for (const p of plan.discovery.slice(0, plan.discoveryThemes * plan.productsPerTheme)) expect(discoveryCategories.has(categoryName(ctx, p.id)), p.name).toBe(true);
    // The cook never bought fresh pasta or cream; shoppers who buy what they buy do.
    expect([...discoveryCategories]).toEqual(expect.arrayContaining(['fresh pasta']));
    // Discovery is speculative: it claims less confidence than the staples.
    const confidence = (kind: string) => output.themes.filter((t) => t.kind === kind).map((t) => t.confidence);
    expect(Math.max(...confidence('discovery'))).toBeLessThan(Math.min(...confidence('staples')));
  });

  it('gives different shoppers different themes', async () => {
    const a = await localThemes(cook, ctx, LIMITS);
    const b = await localThemes(snacker, ctx, LIMITS);
    const titlesA = new Set(a.output.themes.map((t) => t.title));
    expect(b.output.themes.filter((t) => titlesA.has(t.title))).toEqual([]);
    const staplesA = new Set(a.output.themes.filter((t) => t.kind === 'staples').flatMap((t) => t.categories));
    const staplesB = b.output.themes.filter((t) => t.kind === 'staples').flatMap((t) => t.categories);
    expect(staplesB.filter((x) => staplesA.has(x))).toEqual([]);
    expect(a.output.pageTitle).not.toBe(b.output.pageTitle);
  });

  it('names themes from catalogue vocabulary: concepts occur in the names of products it covers', async () => {
    const { output } = await localThemes(snacker, ctx, LIMITS);
    const names = [...ctx.catalogue.products.values()].map((p) => p.name.toLowerCase()).join(' | ');
    for (const t of output.themes) for (const c of t.concepts) expect(names).toContain(c.split(' ')[0]);
    const snackCategories = new Set(output.themes.flatMap((t) => t.categories));
    expect(snackCategories).toContain('chips pretzels');
    expect(snackCategories).toContain('ice cream ice');
  });

  it('draws each discovery theme\'s concepts from its own products, none a staples theme already uses', async () => {
    const { output } = await localThemes(cook, ctx, LIMITS);
    const staples = new Set(output.themes.filter((t) => t.kind === 'staples').flatMap((t) => t.concepts));
    for (const t of output.themes.filter((x) => x.kind === 'discovery')) for (const c of t.concepts) expect(staples.has(c), c).toBe(false);
  });

  it('is unsure about a one-order history, so the cascade would escalate', async () => {
    const rich = await localThemes(cook, ctx, LIMITS);
    const poor = await localThemes(thin, ctx, LIMITS);
    assertValid(poor.output);
    expect(poor.confidence).toBeLessThan(0.3);
    expect(poor.confidence).toBeLessThan(rich.confidence - 0.3);
    expect(poor.notes?.join(' ')).toMatch(/history factor/);
  });

  it('falls back to popular categories, with very low confidence, when there is no history at all', async () => {
    const empty = userFromOrders('4', [], ctx.catalogue);
    const { output, confidence } = await localThemes(empty, ctx, LIMITS);
    assertValid(output);
    expect(confidence).toBeLessThan(0.1);
    expect(output.themes.every((t) => t.confidence <= 0.1 && t.kind === 'discovery')).toBe(true);
  });

  it('is deterministic, and embeds nothing', async () => {
    let calls = 0;
    const counting: Embedder = { ...ctx.embedder, embed: (texts) => (calls++, ctx.embedder.embed(texts)) };
    const first = await localThemes(cook, { ...ctx, embedder: counting } as Ctx, LIMITS);
    const second = await localThemes(cook, { ...ctx, embedder: counting } as Ctx, LIMITS);
    expect(second).toEqual(first);
    expect(calls).toBe(0);
  });

  it('never writes more than maxThemes', async () => {
    const few = await localThemes(cook, ctx, { minThemes: 2, maxThemes: 3 });
    expect(few.output.themes.length).toBe(3);
  });

  it('never puts a placeholder category in a title or a placeholder department anywhere, but names it so its staples can be placed', async () => {
    // Product 6816 sits in the catalogue's "missing" category and department, and is bought every time.
    const user = userFromOrders('5', COOK_ORDERS.map((o) => [...o, 6816]), ctx.catalogue);
    const { output } = await localThemes(user, ctx, LIMITS);
    for (const t of output.themes) {
      expect(t.departments).not.toContain('missing');
      expect(t.title.toLowerCase()).not.toContain('missing');
    }
    expect(output.themes.filter((t) => t.kind === 'staples').flatMap((t) => t.categories)).toContain('missing');
  });
});

describe('localThemes for real Instacart users', () => {
  let ctx: Ctx;
  let dataset: Dataset;
  let regulars: UserContext[];

  beforeAll(async () => {
    dataset = await realDataset();
    const catalogue = dataset.catalogue;
    // Users with a real history: at least four orders and a dozen distinct products.
    regulars = sampleUsers(dataset, 40, { seed: 7, segments: ['train'] })
      .map((id) => contextOfUser(dataset, id).context)
      .filter((u) => u.historyOrders >= 4 && Object.keys(u.productAffinity).length >= 12)
      .slice(0, 6);
    ctx = makeTestCtx({ catalogue, stats: catalogueStatsOf(dataset), corpus: buildKeywordCorpus(catalogue) });
  });

  it('gives each regular shopper a valid planned page whose lead theme holds their likeliest reorder', async () => {
    expect(regulars.length).toBe(6);
    for (const user of regulars) {
      const { output } = await localThemes(user, ctx, LIMITS);
      assertValid(output);
      expect(output.themes.length, `user ${user.userId}`).toBeGreaterThanOrEqual(LIMITS.minThemes);
      expect(new Set(output.themes.map((t) => t.title.toLowerCase())).size).toBe(output.themes.length);
      expect(output.themes[0].kind).toBe('staples');
      const likeliest = Object.entries(user.reorderPropensity).sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))[0][0];
      expect(output.themes.filter((t) => t.kind === 'staples').flatMap((t) => t.categories), `user ${user.userId}`).toContain(categoryName(ctx, likeliest));
      for (const t of output.themes) expect(t.categories.length, `${user.userId}: ${t.title}`).toBeGreaterThan(0);
    }
  });

  it('gives different real users clearly different pages', async () => {
    const pages = await Promise.all(regulars.map((u) => localThemes(u, ctx, LIMITS)));
    const titleSets = pages.map((p) => new Set(p.output.themes.map((t) => t.title)));
    for (let i = 0; i < titleSets.length; i++) {
      for (let j = i + 1; j < titleSets.length; j++) {
        const shared = [...titleSets[i]].filter((t) => titleSets[j].has(t)).length;
        const union = new Set([...titleSets[i], ...titleSets[j]]).size;
        expect(shared / union, `users ${regulars[i].userId} and ${regulars[j].userId}`).toBeLessThan(0.5);
      }
    }
  });

  it('is less sure of a real shopper with a thin history than of regulars, and below the default local threshold', async () => {
    // The real user with the least to go on: fewest history orders, then fewest distinct products (at least 3).
    const thinnest = [...dataset.users.keys()]
      .map((id) => contextOfUser(dataset, id))
      .map(({ history, context }) => ({ history, context, products: Object.keys(context.reorderPropensity).length }))
      .filter((x) => x.history.history.length > 0 && x.products >= 3)
      .sort((a, b) => a.history.history.length - b.history.history.length || a.products - b.products || compareIds(a.history.userId, b.history.userId))[0];
    expect(thinnest.history.history.length).toBeLessThanOrEqual(2);
    const poor = await localThemes(thinnest.context, ctx, LIMITS);
    assertValid(poor.output);
    const rich = await Promise.all(regulars.map((u) => localThemes(u, ctx, LIMITS)));
    const threshold = ctx.config.phases.themes.cascade.find((t) => t.role === 'local')!.threshold;
    expect(poor.confidence).toBeLessThan(threshold);
    expect(poor.confidence).toBeLessThan(Math.min(...rich.map((r) => r.confidence)));
  });
});
