import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type HubgenConfig } from '../../config/config.js';
import { createModelRegistry } from '../../llm/model-registry.js';
import { compileSchema } from '../../base/ajv.js';
import { artefactHash } from '../../kit/artefacts/artefact.js';
import { MemoryArtefactStore } from '../../testing/memory-artefact-store.js';
import type { Ctx } from '../../kit/context.js';
import { reply, requestedSchema, startScriptedServer, type ScriptedServer } from '../../llm/simulator/scripted-server.js';
import { offlineModels } from '../../testing/test-context.js';
import { runThemes, themesSchema, type Themes } from './index.js';
import { COOK_ORDERS, THIN_ORDERS, sliceCtx, userFromOrders } from '../../testing/themes-fixture.js';

/** What a capable LLM might answer for the thin user: names in its own casing, one category that doesn't exist. */
const strongAnswer: Themes = {
  pageTitle: 'Snacks, fruit and fizz',
  themes: [
    { id: 'movie-night', kind: 'discovery', title: 'Movie night snacks', description: 'Chips and soda for a night in.', concepts: ['potato chips', 'cola'], categories: ['Chips Pretzels', 'Soft Drinks'], departments: ['Snacks', 'Beverages'], confidence: 0.9 },
    { id: 'fruit-bowl', kind: 'discovery', title: 'Fruit bowl', description: 'Bananas and more fresh fruit.', concepts: ['banana', 'strawberries'], categories: ['fresh fruits', 'Exotic Fruit Emporium'], departments: ['produce'], confidence: 0.85 },
    { id: 'sweet-treats', kind: 'discovery', title: 'Sweet treats', description: 'Cookies and chocolate to go with it.', concepts: ['chocolate chip cookies'], categories: ['cookies cakes', 'candy chocolate'], departments: ['snacks'], confidence: 0.8 },
    { id: 'sparkling', kind: 'discovery', title: 'Something sparkling', description: 'Sparkling water as a lighter fizz.', concepts: ['sparkling water'], categories: ['water seltzer sparkling water'], departments: ['beverages'], confidence: 0.75 },
  ],
};
/** A cheap model that is unsure of itself. */
const cheapAnswer: Themes = { ...strongAnswer, themes: strongAnswer.themes.map((t) => ({ ...t, confidence: 0.3 })) };

describe('Phase 1 run', () => {
  let server: ScriptedServer;
  let config: HubgenConfig;
  let base: Ctx;
  const thin = () => userFromOrders('3', THIN_ORDERS, base.catalogue);
  const cook = () => userFromOrders('1', COOK_ORDERS, base.catalogue);

  beforeAll(async () => {
    server = await startScriptedServer();
    // A keyless OpenAI-compatible server: cheap and strong become available through its base URL.
    config = loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } } } });
    base = await sliceCtx({ config, models: createModelRegistry(config, { env: {}, logger: pino({ level: 'silent' }) }) });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  /** A fresh artefact store per test, so nothing is a cache hit by accident. */
  const ctxWith = (over: Partial<Ctx> = {}): Ctx => ({ ...base, artefacts: new MemoryArtefactStore(), ...over });

  it('escalates past an unsure local tier and an unsure cheap tier, accepts the strong tier, and records every attempt', async () => {
    server.enqueue(reply.json(cheapAnswer), reply.json(strongAnswer));
    const { artefact, cached } = await runThemes({ user: thin() }, ctxWith());
    expect(cached).toBe(false);

    const { attempts } = artefact.provenance;
    expect(attempts.map((a) => [a.role, a.outcome])).toEqual([
      ['local', 'escalated'],
      ['cheap', 'escalated'],
      ['strong', 'accepted'],
    ]);
    expect(attempts[0].model).toBe('hubgen-local-v1');
    expect(attempts[0].confidence).toBeLessThan(0.6);
    expect(attempts[1].confidence).toBeLessThan(0.7);
    expect(attempts[2].confidence).toBeGreaterThan(0.7);
    expect(artefact.provenance).toMatchObject({ role: 'strong', model: 'gpt-4o' });
    expect(artefact.provenance.usage.calls).toBe(2);
    expect(artefact.provenance.usage.inputTokens).toBeGreaterThan(0);

    // Two LLM calls, cheapest first, each constrained by the themes schema and fed the delimited user context.
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect(requestedSchema(server.requests[1])).toBeDefined();
    const prompt = server.requests[1].messages.map((m) => m.content).join('\n');
    expect(prompt).toMatch(/<shopper>[\s\S]*Banana[\s\S]*<\/shopper>/);
    // The plan for a shopper with three products: no staples theme (too few to fill one), the page for discovery.
    expect(prompt).toMatch(/0 staples themes, then 8 discovery themes/);
    expect(JSON.stringify(requestedSchema(server.requests[1]))).toMatch(/"kind"/);

    // The accepted output is grounded in the catalogue: names mapped, the invented category dropped and noted.
    expect(compileSchema(themesSchema)(artefact.data)).toBe(true);
    expect(artefact.data.themes[0].categories).toEqual(['chips pretzels', 'soft drinks']);
    expect(artefact.data.themes[0].departments).toEqual(['snacks', 'beverages']);
    expect(artefact.data.themes[1].categories).toEqual(['fresh fruits']);
    expect(attempts[2].notes?.join('\n')).toMatch(/unknown category "Exotic Fruit Emporium" dropped/);
  });

  it('is a cache hit the second time, with no model calls', async () => {
    const ctx = ctxWith();
    server.enqueue(reply.json(strongAnswer), reply.json(strongAnswer));
    const first = await runThemes({ user: thin() }, ctx);
    const callsAfterFirst = server.requests.length;
    expect(callsAfterFirst).toBe(1); // the cheap tier was confident enough this time
    const second = await runThemes({ user: thin() }, ctx);
    expect(second.cached).toBe(true);
    expect(server.requests.length).toBe(callsAfterFirst);
    expect(second.artefact.hash).toBe(first.artefact.hash);
    expect(second.artefact.data).toEqual(first.artefact.data);
  });

  it('accepts the local tier for a regular shopper without calling any LLM', async () => {
    const { artefact } = await runThemes({ user: cook() }, ctxWith());
    expect(artefact.provenance.role).toBe('local');
    expect(artefact.provenance.attempts.map((a) => a.outcome)).toEqual(['accepted']);
    expect(server.requests).toHaveLength(0);
    expect(artefact.provenance.usage.costUsd).toBe(0);
  });

  it('with no LLM configured, accepts the unsure local answer as the last available tier', async () => {
    const offlineConfig = loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read' });
    const offline = ctxWith({ config: offlineConfig, models: offlineModels(offlineConfig) });
    const { artefact } = await runThemes({ user: thin() }, offline);
    expect(artefact.provenance.attempts.map((a) => [a.role, a.outcome])).toEqual([
      ['local', 'accepted'],
      ['cheap', 'skipped'],
      ['strong', 'skipped'],
    ]);
    expect(artefact.provenance.confidence).toBeLessThan(0.6);
    expect(server.requests).toHaveLength(0);
  });

  it('escalates when an LLM tier fails outright, and keeps the failed attempt', async () => {
    server.enqueue(reply.serverError(500), reply.json(strongAnswer));
    const { artefact } = await runThemes({ user: thin() }, ctxWith());
    expect(artefact.provenance.attempts.map((a) => a.outcome)).toEqual(['escalated', 'failed', 'accepted']);
    expect(artefact.provenance.role).toBe('strong');
  });

  describe('artefact key', () => {
    const withConfig = (over: object): Ctx => {
      const cfg = loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: over });
      return ctxWith({ config: cfg, models: offlineModels(cfg) });
    };
    const hashOf = (ctx: Ctx, user = thin()) => artefactHash(runThemes.key({ user }, ctx));

    it('changes with the themes config slice and what the plan reads, and nothing else', () => {
      const baseline = hashOf(withConfig({}));
      expect(hashOf(withConfig({ phases: { themes: { maxThemes: 6 } } }))).not.toBe(baseline);
      expect(hashOf(withConfig({ phases: { themes: { cascade: [{ role: 'local', threshold: 0.5 }, { role: 'strong' }] } } }))).not.toBe(baseline);
      expect(hashOf(withConfig({ phases: { themes: { plan: { staplesThemes: 4 } } } }))).not.toBe(baseline);
      // The plan sizes themes by assemble.productsPerTheme and keeps alcohol off when the policy does.
      expect(hashOf(withConfig({ phases: { assemble: { productsPerTheme: 3 } } }))).not.toBe(baseline);
      expect(hashOf(withConfig({ phases: { filter: { policy: { allowAlcohol: true } } } }))).not.toBe(baseline);
      expect(hashOf(withConfig({ phases: { keywords: { candidates: 50 }, filter: { relevanceThreshold: 0.5 }, assemble: { perKeyword: 3 } } }))).toBe(baseline);
      expect(hashOf(withConfig({ run: { concurrency: 7 }, embedding: { batchSize: 16 } }))).toBe(baseline);
    });

    it('changes with the user, the cascade\'s model ids, the corpus and the order statistics, not the embedder', () => {
      const ctx = withConfig({});
      const baseline = hashOf(ctx);
      expect(hashOf(ctx, cook())).not.toBe(baseline);
      expect(hashOf(withConfig({ roles: { cheap: { provider: 'openai', model: 'gpt-4.1-mini' } } }))).not.toBe(baseline);
      // A role outside this phase's cascade is not part of its key.
      expect(hashOf(withConfig({ roles: { judge: { provider: 'openai', model: 'gpt-4.1' } } }))).toBe(baseline);
      expect(hashOf({ ...ctx, corpus: { ...ctx.corpus, digest: 'other' } })).not.toBe(baseline);
      expect(hashOf({ ...ctx, stats: { ...ctx.stats, totalOrders: ctx.stats.totalOrders + 1 } })).not.toBe(baseline);
      // No tier embeds anything any more.
      expect(hashOf({ ...ctx, embedder: { ...ctx.embedder, id: 'use-lite-512' } })).toBe(baseline);
    });

    it('leaves the product text recipe out: the page plan reads order statistics, not product vectors', () => {
      expect(runThemes.key({ user: thin() }, withConfig({})).inputs.some((i) => i.startsWith('productText:'))).toBe(false);
    });
  });
});
