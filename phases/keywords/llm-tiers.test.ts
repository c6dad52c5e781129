import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createModelRegistry } from '../../llm/model-registry.js';
import type { HubgenConfig } from '../../config/config.js';
import { reply, promptTextOf, startScriptedServer, type ChatCompletionRequest, type ScriptedServer } from '../../llm/simulator/scripted-server.js';
import { runKeywords } from './run.js';
import { fixtureCtx, llmConfig, pastaTheme, themesArtefact, writeTestWeights, yogurtTheme } from '../../testing/keywords-fixture.js';

/** Candidate texts as the prompt lists them ("1. greek yogurt | phrase | ..."). */
const candidatesIn = (request: ChatCompletionRequest): string[] => [...promptTextOf(request).matchAll(/^\d+\. ([^|]+) \|/gm)].map((m) => m[1].trim());

describe('keyword tiers through the model registry and an OpenAI-compatible server', () => {
  let server: ScriptedServer;
  const dir = mkdtempSync(join(tmpdir(), 'hubgen-kw-llm-'));
  const unsure = writeTestWeights(dir, { intercept: -8, categoryAny: 0, similarity: 0 });

  beforeAll(async () => {
    server = await startScriptedServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  const config = (): HubgenConfig =>
    llmConfig({ providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } }, roles: { student: { provider: 'local', model: unsure } }, phases: { keywords: { candidates: 25 } } });
  const registry = (c: HubgenConfig) => createModelRegistry(c, { env: {}, logger: pino({ level: 'silent' }) });

  it('escalates an unsure student to the teacher, which answers with the keyword-selection schema', async () => {
    const c = config();
    const ctx = await fixtureCtx({ config: c, models: registry(c) });
    server.setResponder((request) => reply.json({ keywords: candidatesIn(request).slice(0, 6).map((text) => ({ text, categories: [], departments: [] })), confidence: 0.85 }));
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme, pastaTheme]) }, ctx);

    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(request.model).toBe('gpt-4o');
      expect(request.response_format?.type).toBe('json_schema');
      expect(request.response_format?.json_schema?.name).toBe('keyword_selection');
      expect(promptTextOf(request)).toContain('<catalogue-data>');
    }
    for (const step of artefact.provenance.steps!) {
      expect(step.attempts.map((a) => [a.role, a.outcome])).toEqual([
        ['student', 'escalated'],
        ['teacher', 'accepted'],
      ]);
      expect(step.attempts[1].usage.inputTokens).toBeGreaterThan(0);
    }
    expect(artefact.data.themes.map((t) => [t.role, t.keywords.length])).toEqual([
      ['teacher', 6],
      ['teacher', 6],
    ]);
    expect(artefact.data.themes[0].confidence).toBeCloseTo(0.85);
    expect(artefact.provenance.usage.calls).toBe(2);
    expect(artefact.provenance.usage.costUsd).toBeGreaterThan(0);
  });

  it('lowers the teacher’s confidence when its first answer needed a retry', async () => {
    const c = config();
    const ctx = await fixtureCtx({ config: c, models: registry(c) });
    // First answer breaks the schema (no confidence); the retry with the validator's errors is valid.
    server.enqueue(
      (request) => reply.json({ keywords: candidatesIn(request).slice(0, 5).map((text) => ({ text, categories: [], departments: [] })) }),
      (request) => reply.json({ keywords: candidatesIn(request).slice(0, 5).map((text) => ({ text, categories: [], departments: [] })), confidence: 0.9 }),
    );
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx);
    const teacher = artefact.provenance.steps![0].attempts[1];
    expect(server.requests).toHaveLength(2);
    expect(teacher.outcome).toBe('accepted');
    expect(teacher.confidence).toBeLessThan(0.9);
    expect(teacher.notes?.join(' ')).toMatch(/retr(y|ies) with validator errors/);
    expect(teacher.usage.calls).toBe(2);
  });

  it('falls back to the student’s answer when the teacher fails outright', async () => {
    const c = config();
    const ctx = await fixtureCtx({ config: c, models: registry(c) });
    server.setResponder(() => reply.serverError(500));
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx);
    const attempts = artefact.provenance.steps![0].attempts;
    expect(attempts.map((a) => [a.role, a.outcome])).toEqual([
      ['student', 'accepted'],
      ['teacher', 'failed'],
    ]);
    expect(attempts[0].reason).toMatch(/accepted as the best answer after later tiers failed/);
    expect(artefact.data.themes[0].role).toBe('student');
    expect(artefact.data.themes[0].keywords.length).toBeGreaterThanOrEqual(5);
  });
});
