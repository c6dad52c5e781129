import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/config.js';
import { makeTestCtx } from '../../../testing/test-context.js';
import { compileSchema } from '../../../base/ajv.js';
import { judgeVerdictSchema } from '../schema.js';
import { fixtureCatalogue, fixtureUser } from '../../../testing/filter-fixture.js';
import { rubricJudge } from './local-judge.js';
import type { JudgeKeyword, JudgeThemeInput } from './types.js';

const ctx = makeTestCtx({ catalogue: fixtureCatalogue() });
const user = fixtureUser();

const keywords: JudgeKeyword[] = [
  { text: 'greek yogurt', relevance: 0.95, categoryIds: ['a120'] },
  { text: 'granola', relevance: 0.9, categoryIds: ['a57'] },
  { text: 'mixed berries', relevance: 0.8, categoryIds: ['a24'] },
];
const yogurt: JudgeThemeInput = {
  title: 'Greek yogurt breakfast',
  description: 'Creamy greek yogurt with crunchy granola, berries and honey.',
  concepts: ['greek yogurt', 'granola', 'mixed berries', 'honey'],
  categories: ['yogurt', 'granola', 'fresh fruits'],
  keywords,
};

describe('rubric judge', () => {
  it('passes a theme that fits the shopper on every criterion, confidently, with schema-valid reasons', async () => {
    const verdict = await rubricJudge({ user, theme: yogurt }, ctx);
    expect(compileSchema(judgeVerdictSchema)(structuredClone(verdict))).toBe(true);
    expect(Object.values(verdict.criteria).map((c) => c.pass)).toEqual([true, true, true, true]);
    expect(verdict.confidence).toBeGreaterThanOrEqual(0.9);
    expect(verdict.criteria.relevant_to_user.reason).toMatch(/^43% of the shopper's lines are in its categories; 2 of their regular products match/);
  });

  it('passes relevance for a shopper with no history yet (popular themes are their page), with low confidence', async () => {
    const newcomer = { ...user, historyOrders: 0, topCategories: [], frequentProducts: [], recentProducts: [], categoryAffinity: {}, productAffinity: {} };
    const verdict = await rubricJudge({ user: newcomer, theme: yogurt }, ctx);
    expect(verdict.criteria.relevant_to_user.pass).toBe(true);
    expect(verdict.criteria.relevant_to_user.reason).toMatch(/no order history/);
    expect(verdict.confidence).toBeLessThan(0.7);
    // The same theme is judged on evidence, not waved through, once there is history.
    const cats = { ...yogurt, title: 'Cat care', concepts: ['cat food'], categories: ['cat food care'], keywords: ['cat food', 'cat litter'] };
    expect((await rubricJudge({ user, theme: cats }, ctx)).criteria.relevant_to_user.pass).toBe(false);
  });

  it('fails a generic title', async () => {
    const verdict = await rubricJudge({ user, theme: { ...yogurt, title: 'Great picks for you' } }, ctx);
    expect(verdict.criteria.coherent_title).toEqual({ pass: false, reason: "title 'Great picks for you' is generic" });
    expect(verdict.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('fails a theme the shopper has no history for', async () => {
    const cats: JudgeThemeInput = {
      title: 'Cat care',
      description: 'Food and litter for the cat.',
      concepts: ['cat food', 'cat litter'],
      categories: ['cat food care'],
      keywords: ['cat food', 'cat litter', 'wet cat food'],
    };
    const verdict = await rubricJudge({ user, theme: cats }, ctx);
    expect(verdict.criteria.relevant_to_user.pass).toBe(false);
    expect(verdict.criteria.keywords_match_theme.pass).toBe(true); // relevance computed by the judge for plain-string keywords
    expect(verdict.confidence).toBeGreaterThan(0.7);
  });

  it('fails fit_for_grocery_page on a policy violation with full confidence, unless the policy allows it', async () => {
    const wine: JudgeThemeInput = { ...yogurt, title: 'Yogurt and wine brunch', concepts: [...yogurt.concepts, 'sparkling wine'] };
    const strict = await rubricJudge({ user, theme: wine }, ctx);
    expect(strict.criteria.fit_for_grocery_page).toEqual({ pass: false, reason: "policy: alcohol: 'wine'" });
    expect(strict.confidence).toBe(1);
    const allowing = makeTestCtx({ catalogue: fixtureCatalogue(), config: loadConfig({ env: {}, cwd: '/nonexistent', overrides: { phases: { filter: { policy: { allowAlcohol: true } } } } }) });
    expect((await rubricJudge({ user, theme: wine }, allowing)).criteria.fit_for_grocery_page.pass).toBe(true);
  });

  it('fails too few or irrelevant keywords', async () => {
    const few = await rubricJudge({ user, theme: { ...yogurt, keywords: keywords.slice(0, 1) } }, ctx);
    expect(few.criteria.keywords_match_theme).toMatchObject({ pass: false, reason: 'only 1 keyword(s) (at least 3)' });
    const weak = await rubricJudge({ user, theme: { ...yogurt, keywords: keywords.map((k) => ({ ...k, relevance: 0.2 })) } }, ctx);
    expect(weak.criteria.keywords_match_theme).toEqual({ pass: false, reason: 'mean keyword relevance 0.20 (cut-off 0.45)' });
  });

  it('is unsure near a cut-off: a shopper just under the category-share cut-off gets a low-confidence failure', async () => {
    // 4.5% of lines in the theme's categories, no matching products: just under the 5% cut-off.
    const borderline = fixtureUser({ categoryAffinity: { a120: 0.045 }, frequentProducts: [], recentProducts: [] });
    const verdict = await rubricJudge({ user: borderline, theme: { ...yogurt, categories: ['yogurt'], keywords: keywords.map((k) => ({ ...k, categoryIds: ['a120'] })) } }, ctx);
    expect(verdict.criteria.relevant_to_user.pass).toBe(false);
    expect(verdict.confidence).toBeLessThan(0.6);
  });
});
