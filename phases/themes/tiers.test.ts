import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createModelRegistry } from '../../llm/model-registry.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { Ctx } from '../../kit/context.js';
import { reply, startScriptedServer, type ScriptedServer } from '../../llm/simulator/scripted-server.js';
import { llmConfidence, promptCatalogue, promptPlan, themeTiers } from './tiers.js';
import { planPage } from './plan.js';
import { runThemes } from './run.js';
import { postProcessThemes, type PostProcessed } from './postprocess.js';
import { COOK_ORDERS, sliceCatalogue, sliceCtx, userFromOrders } from '../../testing/themes-fixture.js';
import type { Theme, Themes } from './schema.js';
import type { StructuredAttempt } from '../../llm/types.js';

const theme = (id: string, confidence: number, categories: string[] = ['fresh fruits']): Theme => ({
  id,
  kind: 'discovery',
  title: `Theme ${id}`,
  description: 'A theme for this shopper.',
  concepts: ['banana'],
  categories,
  departments: ['produce'],
  confidence,
});
const themes = (...confidences: number[]): Themes => ({ pageTitle: 'Hub', themes: confidences.map((c, i) => theme(`t${i}`, c)) });
const ok: StructuredAttempt = { ok: true, repaired: false, usage: ZERO_USAGE, latencyMs: 1 };
const catalogue = sliceCatalogue();
const processed = (t: Themes) => postProcessThemes(t, catalogue, { minThemes: 4, maxThemes: 8 });

describe('llmConfidence', () => {
  it('is the mean self-assessed confidence of the themes that fill the page', () => {
    // Only the first minThemes count: a weak fifth theme does not drag a good page down.
    const { confidence } = llmConfidence({ attempts: [ok], repaired: false }, processed(themes(0.9, 0.8, 0.7, 0.6, 0.1)), 4);
    expect(confidence).toBeCloseTo(0.75);
  });

  it('is discounted for invalid answers before a valid one, for repairs, and for unknown names', () => {
    const page = processed(themes(0.8, 0.8, 0.8, 0.8));
    const clean = llmConfidence({ attempts: [ok], repaired: false }, page, 4).confidence;
    const retried = llmConfidence({ attempts: [{ ...ok, ok: false, failure: 'schema' }, ok], repaired: false }, page, 4);
    const repaired = llmConfidence({ attempts: [{ ...ok, repaired: true }], repaired: true }, page, 4);
    const invented = llmConfidence({ attempts: [ok], repaired: false }, processed({ ...themes(0.8, 0.8, 0.8, 0.8), themes: [theme('x', 0.8, ['Moon Rocks']), ...themes(0.8, 0.8, 0.8).themes] }), 4);
    expect(retried.confidence).toBeLessThan(clean);
    expect(retried.notes.join(' ')).toMatch(/1 failed attempt/);
    expect(repaired.confidence).toBeLessThan(clean);
    expect(invented.confidence).toBeLessThan(clean);
    expect(invented.notes.join(' ')).toMatch(/1 unknown catalogue name/);
  });

  it('ignores transport retries and penalises falling short of minThemes', () => {
    const page = processed(themes(0.8, 0.8, 0.8, 0.8));
    const clean = llmConfidence({ attempts: [ok], repaired: false }, page, 4).confidence;
    expect(llmConfidence({ attempts: [{ ...ok, ok: false, failure: 'http' }, ok], repaired: false }, page, 4).confidence).toBe(clean);
    expect(llmConfidence({ attempts: [ok], repaired: false }, processed(themes(0.8, 0.8)), 4).confidence).toBeCloseTo(0.4);
  });
});

describe('llmConfidence against the plan', () => {
  const processed = (kinds: ('staples' | 'discovery')[]): PostProcessed => ({ themes: { pageTitle: 'Hub', themes: kinds.map((kind, i) => ({ ...theme(`t${i}`, 0.9), kind })) }, warnings: [], droppedNames: 0 });
  const result = { attempts: [ok], repaired: false };

  it('is not discounted for an answer that follows the plan', () => {
    expect(llmConfidence(result, processed(['staples', 'staples', 'discovery', 'discovery']), 4, undefined, { staplesThemes: 2, discoveryThemes: 2 }).confidence).toBeCloseTo(0.9);
  });

  it('loses 0.1 per staples theme off the plan, and 0.1 for no discovery at all, noting it', () => {
    const short = llmConfidence(result, processed(['staples', 'discovery', 'discovery', 'discovery']), 4, undefined, { staplesThemes: 3, discoveryThemes: 1 });
    expect(short.confidence).toBeCloseTo(0.9 * 0.8);
    expect(short.notes.join(' ')).toMatch(/off the plan: 1 staples and 3 discovery themes for a plan of 3 and 1/);
    expect(llmConfidence(result, processed(['staples', 'staples', 'staples', 'staples']), 4, undefined, { staplesThemes: 4, discoveryThemes: 1 }).confidence).toBeCloseTo(0.9 * 0.9);
  });
});

describe('promptPlan', () => {
  it('lists every staple by category, naming the first 36 and counting the rest, and a few likely new products per category', () => {
    const staples = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, name: `Staple ${i}`, categoryId: i < 30 ? 'a24' : 'a120', departmentId: 'd', score: 1 - i / 100 }));
    const discovery = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, name: `New ${i}`, categoryId: 'a16', departmentId: 'd', score: 0.1 }));
    const out = promptPlan({ staplesThemes: 4, discoveryThemes: 1, productsPerTheme: 12, staples, discovery }, { catalogue: sliceCatalogue() });
    expect(out.staplesThemes).toBe(4);
    expect(out.staples[0]).toEqual({ category: 'fresh fruits', products: staples.slice(0, 30).map((s) => s.name) });
    expect(out.staples[1]).toEqual({ category: 'yogurt', products: [...staples.slice(30, 36).map((s) => s.name), '4 more'] });
    expect(out.discovery).toEqual([{ category: 'fresh herbs', products: ['New 0', 'New 1', 'New 2'] }]);
  });
});

describe('promptCatalogue', () => {
  it('offers every real department, the user\'s top categories, and unbought categories of their departments', () => {
    const user = userFromOrders('1', COOK_ORDERS, catalogue);
    const { departments, topCategories, adjacentCategories } = promptCatalogue(user, { catalogue });
    expect(departments).toContain('produce');
    expect(departments).not.toContain('missing');
    expect(topCategories).toEqual(user.topCategories.map((a) => a.name).slice(0, 10));
    expect(adjacentCategories).toContain('fresh pasta');
    expect(adjacentCategories).not.toContain('chips pretzels');
    for (const a of topCategories) expect(adjacentCategories).not.toContain(a);
  });
});

describe('LLM tier through the model registry', () => {
  let server: ScriptedServer;
  let ctx: Ctx;
  beforeAll(async () => {
    server = await startScriptedServer();
    const config = loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } } } });
    ctx = await sliceCtx({ config, models: createModelRegistry(config, { env: {}, logger: pino({ level: 'silent' }) }) });
  });
  afterAll(() => server.close());

  it('trusts an answer that needed a retry with the validator\'s errors less than a clean one', async () => {
    const user = userFromOrders('1', COOK_ORDERS, ctx.catalogue);
    const plan = planPage(user, ctx);
    // An answer that follows the plan: its staples themes, then its discovery themes.
    const answer = themes(...Array(plan.staplesThemes + plan.discoveryThemes).fill(0.9));
    answer.themes.forEach((t, i) => (t.kind = i < plan.staplesThemes ? 'staples' : 'discovery'));
    const strong = themeTiers(ctx).strong!;
    server.enqueue(reply.json(answer));
    const clean = await strong({ user });
    server.enqueue(reply.json({ pageTitle: 'Hub' }), reply.json(answer));
    const retried = await strong({ user });
    expect(clean.confidence).toBeCloseTo(0.9);
    expect(retried.confidence).toBeLessThan(clean.confidence);
    expect(retried.output).toEqual(clean.output);
    expect(retried.usage.calls).toBe(2);
    expect(retried.model).toBe('gpt-4o');
  });

  describe('confidence signal from phases.themes.llmTiers', () => {
    // Themes whose names are the slice catalogue's own, each claiming 0.9, following this user's
    // plan (two staples themes, then discovery), so only the signal decides the confidence.
    const kinds = ['staples', 'staples', 'discovery', 'discovery'] as const;
    const sure = { pageTitle: 'Hub', themes: [theme('a', 0.9, ['fresh fruits']), theme('b', 0.9, ['yogurt']), theme('c', 0.9, ['fresh pasta']), theme('d', 0.9, ['milk'])].map((t, i) => ({ ...t, kind: kinds[i] })) };
    const withTiers = async (llmTiers?: object) => {
      const config = loadConfig({
        env: {},
        cwd: '/nonexistent-so-no-config-file-is-read',
        overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } }, phases: { themes: { cascade: [{ role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }], ...(llmTiers ? { llmTiers } : {}) } } },
      });
      return sliceCtx({ config, models: createModelRegistry(config, { env: {}, logger: pino({ level: 'silent' }) }) });
    };

    it('escalates an unsure reply under logprob that the self-report would have accepted', async () => {
      const user = userFromOrders('1', COOK_ORDERS, catalogue);
      server.reset();
      server.enqueue(reply.uncertain(sure));
      const selfCtx = await withTiers();
      expect(planPage(user, selfCtx).staplesThemes).toBe(2);
      const bySelf = await runThemes({ user }, selfCtx);
      expect(bySelf.artefact.provenance.attempts.map((a) => [a.role, a.outcome])).toEqual([['cheap', 'accepted']]);
      expect(bySelf.artefact.provenance.attempts[0].signals).toMatchObject({ used: 'selfReported', selfReported: 0.9 });

      server.reset();
      server.enqueue(reply.uncertain(sure), reply.json(sure));
      const byLogprob = await runThemes({ user }, await withTiers({ signal: 'logprob', logprob: { aggregate: 'min' } }));
      const [cheap, strong] = byLogprob.artefact.provenance.attempts;
      expect([cheap.outcome, strong.outcome]).toEqual(['escalated', 'accepted']);
      expect(server.requests[0]).toMatchObject({ logprobs: true, model: 'gpt-4o-mini' });
      // Both signals are recorded; the logprob one decided, and the self-report is still 0.9.
      expect(cheap.signals).toMatchObject({ used: 'logprob', selfReported: 0.9 });
      expect(cheap.signals!.logprob!).toBeLessThan(0.45);
      expect(cheap.confidence).toBeCloseTo(cheap.signals!.logprob!, 3);
      expect(strong.signals!.logprob!).toBeGreaterThan(0.55);
      // The answer keys let calibration say whether the stronger tier agreed.
      expect(cheap.answerKey).toEqual(['fresh fruits', 'fresh pasta', 'milk', 'yogurt']);
      expect(strong.answerKey).toEqual(cheap.answerKey);
    });

    it('answers with the medoid of n samples and records their agreement', async () => {
      const user = userFromOrders('1', COOK_ORDERS, catalogue);
      const other = { pageTitle: 'Hub', themes: [theme('x', 0.9, ['chips pretzels']), theme('y', 0.9, ['soft drinks']), theme('z', 0.9, ['candy chocolate']), theme('w', 0.9, ['cookies cakes'])] };
      server.reset();
      server.enqueue(reply.json(sure), reply.json(other), reply.json(sure), reply.json(sure));
      const { artefact } = await runThemes({ user }, await withTiers({ signal: 'agreement' }));
      const [cheap, strong] = artefact.provenance.attempts;
      // Two of three samples name the same categories, one shares none: 1 and 0 to the medoid → 0.5.
      expect(cheap.signals).toMatchObject({ used: 'agreement', agreement: 0.5, samples: 3 });
      expect(cheap.usage.calls).toBe(3);
      expect(cheap.outcome).toBe('escalated');
      expect(strong.outcome).toBe('accepted');
    });
  });
});
