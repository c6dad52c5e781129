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
import { DEFAULT_RANKING } from './rank.js';
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

  it('orders by relevance × affinity × popularity, and user affinity lifts the user’s own products', async () => {
    const input = { user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [dairy] }) };
    const plain = (await runAssemble(input, ctx)).artefact.data.themes[0].products;
    for (const p of plain) expect(p.score).toBeCloseTo(p.relevance! * p.affinity! * p.popularity!, 10);
    for (let i = 1; i < plain.length; i++) {
      const [a, b] = [plain[i - 1], plain[i]];
      expect(a.score > b.score || (a.score === b.score && a.productId < b.productId)).toBe(true);
    }
    expect(plain.every((p) => p.affinity === 1)).toBe(true);

    // The user's own product that ranked last (or was not chosen) climbs once they have bought it often.
    const all = (await runAssemble(input, makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 20 }) }))).artefact.data.themes[0].products;
    const own = all.at(-1)!;
    const fan = fixtureUser({ productAffinity: { [own.productId]: 0.9 }, categoryAffinity: { [own.categoryId]: 0.3 } });
    const lifted = (await runAssemble({ ...input, user: fan }, ctx)).artefact.data.themes[0].products;
    const ownIndex = lifted.findIndex((p) => p.productId === own.productId);
    expect(ownIndex).toBeGreaterThanOrEqual(0);
    expect(ownIndex).toBeLessThan(all.findIndex((p) => p.productId === own.productId));
    expect(lifted[ownIndex].affinity).toBeGreaterThan(1);
  });

  describe('seeding a theme with the user’s own products', () => {
    // One hit per keyword, so most of the fruit category is never retrieved by the keywords alone;
    // room on the page for every seed, however low its relevance to the theme.
    const shallow = () => makeTestCtx({ ...ctx, config: configWith({ perKeyword: 1, minProductsPerTheme: 1, productsPerTheme: 8 }) });
    const anyRelevance = { ...DEFAULT_RANKING, seedMinRelevance: 0 };
    const fruitOnly = filteredArtefact({ ...filtered, themes: [fruit] });

    it('brings in own products the keywords did not retrieve, under a keyword whose filter admits them', async () => {
      const without = (await runAssemble({ user: fixtureUser(), filtered: fruitOnly }, shallow())).artefact.data.themes[0].products.map((p) => p.productId);
      const ownIds = ['3481', '3091', '1183'].filter((id) => !without.includes(id));
      expect(ownIds.length).toBeGreaterThan(0);
      const user = fixtureUser({ productAffinity: Object.fromEntries(ownIds.map((id) => [id, 0.5])), categoryAffinity: { a24: 0.4 } });
      const products = (await runAssemble({ user, filtered: fruitOnly, ranking: anyRelevance }, shallow())).artefact.data.themes[0].products;
      for (const id of ownIds) {
        const p = products.find((x) => x.productId === id);
        expect(p).toBeDefined();
        expect(fruit.keywords.find((k) => k.text === p!.keyword)!.categoryIds).toContain(p!.categoryId);
        expect(p!.score).toBeCloseTo(p!.relevance! * p!.affinity! * p!.popularity!, 10);
      }
      const off = (await runAssemble({ user, filtered: fruitOnly, ranking: { ...anyRelevance, seedOwnProducts: false } }, shallow())).artefact.data.themes[0].products;
      expect(off.map((p) => p.productId)).toEqual(without);
    });

    it('seeds nothing below the relevance floor, outside the theme’s categories, or into a theme of categories the user never bought from', async () => {
      const user = fixtureUser({ productAffinity: { 3481: 0.5, 9: 0.5, 1463: 0.5 } });
      const strict = (await runAssemble({ user, filtered: fruitOnly, ranking: { ...DEFAULT_RANKING, seedMinRelevance: 1 } }, shallow())).artefact.data.themes[0].products;
      expect(strict.map((p) => p.productId)).not.toContain('3481');
      // A discovery theme: its category is one the user never bought from, though its keyword's department filter admits their dairy.
      const discover = { ...theme('discover', 'Discover Soy Lactosefree', [['lactose free milk', [], ['d16']]]), categoryIds: ['a91'] };
      const themes = [discover, dairy];
      const seeded = (await runAssemble({ user, filtered: filteredArtefact({ ...filtered, themes }), ranking: anyRelevance }, shallow())).artefact.data;
      const plain = (await runAssemble({ user, filtered: filteredArtefact({ ...filtered, themes }), ranking: { ...anyRelevance, seedOwnProducts: false } }, shallow())).artefact.data;
      expect(seeded.themes[0].products).toEqual(plain.themes[0].products);
      // The dairy theme's categories are yogurt only: the user's yogurt is seeded, their milk is not.
      const dairyIds = seeded.themes.find((t) => t.id === 'dairy')!.products.map((p) => p.productId);
      expect(dairyIds).toContain('9');
      expect(dairyIds).not.toContain('1463');
    });

    it('keeps a share of every theme for products the user has not bought', async () => {
      const fruitIds = [143, 1183, 1368, 2110, 2433, 3091, 3120, 3481];
      const user = fixtureUser({ productAffinity: Object.fromEntries(fruitIds.slice(0, 6).map((id) => [id, 0.9])) });
      // Keywords retrieve the whole fixture category, so the page can fill its other slots.
      const c = makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 4, perKeyword: 8 }) });
      const products = (await runAssemble({ user, filtered: fruitOnly, ranking: { ...anyRelevance, maxOwnShare: 0.5 } }, c)).artefact.data.themes[0].products;
      expect(products).toHaveLength(4);
      expect(products.filter((p) => (user.productAffinity[String(p.productId)] ?? 0) > 0)).toHaveLength(2);
    });
  });

  it('drops a theme with too few products, with a reason', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [dairy, herbs] }) }, ctx);
    expect(artefact.data.themes.map((t) => t.id)).toEqual(['dairy']);
    expect(artefact.data.dropped).toEqual([
      { themeId: 'herbs', title: 'Fresh herbs', reason: expect.stringMatching(/^2 products, below the minimum of 3: 2 keywords retrieved 2 distinct products, 0 already on the page/) },
    ]);
  });

  it('drops a theme whose products earlier themes already took, saying so', async () => {
    const { artefact } = await runAssemble({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    expect(artefact.data.themes.map((t) => t.id)).not.toContain('herbs');
    expect(artefact.data.dropped.find((d) => d.themeId === 'herbs')?.reason).toMatch(/2 already on the page under earlier themes/);
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
