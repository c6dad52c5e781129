import { describe, expect, it } from 'vitest';
import { checkRetrieval } from './verify.js';
import { fixtureCtx } from '../../testing/keywords-fixture.js';

describe('checkRetrieval', () => {
  it('keeps a written keyword that retrieves products and drops one that retrieves none', async () => {
    const ctx = await fixtureCtx();
    const [skyr, nonsense] = await checkRetrieval(ctx, [
      { text: 'icelandic skyr yogurt', categoryIds: [], departmentIds: [] },
      { text: 'moon rock dust', categoryIds: [], departmentIds: [] },
    ]);
    expect(skyr.kept).toBe(true);
    expect(skyr.retrievedProducts).toBeGreaterThan(0);
    expect(nonsense.kept).toBe(false);
    expect(nonsense.retrievedProducts).toBe(0);
    expect(nonsense.reason).toMatch(/retrieves no products: top similarity .* < floor 0.75 and no top-10 product name contains "moon rock dust"/);
  });

  it('checks with the filters the keyword will be retrieved with', async () => {
    const ctx = await fixtureCtx();
    const [inYogurt, inCatFood] = await checkRetrieval(ctx, [
      { text: 'icelandic skyr yogurt', categoryIds: ['a120'], departmentIds: [] },
      { text: 'icelandic skyr yogurt', categoryIds: ['a41'], departmentIds: [] },
    ]);
    expect(inYogurt.kept).toBe(true);
    expect(inCatFood.kept).toBe(false);
  });

  it('keeps a keyword no product name contains only when its similarity clears the floor', async () => {
    const ctx = await fixtureCtx();
    const keyword = { text: 'vanilla skyr tub', categoryIds: [], departmentIds: [] };
    const [strict] = await checkRetrieval(ctx, [keyword]);
    expect(strict.kept).toBe(false);
    const [lenient] = await checkRetrieval(ctx, [keyword], strict.topSimilarity - 0.01);
    expect(lenient.kept).toBe(true);
    expect(lenient.retrievedProducts).toBeGreaterThanOrEqual(1);
  });

  it('makes no embed call when there is nothing to check', async () => {
    const ctx = await fixtureCtx();
    let calls = 0;
    const counting = { ...ctx, embedder: { ...ctx.embedder, embed: async (t: readonly string[]) => (calls++, ctx.embedder.embed(t)) } };
    expect(await checkRetrieval(counting, [])).toEqual([]);
    expect(calls).toBe(0);
  });
});
