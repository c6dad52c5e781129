import { describe, expect, it } from 'vitest';
import { pruneCandidates, themeScope, themeText, aisleIdsFor } from './candidates.js';
import { fixtureCatalogue, fixtureCtx, yogurtTheme, pastaTheme } from '../../testing/keywords-fixture.js';

describe('themeScope', () => {
  it('maps aisle and department names to ids case-insensitively and adds the aisles’ departments', () => {
    const catalogue = fixtureCatalogue();
    const scope = themeScope({ ...yogurtTheme, aisles: ['Yogurt', ' granola ', 'moon cheese'], departments: [] }, catalogue);
    expect(scope.aisleIds).toEqual([120, 57]);
    expect(scope.departmentIds).toEqual([16, 14]);
    expect(scope.unknownNames).toEqual(['moon cheese']);
  });

  it('reports unknown names instead of guessing', () => {
    expect(aisleIdsFor(fixtureCatalogue(), ['yoghurt'])).toEqual({ ids: [], unknown: ['yoghurt'] });
  });
});

describe('pruneCandidates', () => {
  it('returns candidates ranked by similarity whose aisles include the theme’s aisle', async () => {
    const ctx = await fixtureCtx();
    const [v] = await ctx.embedder.embed([themeText(yogurtTheme)]);
    const candidates = await pruneCandidates(ctx, v, [120, 57], 20);
    expect(candidates).toHaveLength(20);
    expect(candidates.map((c) => c.rank)).toEqual(candidates.map((_, i) => i));
    for (let i = 1; i < candidates.length; i++) expect(candidates[i].similarity).toBeLessThanOrEqual(candidates[i - 1].similarity);
    const top5 = candidates.slice(0, 5);
    expect(top5.filter((c) => c.aisles.includes(120)).length).toBeGreaterThanOrEqual(3);
    expect(candidates.map((c) => c.text)).toContain('greek yogurt');
  });

  it('reserves slots for the theme’s aisles even when the theme text points elsewhere', async () => {
    const ctx = await fixtureCtx();
    // The text is about pasta, but the theme names the cat food aisle: a quarter of the slots go there.
    const [v] = await ctx.embedder.embed([themeText(pastaTheme)]);
    const unreserved = await pruneCandidates(ctx, v, [], 12);
    const reserved = await pruneCandidates(ctx, v, [41], 12);
    expect(unreserved.filter((c) => c.aisles.includes(41))).toHaveLength(0);
    expect(reserved).toHaveLength(12);
    expect(reserved.filter((c) => c.aisles.includes(41)).length).toBe(3);
  });
});
