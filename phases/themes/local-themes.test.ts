import { beforeAll, describe, expect, it } from 'vitest';
import { realDataset } from '../../testing/real-data.js';
import { compareIds, type Dataset } from '../../catalogue/types.js';
import { sampleUsers, userHistory } from '../../catalogue/history.js';
import { buildCatalogueStats } from '../../catalogue/stats.js';
import { buildUserContext } from '../../catalogue/user-context.js';
import { buildKeywordCorpus } from '../../retrieval/corpus.js';
import { indexProducts } from '../../retrieval/index-catalogue.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import type { Ctx } from '../../kit/context.js';
import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { themesSchema, type Themes } from './schema.js';
import { localThemes, MAX_TITLE_WORDS, nameCluster } from './local-themes.js';
import { catalogueIndex } from './catalogue-names.js';
import { COOK_ORDERS, SNACKER_ORDERS, THIN_ORDERS, sliceCtx, userFromOrders } from '../../testing/themes-fixture.js';

const LIMITS = { minThemes: 4, maxThemes: 8 };

function assertValid(themes: Themes): void {
  const validate = compileSchema(themesSchema);
  if (!validate(themes)) throw new Error(describeErrors(validate.errors));
}

/** Categories the user bought from, and categories that sit in departments they shop. */
function ownAndAdjacentCategories(user: UserContext, ctx: Ctx): { own: Set<string>; adjacent: Set<string> } {
  const index = catalogueIndex(ctx.catalogue);
  const own = new Set(Object.keys(user.categoryAffinity).map((id) => ctx.catalogue.categories.get(id)!.name));
  const depts = new Set(Object.keys(user.categoryAffinity).map((id) => index.departmentOfCategory.get(id)));
  const adjacent = new Set([...ctx.catalogue.categories.values()].filter((a) => depts.has(index.departmentOfCategory.get(a.id)) && !own.has(a.name)).map((a) => a.name));
  return { own, adjacent };
}

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

  it('gives a regular shopper several distinct, schema-valid themes grounded in their own categories', async () => {
    const { output, confidence, model } = await localThemes(cook, ctx, LIMITS);
    assertValid(output);
    expect(model).toBe('hubgen-local-v1');
    expect(output.themes.length).toBeGreaterThanOrEqual(LIMITS.minThemes);
    expect(output.themes.length).toBeLessThanOrEqual(LIMITS.maxThemes);
    expect(new Set(output.themes.map((t) => t.id)).size).toBe(output.themes.length);
    expect(new Set(output.themes.map((t) => t.title.toLowerCase())).size).toBe(output.themes.length);
    const { own, adjacent } = ownAndAdjacentCategories(cook, ctx);
    for (const t of output.themes) for (const a of t.categories) expect(own.has(a) || adjacent.has(a), `${t.title}: ${a}`).toBe(true);
    // The most important theme is about something the user buys, and a lot of it.
    expect(output.themes[0].categories.some((a) => own.has(a))).toBe(true);
    // A week-after-week shopper with a clear pattern is one the local model is sure about.
    expect(confidence).toBeGreaterThanOrEqual(0.6);
  });

  it('adds a discovery theme for a category the user has not bought from, in a department they shop', async () => {
    const { output } = await localThemes(cook, ctx, LIMITS);
    const { own, adjacent } = ownAndAdjacentCategories(cook, ctx);
    const discovery = output.themes.filter((t) => t.categories.length > 0 && t.categories.every((a) => !own.has(a)));
    expect(discovery.length).toBeGreaterThanOrEqual(1);
    for (const t of discovery) for (const a of t.categories) expect(adjacent.has(a)).toBe(true);
    // Speculative themes come after the user's own and claim less confidence.
    const lastOwn = Math.max(...output.themes.map((t, i) => (t.categories.some((a) => own.has(a)) ? i : -1)));
    expect(output.themes.indexOf(discovery[0])).toBeGreaterThan(lastOwn);
    expect(discovery[0].confidence).toBeLessThan(Math.max(...output.themes.map((t) => t.confidence)));
  });

  it('gives different shoppers different themes', async () => {
    const a = await localThemes(cook, ctx, LIMITS);
    const b = await localThemes(snacker, ctx, LIMITS);
    const titlesA = new Set(a.output.themes.map((t) => t.title));
    expect(b.output.themes.filter((t) => titlesA.has(t.title))).toEqual([]);
    const categoriesA = new Set(a.output.themes.slice(0, 3).flatMap((t) => t.categories));
    const categoriesB = b.output.themes.slice(0, 3).flatMap((t) => t.categories);
    expect(categoriesB.filter((x) => categoriesA.has(x))).toEqual([]);
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
    expect(output.themes.every((t) => t.confidence <= 0.1)).toBe(true);
  });

  it('is deterministic and embeds the user once', async () => {
    let calls = 0;
    const counting: Embedder = { ...ctx.embedder, embed: (texts) => (calls++, ctx.embedder.embed(texts)) };
    const first = await localThemes(cook, { ...ctx, embedder: counting }, LIMITS);
    expect(calls).toBe(1);
    const second = await localThemes(cook, { ...ctx, embedder: counting }, LIMITS);
    expect(second).toEqual(first);
  });

  it('honours min/max theme counts', async () => {
    const few = await localThemes(cook, ctx, { minThemes: 2, maxThemes: 3 });
    expect(few.output.themes.length).toBeLessThanOrEqual(3);
    expect(few.output.themes.length).toBeGreaterThanOrEqual(2);
  });

  it('still works, without neighbours or discoveries, when the products collection is not indexed', async () => {
    const bare = { ...ctx, vectors: (await import('../../testing/memory-vector-store.js')).memoryVectorStore() };
    const { output, notes } = await localThemes(cook, bare, LIMITS);
    assertValid(output);
    const { own } = ownAndAdjacentCategories(cook, ctx);
    expect(output.themes.flatMap((t) => t.categories).every((a) => own.has(a))).toBe(true);
    expect(notes?.join(' ')).toMatch(/not indexed/);
  });

  it('never names a theme after a placeholder category', async () => {
    // Product 6816 sits in the catalogue's "missing" category and department.
    const user = userFromOrders('5', COOK_ORDERS.map((o) => [...o, 6816]), ctx.catalogue);
    const { output } = await localThemes(user, ctx, LIMITS);
    for (const t of output.themes) {
      expect(t.categories).not.toContain('missing');
      expect(t.departments).not.toContain('missing');
      expect(t.title.toLowerCase()).not.toContain('missing');
    }
  });
});

describe('nameCluster', () => {
  const base = { phrase: undefined, meanOrders: 4, memberCount: 3, examples: ['Banana', 'Organic Strawberries'], neighbourExample: 'Organic Avocado' };

  it('calls a dominant, repeatedly bought category the user\'s staples', () => {
    const named = nameCluster({ ...base, categoryShares: [{ name: 'fresh fruits', share: 0.9 }], deptShares: [{ name: 'produce', share: 1 }] });
    expect(named.title).toBe('Your Fresh Fruits staples');
    expect(named.description).toContain('Banana');
    expect(named.quality).toBe(1);
  });

  it('uses a covering phrase when no category dominates, then departments, then a mix', () => {
    const spread = [
      { name: 'chips pretzels', share: 0.4 },
      { name: 'crackers', share: 0.25 },
      { name: 'cookies cakes', share: 0.2 },
      { name: 'candy chocolate', share: 0.15 },
    ];
    const byPhrase = nameCluster({ ...base, phrase: { text: 'sea salt', coverage: 0.8 }, categoryShares: spread, deptShares: [{ name: 'snacks', share: 1 }] });
    expect(byPhrase.title).toBe('More Sea Salt ideas');
    const byDept = nameCluster({ ...base, categoryShares: spread, deptShares: [{ name: 'snacks', share: 1 }] });
    // Titled with its top categories too: a department name alone shares no words with the theme's categories and keywords.
    expect(byDept.title).toBe('Stock up on Snacks: Chips Pretzels & Crackers');
    const mixed = nameCluster({ ...base, categoryShares: spread, deptShares: [{ name: 'snacks', share: 0.5 }, { name: 'pantry', share: 0.5 }] });
    expect(mixed.title).toBe('Mix of Chips Pretzels, Crackers and Cookies Cakes');
    const pair = nameCluster({ ...base, categoryShares: [{ name: 'chips pretzels', share: 0.5 }, { name: 'crackers', share: 0.3 }, { name: 'nuts', share: 0.2 }], deptShares: [{ name: 'snacks', share: 1 }] });
    expect(pair.title).toBe('Chips Pretzels & Crackers');
    expect(byPhrase.quality).toBeGreaterThan(byDept.quality);
    expect(byDept.quality).toBeGreaterThan(mixed.quality);
  });

  it('keeps department and mix titles within MAX_TITLE_WORDS, naming fewer categories when needed', () => {
    const long = [
      { name: 'doughs gelatins bake mixes', share: 0.4 },
      { name: 'packaged vegetables fruits', share: 0.25 },
      { name: 'nuts seeds dried fruit', share: 0.2 },
      { name: 'crackers', share: 0.15 },
    ];
    const byDept = nameCluster({ ...base, categoryShares: long, deptShares: [{ name: 'pantry', share: 1 }] });
    expect(byDept.title).toBe('Stock up on Pantry: Doughs Gelatins Bake Mixes');
    const mixed = nameCluster({ ...base, categoryShares: long, deptShares: [{ name: 'pantry', share: 0.5 }, { name: 'produce', share: 0.5 }] });
    expect(mixed.title).toBe('Mix of Doughs Gelatins Bake Mixes');
    for (const t of [byDept.title, mixed.title]) expect(t.split(/[^\p{L}\p{N}]+/u).filter(Boolean).length).toBeLessThanOrEqual(MAX_TITLE_WORDS);
  });

  it('does not title a theme after one generic word shared by two products', () => {
    const named = nameCluster({ ...base, memberCount: 2, phrase: { text: 'mini', coverage: 1 }, categoryShares: [{ name: 'frozen meals', share: 0.5 }, { name: 'frozen appetizers sides', share: 0.5 }], deptShares: [{ name: 'frozen', share: 1 }] });
    expect(named.title).not.toContain('Mini');
  });
});

describe('localThemes for real Instacart users', () => {
  let ctx: Ctx;
  let dataset: Dataset;
  let regulars: UserContext[];

  beforeAll(async () => {
    dataset = await realDataset();
    const stats = buildCatalogueStats(dataset);
    const catalogue = dataset.catalogue;
    // Users with a real history: at least four orders and a dozen distinct products.
    regulars = sampleUsers(dataset, 40, { seed: 7, segments: ['train'] })
      .map((id) => buildUserContext(userHistory(dataset, id), catalogue))
      .filter((u) => u.historyOrders >= 4 && Object.keys(u.productAffinity).length >= 12)
      .slice(0, 6);
    ctx = makeTestCtx({ catalogue, stats, corpus: buildKeywordCorpus(catalogue) });
    // Index the products a few hundred real users bought (not all 49,688, to keep the test light):
    // neighbours and discoveries are then real catalogue products, just from a smaller pool.
    const pool = new Set<string>();
    for (const id of [...[...dataset.users.keys()].slice(0, 300), ...regulars.map((u) => u.userId)]) {
      for (const { lines } of userHistory(dataset, id).history) for (const l of lines) pool.add(l.productId);
    }
    const indexed = { ...catalogue, products: new Map([...catalogue.products].filter(([id]) => pool.has(id))) };
    await indexProducts(indexed, stats, ctx.embedder, ctx.vectors);
  });

  it('gives each regular shopper several distinct, valid themes from their own or adjacent categories', async () => {
    expect(regulars.length).toBe(6);
    for (const user of regulars) {
      const { output } = await localThemes(user, ctx, LIMITS);
      assertValid(output);
      expect(output.themes.length, `user ${user.userId}`).toBeGreaterThanOrEqual(LIMITS.minThemes);
      expect(new Set(output.themes.map((t) => t.id)).size).toBe(output.themes.length);
      expect(new Set(output.themes.map((t) => t.title.toLowerCase())).size).toBe(output.themes.length);
      const { own, adjacent } = ownAndAdjacentCategories(user, ctx);
      for (const t of output.themes) {
        expect(t.categories.length, `${user.userId}: ${t.title}`).toBeGreaterThan(0);
        for (const a of t.categories) expect(own.has(a) || adjacent.has(a), `${user.userId}: ${t.title}: ${a}`).toBe(true);
      }
      // The lead theme is built on the categories this user actually buys from most.
      const topCategories = new Set(user.topCategories.map((a) => a.name));
      expect(output.themes[0].categories.some((a) => topCategories.has(a)), `user ${user.userId}`).toBe(true);
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
      .map((id) => userHistory(dataset, id))
      .map((h) => ({ h, products: new Set(h.history.flatMap((o) => o.lines.map((l) => l.productId))).size }))
      .filter((x) => x.h.history.length > 0 && x.products >= 3)
      .sort((a, b) => a.h.history.length - b.h.history.length || a.products - b.products || compareIds(a.h.userId, b.h.userId))[0];
    expect(thinnest.h.history.length).toBeLessThanOrEqual(2);
    const thin = buildUserContext(thinnest.h, ctx.catalogue);
    const poor = await localThemes(thin, ctx, LIMITS);
    assertValid(poor.output);
    const rich = await Promise.all(regulars.map((u) => localThemes(u, ctx, LIMITS)));
    const threshold = ctx.config.phases.themes.cascade.find((t) => t.role === 'local')!.threshold;
    expect(poor.confidence).toBeLessThan(threshold);
    expect(poor.confidence).toBeLessThan(Math.min(...rich.map((r) => r.confidence)));
  });
});
