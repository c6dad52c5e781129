import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createModelRegistry } from '../llm/model-registry.js';
import { reply, startScriptedServer, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import { judgeTheme } from '../phases/filter/index.js';
import type { JudgeVerdict } from '../phases/filter/schema.js';
import { fixtureCatalogue, fixtureUser } from '../testing/filter-fixture.js';
import { makeTestCtx } from '../testing/test-context.js';
import { formatAttempts } from './page-report.js';

/** What `hubgen show` prints for a cascade: each tier's signals and what early abort saved, from a real judge cascade. */
describe('formatAttempts', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer();
  });
  afterAll(() => server.close());

  const verdict: JudgeVerdict = {
    criteria: {
      relevant_to_user: { pass: true, reason: 'buys yogurt every week, as the history shows week after week' },
      coherent_title: { pass: true, reason: 'a clear title that says what the theme is about' },
      keywords_match_theme: { pass: true, reason: 'the keywords are yogurt and its toppings, nothing else' },
      fit_for_grocery_page: { pass: true, reason: 'grocery items a shopper would buy' },
    },
    confidence: 0.9,
  };
  const theme = { title: 'Greek yogurt breakfast', description: 'Creamy greek yogurt.', concepts: ['greek yogurt'], categories: ['yogurt'], keywords: [{ text: 'greek yogurt', relevance: 0.9, categoryIds: ['a120'] }] };
  const ctx = (llmTiers: object) => {
    const config = loadConfig({
      env: {},
      cwd: '/nonexistent',
      overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } }, phases: { filter: { judgeCascade: [{ role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }], llmTiers } } },
    });
    return makeTestCtx({ config, models: createModelRegistry(config, { env: {}, logger: pino({ level: 'silent' }) }), catalogue: fixtureCatalogue() });
  };

  it('shows the signals each LLM tier measured, starring the one that decided, and the tokens early abort saved', async () => {
    server.enqueue(reply.goesInvalid(verdict, { after: 0.3 }), reply.json(verdict));
    const outcome = await judgeTheme({ user: fixtureUser(), theme }, ctx({ collect: ['logprob'], earlyAbort: { enabled: true, expectedOutputTokens: 300 } }));
    const line = formatAttempts(outcome.attempts);
    const saved = outcome.attempts[0].usage.savedOutputTokens!;
    expect(saved).toBeGreaterThan(0);
    expect(line).toMatch(/^cheap\[gpt-4o-mini\] ✓ 0\.\d+ \{\*self 0\.90 · logprob 0\.\d\d · 1 early abort\} \d+\/\d+tok \$0\.\d{5} \(early abort saved ~\d+ tok\)$/);
    expect(line).toContain(`(early abort saved ~${saved} tok)`);
  });

  it('shows a tier that failed because every streamed reply broke, with what stopping them saved', async () => {
    server.enqueue(reply.goesInvalid(verdict, { after: 0.2 }), reply.goesInvalid(verdict, { after: 0.4 }), reply.json(verdict));
    const outcome = await judgeTheme({ user: fixtureUser(), theme }, ctx({ earlyAbort: { enabled: true, expectedOutputTokens: 300 } }));
    expect(formatAttempts(outcome.attempts)).toMatch(/^cheap ✗ \d+\/\d+tok \$[\d.]+ \(early abort saved ~\d+ tok\) \(failed: .*reply stopped early.*\) → strong\[gpt-4o\] ✓ 0\.90 \{\*self 0\.90\}/);
  });
});
