import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../llm/config.js';
import { compileSchema } from '../../llm/ajv.js';
import type { Ctx } from '../../pipelines/context.js';
import { indexProducts, PRODUCT_TEXT_RECIPE } from '../../retrieval/index-catalogue.js';
import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { memoryVectorStore } from '../../testing/memory-vector-store.js';
import type { Filtered } from '../filter/schema.js';
import { run } from './index.js';
import { assembleKey } from './run.js';
import { DEFAULT_RANKING } from './rank.js';
import { pageSchema, type Page } from './schema.js';
import { filteredArtefact, fixtureCatalogue, fixtureStats, fixtureUser, theme } from './test-fixture.js';

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
    ['organic apple', [24], []],
    ['lemons', [24], []],
    ['bananas', [24], []],
  ]);
  const organicProduce = theme('organic-produce', 'Organic produce', [['organic', [], [4]]]);
  const dairy = theme('dairy', 'Yogurt and milk mornings', [
    ['greek yogurt', [120], []],
    ['whole milk', [], [16]],
  ]);
  const herbs = theme('herbs', 'Fresh herbs', [
    ['fresh basil', [16], []],
    ['cilantro', [16], []],
  ]);
  const filtered: Filtered = { pageTitle: 'Your week', themes: [fruit, organicProduce, dairy, herbs], removals: [], judgements: [] };

  let ctx: Awaited<ReturnType<typeof indexedCtx>>;
  beforeEach(async () => {
    ctx = await indexedCtx();
  });

  it('never repeats a product on a page, earlier themes winning', async () => {
    const { artefact } = await run({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    const ids = productsOf(artefact.data).map((p) => p.productId);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    // On its own, organic produce would show some of the fruit theme's products; on the page, fruit keeps them.
    const alone = await run({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [organicProduce] }) }, ctx);
    const fruitIds = new Set(artefact.data.themes.find((t) => t.id === 'fruit')!.products.map((p) => p.productId));
    const shared = alone.artefact.data.themes[0].products.filter((p) => fruitIds.has(p.productId));
    expect(shared.length).toBeGreaterThan(0);
    const organicOnPage = artefact.data.themes.find((t) => t.id === 'organic-produce')!.products.map((p) => p.productId);
    for (const p of shared) expect(organicOnPage).not.toContain(p.productId);
  });

  it('respects aisle filters, and department filters when a keyword has no aisles', async () => {
    const { artefact } = await run({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    const byKeyword = new Map(filtered.themes.flatMap((t) => t.keywords.map((k) => [k.text, k])));
    const products = productsOf(artefact.data);
    expect(products.length).toBeGreaterThan(5);
    for (const p of products) {
      const kw = byKeyword.get(p.keyword)!;
      if (kw.aisleIds.length) expect(kw.aisleIds).toContain(p.aisleId);
      else if (kw.departmentIds.length) expect(kw.departmentIds).toContain(p.departmentId);
    }
    expect(artefact.data.themes.every((t) => !t.notes)).toBe(true);
  });

  it('orders by relevance × affinity × popularity, and user affinity lifts the user’s own products', async () => {
    const input = { user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [dairy] }) };
    const plain = (await run(input, ctx)).artefact.data.themes[0].products;
    for (const p of plain) expect(p.score).toBeCloseTo(p.relevance! * p.affinity! * p.popularity!, 10);
    for (let i = 1; i < plain.length; i++) {
      const [a, b] = [plain[i - 1], plain[i]];
      expect(a.score > b.score || (a.score === b.score && a.productId < b.productId)).toBe(true);
    }
    expect(plain.every((p) => p.affinity === 1)).toBe(true);

    // The user's own product that ranked last (or was not chosen) climbs once they have bought it often.
    const all = (await run(input, makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 20 }) }))).artefact.data.themes[0].products;
    const own = all.at(-1)!;
    const fan = fixtureUser({ productAffinity: { [own.productId]: 0.9 }, aisleAffinity: { [own.aisleId]: 0.3 } });
    const lifted = (await run({ ...input, user: fan }, ctx)).artefact.data.themes[0].products;
    const ownIndex = lifted.findIndex((p) => p.productId === own.productId);
    expect(ownIndex).toBeGreaterThanOrEqual(0);
    expect(ownIndex).toBeLessThan(all.findIndex((p) => p.productId === own.productId));
    expect(lifted[ownIndex].affinity).toBeGreaterThan(1);
  });

  describe('seeding a theme with the user’s own products', () => {
    // One hit per keyword, so most of the fruit aisle is never retrieved by the keywords alone; room
    // on the page for every seed, however low its relevance to the theme.
    const shallow = () => makeTestCtx({ ...ctx, config: configWith({ perKeyword: 1, minProductsPerTheme: 1, productsPerTheme: 8 }) });
    const anyRelevance = { ...DEFAULT_RANKING, seedMinRelevance: 0 };
    const fruitOnly = filteredArtefact({ ...filtered, themes: [fruit] });

    it('brings in own products the keywords did not retrieve, under a keyword whose filter admits them', async () => {
      const without = (await run({ user: fixtureUser(), filtered: fruitOnly }, shallow())).artefact.data.themes[0].products.map((p) => p.productId);
      const ownIds = [3481, 3091, 1183].filter((id) => !without.includes(id));
      expect(ownIds.length).toBeGreaterThan(0);
      const user = fixtureUser({ productAffinity: Object.fromEntries(ownIds.map((id) => [id, 0.5])), aisleAffinity: { 24: 0.4 } });
      const products = (await run({ user, filtered: fruitOnly }, shallow(), anyRelevance)).artefact.data.themes[0].products;
      for (const id of ownIds) {
        const p = products.find((x) => x.productId === id);
        expect(p).toBeDefined();
        expect(fruit.keywords.find((k) => k.text === p!.keyword)!.aisleIds).toContain(p!.aisleId);
        expect(p!.score).toBeCloseTo(p!.relevance! * p!.affinity! * p!.popularity!, 10);
      }
      const off = (await run({ user, filtered: fruitOnly }, shallow(), { ...anyRelevance, seedOwnProducts: false })).artefact.data.themes[0].products;
      expect(off.map((p) => p.productId)).toEqual(without);
    });

    it('seeds nothing below the relevance floor, outside the theme’s aisles, or into a theme of aisles the user never bought from', async () => {
      const user = fixtureUser({ productAffinity: { 3481: 0.5, 9: 0.5, 1463: 0.5 } });
      const strict = (await run({ user, filtered: fruitOnly }, shallow(), { ...DEFAULT_RANKING, seedMinRelevance: 1 })).artefact.data.themes[0].products;
      expect(strict.map((p) => p.productId)).not.toContain(3481);
      // A discovery theme: its aisle is one the user never bought from, though its keyword's department filter admits their dairy.
      const discover = { ...theme('discover', 'Discover Soy Lactosefree', [['lactose free milk', [], [16]]]), aisleIds: [91] };
      const themes = [discover, dairy];
      const seeded = (await run({ user, filtered: filteredArtefact({ ...filtered, themes }) }, shallow(), anyRelevance)).artefact.data;
      const plain = (await run({ user, filtered: filteredArtefact({ ...filtered, themes }) }, shallow(), { ...anyRelevance, seedOwnProducts: false })).artefact.data;
      expect(seeded.themes[0].products).toEqual(plain.themes[0].products);
      // The dairy theme's aisles are yogurt only: the user's yogurt is seeded, their milk is not.
      const dairyIds = seeded.themes.find((t) => t.id === 'dairy')!.products.map((p) => p.productId);
      expect(dairyIds).toContain(9);
      expect(dairyIds).not.toContain(1463);
    });

    it('keeps a share of every theme for products the user has not bought', async () => {
      const fruitIds = [143, 1183, 1368, 2110, 2433, 3091, 3120, 3481];
      const user = fixtureUser({ productAffinity: Object.fromEntries(fruitIds.slice(0, 6).map((id) => [id, 0.9])) });
      // Keywords retrieve the whole fixture aisle, so the page can fill its other slots.
      const c = makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 4, perKeyword: 8 }) });
      const products = (await run({ user, filtered: fruitOnly }, c, { ...anyRelevance, maxOwnShare: 0.5 })).artefact.data.themes[0].products;
      expect(products).toHaveLength(4);
      expect(products.filter((p) => (user.productAffinity[String(p.productId)] ?? 0) > 0)).toHaveLength(2);
    });
  });

  it('drops a theme with too few products, with a reason', async () => {
    const { artefact } = await run({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [dairy, herbs] }) }, ctx);
    expect(artefact.data.themes.map((t) => t.id)).toEqual(['dairy']);
    expect(artefact.data.dropped).toEqual([
      { themeId: 'herbs', title: 'Fresh herbs', reason: expect.stringMatching(/^2 products, below the minimum of 3: 2 keywords retrieved 2 distinct products, 0 already on the page/) },
    ]);
  });

  it('drops a theme whose products earlier themes already took, saying so', async () => {
    const { artefact } = await run({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    expect(artefact.data.themes.map((t) => t.id)).not.toContain('herbs');
    expect(artefact.data.dropped.find((d) => d.themeId === 'herbs')?.reason).toMatch(/2 already on the page under earlier themes/);
  });

  it('does not let a dropped theme claim products from later themes', async () => {
    // Herbs first: it is dropped, so the organic produce theme may still use Organic Fresh Basil.
    const f = filteredArtefact({ ...filtered, themes: [herbs, theme('greens', 'Organic greens', [['organic basil cilantro', [16, 83], []]])] });
    const { artefact } = await run({ user: fixtureUser(), filtered: f }, ctx);
    expect(artefact.data.dropped.map((d) => d.themeId)).toEqual(['herbs']);
    expect(artefact.data.themes[0].products.map((p) => p.productId)).toEqual(expect.arrayContaining([157, 1025]));
  });

  it('falls back to unfiltered retrieval when a filtered search finds nothing, and notes it', async () => {
    const lactose = theme('lactose', 'Lactose free milk', [['lactose free milk', [91], []]]);
    const { artefact } = await run({ user: fixtureUser(), filtered: filteredArtefact({ ...filtered, themes: [lactose] }) }, ctx);
    const t = artefact.data.themes[0];
    expect(t.notes?.[0]).toMatch(/"lactose free milk": no products in aisles \[91\]; used unfiltered retrieval/);
    expect(t.products.length).toBeGreaterThanOrEqual(ASSEMBLE.minProductsPerTheme);
    expect(t.products[0].productId).toBe(1729);
  });

  it('embeds every keyword and theme of the page in one call', async () => {
    await run({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    const first = ctx.embedder.calls[0];
    for (const t of filtered.themes) {
      for (const k of t.keywords) expect(first).toContain(k.text);
      expect(first.some((x) => x.startsWith(t.title))).toBe(true);
    }
    // The second (and last) call embeds the retrieved candidates' product texts.
    expect(ctx.embedder.calls).toHaveLength(2);
  });

  it('produces a page that validates against pageSchema, themes in input order', async () => {
    const { artefact } = await run({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, ctx);
    expect(compileSchema(pageSchema)(artefact.data)).toBe(true);
    expect(artefact.data.themes.map((t) => t.id)).toEqual(['fruit', 'organic-produce', 'dairy']);
    expect(artefact.data.userId).toBe(42);
    expect(artefact.data.pageTitle).toBe('Your week');
    for (const t of artefact.data.themes) expect(t.products.length).toBeLessThanOrEqual(ASSEMBLE.productsPerTheme);
  });

  it('is a cache hit on re-run, and recomputes when its config or upstream changes', async () => {
    const input = { user: fixtureUser(), filtered: filteredArtefact(filtered) };
    const first = await run(input, ctx);
    const again = await run(input, ctx);
    expect(first.cached).toBe(false);
    expect(again.cached).toBe(true);
    expect(again.artefact.hash).toBe(first.artefact.hash);
    expect(again.artefact.data).toEqual(first.artefact.data);
    expect(ctx.embedder.calls).toHaveLength(2);

    const otherConfig = await run(input, makeTestCtx({ ...ctx, config: configWith({ productsPerTheme: 4 }) }));
    expect(otherConfig.cached).toBe(false);
    const otherUpstream = await run({ ...input, filtered: filteredArtefact(filtered, 'other') }, ctx);
    expect(otherUpstream.cached).toBe(false);
    const otherUser = await run({ ...input, user: fixtureUser({ userId: 7 }) }, ctx);
    expect(otherUser.cached).toBe(false);
    // Product vectors come from the product text recipe: a new recipe must not reuse old pages.
    expect(assembleKey(input, ctx).inputs).toContain(`productText:${PRODUCT_TEXT_RECIPE}`);
  });

  it('fails clearly when the product collection was never indexed', async () => {
    const bare = makeTestCtx({ config: configWith(), catalogue: fixtureCatalogue() });
    await expect(run({ user: fixtureUser(), filtered: filteredArtefact(filtered) }, bare)).rejects.toThrow(/hubgen_products" does not exist; index the catalogue/);
  });
});
