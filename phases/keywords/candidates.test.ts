import { describe, expect, it } from 'vitest';
import { pruneCandidates, themeScope, categoryIdsFor } from './candidates.js';
import { fixtureCatalogue, fixtureCtx, yogurtTheme, pastaTheme } from '../../testing/keywords-fixture.js';
import { themeSearchText } from '../themes/text.js';

describe('themeScope', () => {
  it('maps category and department names to ids case-insensitively and adds the categories’ departments', () => {
    const catalogue = fixtureCatalogue();
    const scope = themeScope({ ...yogurtTheme, categories: ['Yogurt', ' granola ', 'moon cheese'], departments: [] }, catalogue);
    expect(scope.categoryIds).toEqual(['a120', 'a57']);
    expect(scope.departmentIds).toEqual(['d16', 'd14']);
    expect(scope.unknownNames).toEqual(['moon cheese']);
  });

  it('reports unknown names instead of guessing', () => {
    expect(categoryIdsFor(fixtureCatalogue(), ['yoghurt'])).toEqual({ ids: [], unknown: ['yoghurt'] });
  });
});

describe('pruneCandidates', () => {
  it('returns candidates ranked by similarity whose categories include the theme’s category', async () => {
    const ctx = await fixtureCtx();
    const [v] = await ctx.embedder.embed([themeSearchText(yogurtTheme)]);
    const candidates = await pruneCandidates(ctx, v, ['a120', 'a57'], 20);
    expect(candidates).toHaveLength(20);
    expect(candidates.map((c) => c.rank)).toEqual(candidates.map((_, i) => i));
    for (let i = 1; i < candidates.length; i++) expect(candidates[i].similarity).toBeLessThanOrEqual(candidates[i - 1].similarity);
    const top5 = candidates.slice(0, 5);
    expect(top5.filter((c) => c.categories.includes('a120')).length).toBeGreaterThanOrEqual(3);
    expect(candidates.map((c) => c.text)).toContain('greek yogurt');
  });

  it('reserves slots for the theme’s categories even when the theme text points elsewhere', async () => {
    const ctx = await fixtureCtx();
    // The text is about pasta, but the theme names the cat food category: a quarter of the slots go there.
    const [v] = await ctx.embedder.embed([themeSearchText(pastaTheme)]);
    const unreserved = await pruneCandidates(ctx, v, [], 12);
    const reserved = await pruneCandidates(ctx, v, ['a41'], 12);
    expect(unreserved.filter((c) => c.categories.includes('a41'))).toHaveLength(0);
    expect(reserved).toHaveLength(12);
    expect(reserved.filter((c) => c.categories.includes('a41')).length).toBe(3);
  });
});
