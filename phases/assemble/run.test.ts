import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { compileSchema } from '../../base/ajv.js';
import type { Ctx } from '../../kit/context.js';
import { indexProducts, PRODUCT_TEXT_RECIPE } from '../../retrieval/index-catalogue.js';
import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { memoryVectorStore } from '../../testing/memory-vector-store.js';
import type { Filtered } from '../filter/schema.js';
import { runAssemble } from './index.js';
import { DEFAULT_RANKING, rankScore } from './rank.js';
import { keywordFilter, keywordScope } from './retrieve.js';
import { statsOfHistories } from '../../catalogue/stats.js';
import { pageSchema, type Page } from './schema.js';
import { filteredArtefact, fixtureCatalogue, fixtureStats, fixtureUser, theme } from '../../testing/assemble-fixture.js';

const ASSEMBLE = { productsPerTheme: 5, minProductsPerTheme: 3, perKeyword: 6 };

function configWith(assemble: Partial<typeof ASSEMBLE> = {}) {
  return loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: { phases: { assemble: { ...ASSEMBLE, ...assemble } } } });
}

/** Records every embed call so tests can check batching. */
function countingEmbedder(inner: Embedder): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return { id: inner.id, dimensions: inner.dimensions, calls, embed: (t) => (calls.push([...t]), inner.embed(t)), close: inner.close };
}

async function indexedCtx(overrides: Partial<Ctx> = {}): Promise<Ctx & { embedder: ReturnType<typeof countingEmbedder> }> {
  const catalogue = fixtureCatalogue();
  const stats = fixtureStats();
  const embedder = countingEmbedder(hashingEmbedder());
  const vectors = memoryVectorStore();
  await indexProducts(catalogue, stats, embedder, vectors);
  embedder.calls.length = 0;
  return makeTestCtx({ config: configWith(), catalogue, stats, embedder, vectors, ...overrides }) as Ctx & { embedder: typeof embedder };
}

const productsOf = (page: Page) => page.themes.flatMap((t) => t.products);

describe('assemble run', () => {
  const fruit = theme('fruit', 'Fresh fruit bowl', [
    ['organic apple', ['a24'], []],
    ['lemons', ['a24'], []],
    ['bananas', ['a24'], []],
  ]);
  const organicProduce = theme('organic-produce', 'Organic produce', [['organic', [], ['d4']]]);
  const dairy = theme('dairy', 'Yogurt and milk mornings', [
    ['greek yogurt', ['a120'], []],
    ['whole milk', [], ['d16']],
  ]);
  const herbs = theme('herbs', 'Fresh herbs', [
    ['fresh basil', ['a16'], []],
    ['cilantro', ['a16'], []],
  ]);
  const filtered: Filtered = { pageTitle: 'Your week', themes: [fruit, organicProduce, dairy, herbs], removals: [], judgements: [] };

  let ctx: Awaited<ReturnType<typeof indexedCtx>>;
  beforeEach(async () => {
    ctx = await indexedCtx();
  });

  it('never repeats a product on a page, earlier themes winning', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    const ids = productsOf(artefact.data).map((p) => p.productId);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    // On its own, organic produce would show some of the fruit theme's products; on the page, fruit keeps them.
    const alone = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [organicProduce] }) }, ctx);
    const fruitIds = new Set(artefact.data.themes.find((t) => t.id === 'fruit')!.products.map((p) => p.productId));
    const shared = alone.artefact.data.themes[0].products.filter((p) => fruitIds.has(p.productId));
    expect(shared.length).toBeGreaterThan(0);
    const organicOnPage = artefact.data.themes.find((t) => t.id === 'organic-produce')!.products.map((p) => p.productId);
    for (const p of shared) expect(organicOnPage).not.toContain(p.productId);
  });

  it('respects category filters, and department filters when a keyword has no categories', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    const byKeyword = new Map(filtered.themes.flatMap((t) => t.keywords.map((k) => [k.text, k])));
    const products = productsOf(artefact.data);
    expect(products.length).toBeGreaterThan(5);
    for (const p of products) {
      const kw = byKeyword.get(p.keyword)!;
      if (kw.categoryIds.length) expect(kw.categoryIds).toContain(p.categoryId);
      else if (kw.departmentIds.length) expect(kw.departmentIds).toContain(p.departmentId);
    }
    expect(artefact.data.themes.every((t) => !t.notes)).toBe(true);
  });

  it("searches a keyword without filters of its own under its theme's, not across the catalogue", async () => {
    // A fruit theme whose model wrote "greek yogurt" without a category: unfiltered, that keyword finds yogurt.
    const loose = theme('fruit-loose', 'Fruit for breakfast', [['organic apple', ['a24'], []], ['greek yogurt', [], []]]);
    expect(loose.categoryIds).toEqual(['a24']);
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [loose] }) }, ctx);
    const products = productsOf(artefact.data);
    expect(products.length).toBeGreaterThan(0);
    for (const p of products) expect(p.categoryId).toBe('a24');
    // Its own filters win; a theme that names nothing leaves the keyword unfiltered.
    const own = { text: 'greek yogurt', categoryIds: ['a120'], departmentIds: [] };
    expect(keywordScope(own, loose)).toBe(own);
    expect(keywordFilter(keywordScope(loose.keywords[1], loose))).toEqual({ must: [{ key: 'categoryId', match: { any: ['a24'] } }] });
    expect(keywordFilter(keywordScope(loose.keywords[1], { categoryIds: [], departmentIds: [] }))).toBeUndefined();
  });

  it('ranks by relevance^γ × the user\'s probability of buying: reorder propensity if they own it, discovery if not', async () => {
    const input = { user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [dairy] }) };
    const plain = (await runAssemble(input, ctx)).artefact.data.themes[0].products;
    for (const p of plain) expect(p.score).toBeCloseTo(rankScore(p.relevance!, p.affinity!), 10);
    for (let i = 1; i < plain.length; i++) {
      const [a, b] = [plain[i - 1], plain[i]];
      expect(a.score > b.score || (a.score === b.score && a.productId < b.productId)).toBe(true);
    }

    // The product that ranked last (or was not chosen) climbs once the user is likely to reorder it.
    const all = (await runAssemble(input, makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 20 }) }))).artefact.data.themes[0].products;
    const own = all.at(-1)!;
    const fan = fixtureUser({ productAffinity: { [own.productId]: 0.9 }, reorderPropensity: { [own.productId]: 0.6 } });
    const lifted = (await runAssemble({ ...input, user: fan }, ctx)).artefact.data.themes[0].products;
    const ownIndex = lifted.findIndex((p) => p.productId === own.productId);
    expect(ownIndex).toBeGreaterThanOrEqual(0);
    expect(ownIndex).toBeLessThan(all.findIndex((p) => p.productId === own.productId));
    expect(lifted[ownIndex].affinity).toBe(0.6);
  });

  describe('seeding a mixed theme with the user’s own products', () => {
    // One hit per keyword, so most of the fruit category is never retrieved by the keywords alone.
    const shallow = () => makeTestCtx({ ...ctx, config: configWith({ perKeyword: 1, minProductsPerTheme: 1 }) });
    const anyRelevance = { ...DEFAULT_RANKING, seedMinRelevance: 0 };
    const fruitOnly = filteredArtefact({ ...filtered, themes: [fruit] });
    const owning = (ids: string[], p = 0.5) => fixtureUser({ productAffinity: Object.fromEntries(ids.map((id) => [id, p])), reorderPropensity: Object.fromEntries(ids.map((id) => [id, p])), categoryAffinity: { a24: 0.4 } });

    it('brings in own products the keywords did not retrieve, under a keyword whose filter admits them', async () => {
      const without = (await runAssemble({ user: fixtureUser(), filtered: fruitOnly }, shallow())).artefact.data.themes[0].products.map((p) => p.productId);
      const ownIds = ['3481', '3091', '1183'].filter((id) => !without.includes(id));
      expect(ownIds.length).toBeGreaterThan(0);
      const user = owning(ownIds);
      const products = (await runAssemble({ user, filtered: fruitOnly, ranking: anyRelevance }, shallow())).artefact.data.themes[0].products;
      for (const id of ownIds) {
        const p = products.find((x) => x.productId === id);
        expect(p).toBeDefined();
        expect(fruit.keywords.find((k) => k.text === p!.keyword)!.categoryIds).toContain(p!.categoryId);
        expect(p!.score).toBeCloseTo(rankScore(p!.relevance!, 0.5), 10);
      }
      const off = (await runAssemble({ user, filtered: fruitOnly, ranking: { ...anyRelevance, seedOwnProducts: false } }, shallow())).artefact.data.themes[0].products;
      expect(off.map((p) => p.productId).filter((id) => ownIds.includes(id))).toEqual([]);
    });

    it('seeds nothing below the relevance floor or outside the theme’s categories', async () => {
      const user = owning(['3481', '9', '1463']);
      const strict = (await runAssemble({ user, filtered: fruitOnly, ranking: { ...DEFAULT_RANKING, seedMinRelevance: 1 } }, shallow())).artefact.data.themes[0].products;
      expect(strict.map((p) => p.productId)).not.toContain('3481');
      // The dairy theme's categories are yogurt only: the user's yogurt is seeded, their milk is not.
      const seeded = (await runAssemble({ user, filtered: filteredArtefact({ ...filtered, themes: [dairy] }), ranking: anyRelevance }, shallow())).artefact.data;
      const dairyIds = seeded.themes[0].products.map((p) => p.productId);
      expect(dairyIds).toContain('9');
      expect(dairyIds).not.toContain('1463');
    });

    it('keeps a share of every mixed theme for products the user has not bought', async () => {
      const fruitIds = ['143', '1183', '1368', '2110', '2433', '3091', '3120', '3481'];
      const user = owning(fruitIds.slice(0, 6), 0.9);
      // Keywords retrieve the whole fixture category, so the page can fill its other slots.
      const c = makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 4, perKeyword: 8 }) });
      const products = (await runAssemble({ user, filtered: fruitOnly, ranking: { ...anyRelevance, maxOwnShare: 0.5 } }, c)).artefact.data.themes[0].products;
      expect(products).toHaveLength(4);
      expect(products.filter((p) => user.reorderPropensity[p.productId] !== undefined)).toHaveLength(2);
    });
  });

  describe('a planned page: staples themes and discovery themes', () => {
    // The user owns fruit, yogurt and milk at falling propensity; other shoppers buy grapes and basil with their pineapple.
    const propensity: Record<string, number> = { 3481: 0.9, 143: 0.8, 9: 0.7, 132: 0.6, 1463: 0.5, 329: 0.45, 264: 0.4, 2110: 0.3, 877: 0.2, 1368: 0.1 };
    const user = fixtureUser({ productAffinity: propensity, reorderPropensity: propensity, categoryAffinity: { a24: 0.4, a120: 0.3, a84: 0.3 } });
    const staples = (id: string, title: string, categoryIds: string[], keyword: string) => ({ ...theme(id, title, [[keyword, categoryIds, []]]), kind: 'staples' as const });
    const fruitStaples = staples('fruit-again', 'Your fruit regulars', ['a24'], 'pineapple');
    const dairyStaples = staples('dairy-again', 'Your yogurt and milk', ['a120', 'a84'], 'yogurt');
    const discover = { ...theme('discover', 'New for you: grapes and herbs', [['organic basil', ['a16'], []]]), categoryIds: ['a16', 'a24'], kind: 'discovery' as const };
    const page = filteredArtefact({ ...filtered, themes: [fruitStaples, dairyStaples, discover] });
    let planned: Ctx;
    beforeEach(async () => {
      const stats = statsOfHistories([[['3481', '1183', '1025'], ['3481', '1183'], ['143', '1025']], [['9', '1183']]], ctx.catalogue);
      planned = makeTestCtx({ ...ctx, stats, config: configWith({ productsPerTheme: 3, minProductsPerTheme: 1 }) });
    });

    it('fills staples themes with the user\'s likeliest reorders, each under a theme naming its category', async () => {
      const data = (await runAssemble({ user, filtered: page }, planned)).artefact.data;
      const fruitIds = data.themes.find((t) => t.id === 'fruit-again')!.products.map((p) => p.productId);
      const dairyIds = data.themes.find((t) => t.id === 'dairy-again')!.products.map((p) => p.productId);
      // Three slots each, likeliest first: fruit 3481, 143, 2110; dairy 9, 132, 1463 (329 and 264 lose to them).
      expect(fruitIds).toEqual(['3481', '143', '2110']);
      expect(dairyIds).toEqual(['9', '132', '1463']);
      for (const p of data.themes[0].products) expect(p.score).toBe(propensity[p.productId]);
      expect(data.themes.map((t) => t.kind)).toEqual(['staples', 'staples', 'discovery']);
    });

    it('fills a discovery theme with new products only, the likely ones no keyword retrieved among them', async () => {
      const data = (await runAssemble({ user, filtered: page }, planned)).artefact.data;
      const found = data.themes.find((t) => t.id === 'discover')!.products;
      expect(found.every((p) => propensity[p.productId] === undefined)).toBe(true);
      // Grapes are bought beside the user's pineapple and lemons, and the keyword "organic basil" does not retrieve them.
      expect(found.map((p) => p.productId)).toContain('1183');
      for (const p of found) {
        expect(['a16', 'a24']).toContain(p.categoryId);
        expect(p.score).toBeCloseTo(rankScore(p.relevance!, p.affinity!), 10);
      }
    });
  });

  describe('page invariants', () => {
    // The fixture store plus beer, and one of its fruits out of stock.
    const withBeer = (): Ctx => {
      const base = fixtureCatalogue();
      const beer = { id: '379', name: 'Super Dry Beer', categoryId: 'a27', departmentId: 'd5', tags: [], available: true };
      const catalogue = {
        products: new Map([...base.products, ['379', beer], ['143', { ...base.products.get('143')!, available: false }]]),
        categories: new Map([...base.categories, ['a27', { id: 'a27', name: 'beers coolers', departmentId: 'd5', path: ['alcohol', 'beers coolers'] }]]),
        departments: new Map([...base.departments, ['d5', { id: 'd5', name: 'alcohol', departmentId: 'd5', path: ['alcohol'] }]]),
      };
      return makeTestCtx({ ...ctx, catalogue, stats: statsOfHistories([[['379', '3481', '143', '1183']]], catalogue) });
    };
    const owned = { 379: 0.9, 143: 0.9, 3481: 0.5, 2110: 0.4, 1368: 0.3 };
    const user = fixtureUser({ reorderPropensity: owned, productAffinity: owned });
    const anything = theme('anything', 'Anything goes', [['beer lemons pineapple grapes', [], []]]);
    const staplesAll = { ...theme('again', 'Buy again', [['beer lemons', [], []]]), categoryIds: ['a27', 'a24'], kind: 'staples' as const };

    it('never shows a product twice, an unavailable one, or alcohol unless the policy allows it', async () => {
      const c = withBeer();
      await indexProducts(c.catalogue, c.stats, c.embedder, c.vectors);
      const f = filteredArtefact({ ...filtered, themes: [staplesAll, anything, fruit] });
      const data = (await runAssemble({ user, filtered: f }, c)).artefact.data;
      const ids = productsOf(data).map((p) => p.productId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain('379');
      expect(ids).not.toContain('143');
      // The staples the store can sell still fill the staples theme.
      expect(data.themes[0].products.map((p) => p.productId)).toEqual(['3481', '2110', '1368']);
      const allowed = makeTestCtx({ ...c, config: loadConfig({ env: {}, cwd: '/nonexistent', overrides: { phases: { assemble: ASSEMBLE, filter: { policy: { allowAlcohol: true } } } } }) });
      expect(productsOf((await runAssemble({ user, filtered: f }, allowed)).artefact.data).map((p) => p.productId)).toContain('379');
    });
  });

  it('drops a theme with too few products, with a reason', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [dairy, herbs] }) }, ctx);
    expect(artefact.data.themes.map((t) => t.id)).toEqual(['dairy']);
    expect(artefact.data.dropped).toEqual([
      { themeId: 'herbs', title: 'Fresh herbs', reason: expect.stringMatching(/^2 products, below the minimum of 3: 2 keywords and the user's likeliest new products gave 2 distinct products, 0 already on the page/) },
    ]);
  });

  it('drops a theme whose products earlier themes already took, saying so', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    expect(artefact.data.themes.map((t) => t.id)).not.toContain('herbs');
    expect(artefact.data.dropped.find((d) => d.themeId === 'herbs')?.reason).toMatch(/2 already on the page under other themes/);
  });

  it('does not let a dropped theme claim products from later themes', async () => {
    // Herbs first: it is dropped, so the organic produce theme may still use Organic Fresh Basil.
    const f = filteredArtefact({ ...filtered, themes: [herbs, theme('greens', 'Organic greens', [['organic basil cilantro', ['a16', 'a83'], []]])] });
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: f }, ctx);
    expect(artefact.data.dropped.map((d) => d.themeId)).toEqual(['herbs']);
    expect(artefact.data.themes[0].products.map((p) => p.productId)).toEqual(expect.arrayContaining(['157', '1025']));
  });

  it('falls back to unfiltered retrieval when a filtered search finds nothing, and notes it', async () => {
    const lactose = theme('lactose', 'Lactose free milk', [['lactose free milk', ['a91'], []]]);
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [lactose] }) }, ctx);
    const t = artefact.data.themes[0];
    expect(t.notes?.[0]).toMatch(/"lactose free milk": no products in categories \[a91\]; used unfiltered retrieval/);
    expect(t.products.length).toBeGreaterThanOrEqual(ASSEMBLE.minProductsPerTheme);
    expect(t.products[0].productId).toBe('1729');
  });

  it('embeds every keyword and theme of the page in one call', async () => {
    await runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    const first = ctx.embedder.calls[0];
    for (const t of filtered.themes) {
      for (const k of t.keywords) expect(first).toContain(k.text);
      expect(first.some((x) => x.startsWith(t.title))).toBe(true);
    }
    // The second (and last) call embeds the retrieved candidates' product texts.
    expect(ctx.embedder.calls).toHaveLength(2);
  });

  it('produces a page that validates against pageSchema, themes in input order', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    expect(compileSchema(pageSchema)(artefact.data)).toBe(true);
    expect(artefact.data.themes.map((t) => t.id)).toEqual(['fruit', 'organic-produce', 'dairy']);
    expect(artefact.data.userId).toBe('42');
    expect(artefact.data.pageTitle).toBe('Your week');
    for (const t of artefact.data.themes) expect(t.products.length).toBeLessThanOrEqual(ASSEMBLE.productsPerTheme);
  });

  it('is a cache hit on re-run, and recomputes when its config or upstream changes', async () => {
    const input = { user: fixtureUser(), filtered: filteredArtefact(filtered) };
    const first = await runAssemble(input, ctx);
    const again = await runAssemble(input, ctx);
    expect(first.cached).toBe(false);
    expect(again.cached).toBe(true);
    expect(again.artefact.hash).toBe(first.artefact.hash);
    expect(again.artefact.data).toEqual(first.artefact.data);
    expect(ctx.embedder.calls).toHaveLength(2);

    const otherConfig = await runAssemble(input, makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 4 }) }));
    expect(otherConfig.cached).toBe(false);
    const otherUpstream = await runAssemble({ ...input, filtered: filteredArtefact(filtered, 'other') }, ctx);
    expect(otherUpstream.cached).toBe(false);
    const otherUser = await runAssemble({ ...input, user: fixtureUser({ userId: '7' }) }, ctx);
    expect(otherUser.cached).toBe(false);
    // Product vectors come from the product text recipe: a new recipe must not reuse old pages.
    expect(runAssemble.key(input, ctx).inputs).toContain(`productText:${PRODUCT_TEXT_RECIPE}`);
  });

  it('fails clearly when the product collection was never indexed', async () => {
    const bare = makeTestCtx({ config: configWith(), catalogue: fixtureCatalogue() });
    await expect(runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, bare)).rejects.toThrow(/hubgen_products" does not exist; index the catalogue/);
  });
});
