import { withConfig } from '../../testing/test-context.js';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { compileSchema } from '../../base/ajv.js';
import { keywordsSchema, type Keywords, type KeywordSelection } from './schema.js';
import { runKeywords } from './run.js';
import type { KeywordStepDetail } from './run.js';
import { readLabelledFile, runDistill, teacherLabelsFromArtefacts, writeLabelledFile } from './distill.js';
import { fakeRegistry, fixtureCtx, llmConfig, pastaTheme, themesArtefact, writeTestWeights, yogurtTheme, type RecordedCall } from '../../testing/keywords-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'hubgen-kw-run-'));
const confident = writeTestWeights(dir, { intercept: -1, categoryAny: 3, similarity: 2, cutoff: 0.5 });
// Every probability far below the cutoff: the student pads to minKeywords and reports ~0 confidence.
const unsure = writeTestWeights(dir, { intercept: -8, categoryAny: 0, similarity: 0, cutoff: 0.5 });

const offlineConfig = (weights: string, phases: Record<string, unknown> = {}) =>
  loadConfig({ env: {}, cwd: '/nonexistent', overrides: { roles: { student: { provider: 'local', model: weights } }, phases: { keywords: { candidates: 30, ...phases } } } });

const valid = (data: unknown) => {
  const validate = compileSchema(keywordsSchema);
  const ok = validate(data);
  return ok ? 'valid' : JSON.stringify(validate.errors);
};

describe('keywords run, offline (local student only)', () => {
  it('picks 5–12 corpus keywords per theme and stores a valid artefact; a re-run is a cache hit', async () => {
    const ctx = await fixtureCtx({ config: offlineConfig(confident) });
    const themes = themesArtefact([yogurtTheme, pastaTheme]);
    const first = await runKeywords({ themes }, ctx);
    expect(first.cached).toBe(false);
    const data = first.artefact.data;
    expect(valid(data)).toBe('valid');
    expect(data.themes.map((t) => t.themeId)).toEqual(['greek-yogurt-breakfast', 'pasta-night']);
    for (const t of data.themes) {
      expect(t.keywords.length).toBeGreaterThanOrEqual(5);
      expect(t.keywords.length).toBeLessThanOrEqual(12);
      expect(t.candidateCount).toBe(30);
      expect(t.role).toBe('student');
      expect(t.model).toBe(confident);
      for (const k of t.keywords) expect(ctx.corpus.byText.has(k.text)).toBe(true);
      expect(t.keywords.every((k) => k.inCorpus)).toBe(true);
    }
    const yogurt = data.themes[0].keywords;
    expect(yogurt.filter((k) => k.categoryIds.includes('a120') || k.categoryIds.includes('a57')).length).toBeGreaterThanOrEqual(3);
    expect(data.themes[1].keywords.some((k) => k.categoryIds.includes('a131') || k.categoryIds.includes('a9'))).toBe(true);

    const prov = first.artefact.provenance;
    expect(prov.role).toBe('student');
    expect(prov.usage.costUsd).toBe(0);
    expect(prov.steps?.map((s) => s.name)).toEqual(['theme:greek-yogurt-breakfast', 'theme:pasta-night']);
    // Confident enough to clear its threshold: no escalation, and no candidates kept for a local answer.
    expect(prov.steps?.[0].attempts.map((a) => [a.role, a.outcome])).toEqual([['student', 'accepted']]);
    expect(prov.steps?.[0].attempts[0].confidence).toBeGreaterThanOrEqual(0.55);
    expect((prov.steps?.[0].detail as KeywordStepDetail).llmView).toBeUndefined();

    const second = await runKeywords({ themes }, ctx);
    expect(second.cached).toBe(true);
    expect(second.artefact.hash).toBe(first.artefact.hash);
  });

  it('runs with the shipped v1 weights under the default config', async () => {
    const ctx = await fixtureCtx();
    expect(ctx.config.roles.student?.model).toBe('hubgen-student-v1');
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme, pastaTheme]) }, ctx);
    expect(valid(artefact.data)).toBe('valid');
    const [yogurt, pasta] = artefact.data.themes;
    expect(yogurt.model).toBe('hubgen-student-v1');
    // v1 was fitted on USE similarities; even with the test embedder its category and word features hold.
    const inTheme = (k: { categoryIds: string[] }, categories: string[]) => k.categoryIds.some((a) => categories.includes(a));
    expect(yogurt.keywords.filter((k) => inTheme(k, ['a120', 'a57'])).length / yogurt.keywords.length).toBeGreaterThan(0.6);
    expect(pasta.keywords.filter((k) => inTheme(k, ['a131', 'a9'])).length / pasta.keywords.length).toBeGreaterThan(0.6);
    expect(artefact.key.inputs.some((i) => i.startsWith('student-weights:'))).toBe(true);
  });

  it('accepts an unsure student when no teacher is configured, recording the skipped teacher', async () => {
    const ctx = await fixtureCtx({ config: offlineConfig(unsure) });
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx);
    const [student, teacher] = artefact.provenance.steps![0].attempts;
    expect(student).toMatchObject({ role: 'student', outcome: 'accepted' });
    expect(student.confidence).toBeLessThan(0.55);
    expect(student.reason).toMatch(/accepted as the last available tier/);
    expect(teacher).toMatchObject({ role: 'teacher', outcome: 'skipped' });
    expect(teacher.reason).toMatch(/OPENAI_API_KEY/);
    // Padded up to minKeywords even though no candidate cleared the cutoff.
    expect(artefact.data.themes[0].keywords).toHaveLength(5);
  });

  it('keys the artefact on its config slice, models, weights and inputs', async () => {
    const base = await fixtureCtx({ config: offlineConfig(confident) });
    const themes = themesArtefact([yogurtTheme]);
    const a = await runKeywords({ themes }, base);
    const otherConfig = await runKeywords({ themes }, withConfig(base, offlineConfig(confident, { maxKeywords: 6 })));
    const otherWeights = await runKeywords({ themes }, withConfig(base, offlineConfig(unsure)));
    const otherThemes = await runKeywords({ themes: themesArtefact([yogurtTheme], 'other-user') }, base);
    // Unrelated config (Phase 3's) does not change the key.
    const unrelated = await runKeywords({ themes }, { ...base, config: { ...base.config, phases: { ...base.config.phases, filter: { ...base.config.phases.filter, relevanceThreshold: 0.9 } } } });
    expect(new Set([a, otherConfig, otherWeights, otherThemes].map((r) => r.artefact.hash)).size).toBe(4);
    expect(otherConfig.artefact.data.themes[0].keywords.length).toBeLessThanOrEqual(6);
    expect(unrelated.cached).toBe(true);
  });

  it('rejects a config whose keyword bounds contradict each other', async () => {
    const ctx = await fixtureCtx({ config: offlineConfig(confident, { minKeywords: 9, maxKeywords: 6 }) });
    await expect(runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx)).rejects.toThrow(/minKeywords \(9\) is greater than maxKeywords \(6\)/);
  });

  it('names the weights file when the student weights cannot be read', async () => {
    const ctx = await fixtureCtx({ config: offlineConfig(join(dir, 'no-such-weights.json')) });
    await expect(runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx)).rejects.toThrow(/no-such-weights\.json: cannot read student weights/);
  });

  it('fails clearly when the keyword collection was never indexed', async () => {
    const ctx = await fixtureCtx({ config: offlineConfig(confident) });
    await ctx.vectors.dropCollection('hubgen_keywords');
    await expect(runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx)).rejects.toThrow(/collection "hubgen_keywords" does not exist; index the catalogue first/);
  });
});

/** The teacher picks the first two candidates, writes one keyword that retrieves products and one that does not. */
function teacherAnswer(messages: readonly { content: string }[]): KeywordSelection {
  const user = messages[1].content;
  const candidates = [...user.matchAll(/^\d+\. ([^|]+) \|/gm)].map((m) => m[1].trim());
  return {
    keywords: [
      ...candidates.slice(0, 4).map((text) => ({ text, categories: [], departments: [] })),
      { text: 'Icelandic Skyr Yogurt', categories: ['yogurt'], departments: [] },
      { text: 'moon rock dust', categories: [], departments: ['nowhere'] },
    ],
    confidence: 0.9,
  };
}

describe('keywords run with a teacher', () => {
  it('escalates to the teacher when the student is unsure, and records every attempt', async () => {
    const calls: RecordedCall[] = [];
    const config = llmConfig({ roles: { student: { provider: 'local', model: unsure } }, phases: { keywords: { candidates: 30 } } });
    const ctx = await fixtureCtx({ config, models: fakeRegistry(config, (_role, messages) => teacherAnswer(messages), calls) });
    const result = await runKeywords({ themes: themesArtefact([yogurtTheme, pastaTheme]) }, ctx);
    const { data, provenance } = result.artefact;
    expect(valid(data)).toBe('valid');

    expect(calls.map((c) => c.role)).toEqual(['teacher', 'teacher']);
    expect(calls[0].messages[0].content).toContain('You may write a new keyword');
    for (const step of provenance.steps ?? []) {
      const [student, teacher] = step.attempts;
      expect(student).toMatchObject({ role: 'student', outcome: 'escalated', accepted: false, threshold: 0.55 });
      expect(student.confidence).toBeLessThan(0.55);
      expect(teacher).toMatchObject({ role: 'teacher', outcome: 'accepted', accepted: true, model: 'gpt-4o' });
      const detail = step.detail as KeywordStepDetail;
      expect(detail.llmView?.candidates).toHaveLength(30);
    }
    expect(provenance.role).toBe('teacher');
    expect(provenance.usage.calls).toBe(2);
    expect(provenance.usage.costUsd).toBeCloseTo(0.002);

    const yogurt = data.themes.find((t) => t.themeId === 'greek-yogurt-breakfast')!;
    expect(yogurt.role).toBe('teacher');
    const skyr = yogurt.keywords.find((k) => k.text === 'icelandic skyr yogurt');
    expect(skyr).toMatchObject({ inCorpus: false, categoryIds: ['a120'] });
    expect(skyr!.retrievedProducts).toBeGreaterThan(0);
    expect(yogurt.keywords.filter((k) => k.inCorpus)).toHaveLength(4);
    expect(yogurt.keywords.some((k) => k.text === 'moon rock dust')).toBe(false);
    expect(data.droppedKeywords).toContainEqual({ themeId: 'greek-yogurt-breakfast', text: 'moon rock dust', reason: expect.stringMatching(/^retrieves no products/) });
    // A dropped keyword costs the teacher some confidence, and says why.
    expect(yogurt.confidence).toBeLessThan(0.9);
    expect(provenance.steps?.[0].attempts[1].notes?.join(' ')).toMatch(/1\/6 written keyword\(s\) retrieved no products/);

    // What the teacher chose becomes labelled rows for distillation.
    const rows = await teacherLabelsFromArtefacts(ctx.artefacts, ctx);
    expect(rows).toHaveLength(60);
    const chosen = rows.filter((r) => r.chosen);
    expect(chosen).toHaveLength(8);
    expect(chosen.every((r) => r.candidate.rank < 4)).toBe(true);
    expect(rows.filter((r) => r.theme.id === 'pasta-night' && r.chosen).map((r) => r.candidate.text)).toEqual(
      data.themes[1].keywords.filter((k) => k.inCorpus).map((k) => k.text),
    );

    // They are valid labelled rows: they round-trip through the JSONL format `hubgen distill` reads.
    const rowsPath = join(dir, 'teacher-rows.jsonl');
    await writeLabelledFile(rowsPath, rows);
    expect(await readLabelledFile(rowsPath)).toEqual(rows);

    // …and `hubgen distill` trains on them, comparing with the student that was escalated from.
    const report = await runDistill({ ctx, from: 'artefacts', holdoutShare: 0.5 });
    expect(report).toMatchObject({ n: 60, trainThemes: 1, heldOutThemes: 1, previousModel: unsure, written: undefined });
    expect(report.previousAccuracy).toBeDefined();
  });

  it('keeps the student’s answer when it is confident, without calling the teacher', async () => {
    const calls: RecordedCall[] = [];
    const config = llmConfig({ roles: { student: { provider: 'local', model: confident } }, phases: { keywords: { candidates: 30, cascade: [{ role: 'student', threshold: 0.2 }, { role: 'teacher', threshold: 0 }] } } });
    const ctx = await fixtureCtx({ config, models: fakeRegistry(config, (_r, m) => teacherAnswer(m), calls) });
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx);
    expect(calls).toHaveLength(0);
    expect(artefact.data.themes[0].role).toBe('student');
    expect(artefact.provenance.steps?.[0].attempts.map((a) => a.outcome)).toEqual(['accepted']);
  });

  it('runs an LLM student on the same candidates when the student role is bound to a chat model', async () => {
    const calls: RecordedCall[] = [];
    const config = llmConfig({ roles: { student: { provider: 'openai', model: 'gpt-4o-mini' } }, phases: { keywords: { candidates: 30 } } });
    const answer = (role: string, messages: readonly { content: string }[]): KeywordSelection => {
      const picked = teacherAnswer(messages).keywords.slice(0, 5);
      // The cheap model strays once: a keyword that is not a candidate is checked like a written one.
      return { keywords: role === 'student' ? [...picked, { text: 'zebra crossing lamp', categories: [], departments: [] }] : picked, confidence: 0.8 };
    };
    const ctx = await fixtureCtx({ config, models: fakeRegistry(config, answer, calls) });
    const { artefact } = await runKeywords({ themes: themesArtefact([yogurtTheme]) }, ctx);
    expect(artefact.key.models).toEqual({ student: `gpt-4o-mini@${config.providers.openai.baseURL}`, teacher: `gpt-4o@${config.providers.openai.baseURL}` });
    expect(calls.map((c) => c.role)).toEqual(['student']);
    expect(calls[0].messages[0].content).toContain('Choose keywords only from the candidate list');
    const theme = artefact.data.themes[0];
    expect(theme).toMatchObject({ role: 'student', model: 'gpt-4o-mini' });
    expect(theme.keywords.map((k) => k.text)).toContain('icelandic skyr yogurt');
    expect(artefact.data.droppedKeywords?.map((d) => d.text)).toEqual(['zebra crossing lamp']);
    expect(artefact.provenance.steps?.[0].attempts[0].notes?.join(' ')).toMatch(/not among the candidates despite the pick-only prompt/);
    // An LLM student's answer is kept with its candidates too (it can be compared with the teacher later).
    expect((artefact.provenance.steps?.[0].detail as KeywordStepDetail).llmView).toBeDefined();
    const data: Keywords = artefact.data;
    expect(valid(data)).toBe('valid');
  });

  it('escalates past a failing teacher-free student LLM and records the failure', async () => {
    const calls: RecordedCall[] = [];
    const config = llmConfig({ roles: { student: { provider: 'openai', model: 'gpt-4o-mini' } }, phases: { keywords: { candidates: 30 } } });
    const answer = (role: string, messages: readonly { content: string }[]): KeywordSelection => {
      if (role === 'student') throw new Error('structured output failed after 3 attempts');
      return teacherAnswer(messages);
    };
    const ctx = await fixtureCtx({ config, models: fakeRegistry(config, answer, calls) });
    const { artefact } = await runKeywords({ themes: themesArtefact([pastaTheme]) }, ctx);
    expect(calls.map((c) => c.role)).toEqual(['student', 'teacher']);
    expect(artefact.provenance.steps?.[0].attempts.map((a) => [a.role, a.outcome])).toEqual([
      ['student', 'failed'],
      ['teacher', 'accepted'],
    ]);
    expect(artefact.data.themes[0].role).toBe('teacher');
  });
});
