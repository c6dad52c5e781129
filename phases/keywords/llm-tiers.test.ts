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

  it('collects agreement across teacher samples without letting it decide, and answers with the medoid', async () => {
    const c = llmConfig({ providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } }, roles: { student: { provider: 'local', model: unsure } }, phases: { keywords: { candidates: 25, llmTiers: { collect: ['agreement'], agreement: { samples: 3 } } } } });
    const ctx = await fixtureCtx({ config: c, models: registry(c) });
    const pick = (request: ChatCompletionRequest, from: number, confidence = 0.8) => reply.json({ keywords: candidatesIn(request).slice(from, from + 6).map((text) => ({ text, categories: [], departments: [] })), confidence });
    server.enqueue((r) => pick(r, 0), (r) => pick(r, 0), (r) => pick(r, 10));
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx);
    const [student, teacher] = artefact.provenance.steps![0].attempts;
    expect(server.requests).toHaveLength(3);
    expect(teacher.usage.calls).toBe(3);
    // Two identical picks and one disjoint: 1 and 0 to the medoid. The self-report (0.8) still decides.
    expect(teacher.signals).toMatchObject({ used: 'selfReported', selfReported: 0.8, agreement: 0.5, samples: 3 });
    expect(teacher.confidence).toBeCloseTo(0.8);
    expect(teacher.answerKey).toEqual([...candidatesIn(server.requests[0]).slice(0, 6)].sort());
    // The student's own picks are recorded too, so calibration can say whether the teacher agreed with it.
    expect(student.answerKey!.length).toBeGreaterThanOrEqual(5);
  });
});
