import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type HubgenConfig } from '../../config/config.js';
import { judgeVerdictSchema, type JudgeVerdict } from '../../phases/filter/schema.js';
import { keywordSelectionSchema } from '../../phases/keywords/schema.js';
import { seededRandom } from '../../base/random.js';
import { deferralScore, trainDeferral, type DeferralRow } from '../confidence/deferral.js';
import { SamplesFailedError } from '../errors/samples-failed-error.js';
import { createModelRegistry } from '../model-registry.js';
import { reply, startScriptedServer, type ScriptedServer } from '../simulator/scripted-server.js';
import { deferralSignalsOf } from '../confidence/signals.js';
import { checkDeferralWeights, decideConfidence, generateMeasured, signalPlan } from './index.js';

const logger = pino({ level: 'silent' });
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const config = (): HubgenConfig => loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0, timeoutMs: 5000 } } } } });
const models = () => createModelRegistry(config(), { env: {}, logger });
/** The plan a phase's `llmTiers` block resolves to, with the config's defaults filled in. */
const plan = (llmTiers: object) => signalPlan(loadConfig({ env: {}, cwd: '/nonexistent', overrides: { phases: { keywords: { llmTiers } } } }).phases.keywords.llmTiers);

const messages = [{ role: 'user', content: 'Pick keywords for a pasta-night theme.' }] as const;
const keywordRequest = { role: 'cheap', schema: keywordSelectionSchema, schemaName: 'keyword_selection', messages } as const;
type Picks = ReturnType<typeof picks>;
const picks = (texts: string[], confidence = 0.9) => ({ keywords: texts.map((text) => ({ text, categories: [], departments: [] })), confidence });
const keywordItems = (a: { keywords: { text: string }[] }) => a.keywords.map((k) => k.text);

describe('generateMeasured + decideConfidence: logprob', () => {
  it('asks for logprobs and makes an unsure reply unsure, where the self-report would have been 0.9', async () => {
    server.enqueue(reply.uncertain(picks(['basil pasta sauce', 'spaghetti', 'parmesan'])));
    const p = plan({ signal: 'logprob', logprob: { aggregate: 'min' } });
    const measured = await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: p });
    expect(server.requests[0]).toMatchObject({ logprobs: true });
    const decided = decideConfidence(measured, measured.result.object.confidence, p);
    expect(decided.signals).toMatchObject({ used: 'logprob', selfReported: 0.9, samples: 1, repaired: false, retries: 0, finishReason: 'stop', earlyAborts: 0 });
    // The scripted server draws an uncertain reply's value tokens from 0.05–0.45.
    expect(decided.value).toBeLessThan(0.45);
    expect(decided.value).toBe(decided.signals.logprob);
    expect(decided.notes.join(' ')).toMatch(/logprob 0\.\d+ over \d+ value tokens; least sure of/);
  });

  it('keeps the self-report as confidence by default, and records the logprob when collected', async () => {
    server.enqueue(reply.uncertain(picks(['spaghetti', 'parmesan'])), reply.uncertain(picks(['spaghetti', 'parmesan'])));
    const none = await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: signalPlan(undefined) });
    expect(server.requests[0].logprobs).toBeUndefined();
    expect(decideConfidence(none, 0.9, signalPlan(undefined))).toMatchObject({ value: 0.9, signals: { used: 'selfReported', selfReported: 0.9 } });
    const collected = plan({ collect: ['logprob'] });
    const d = decideConfidence(await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: collected }), 0.9, collected);
    expect(d.value).toBe(0.9);
    expect(d.signals.logprob).toBeLessThan(0.5);
  });

  it('falls back to the self-report, saying why, when the logprobs do not spell the reply', () => {
    const p = plan({ signal: 'logprob' });
    const fake = { result: { object: {}, model: 'm', usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1, costUsd: 0, calls: 1 }, finishReason: 'stop' as const, attempts: [], repaired: false, latencyMs: 1, warnings: [] }, answerOutputTokens: 1, missing: ['logprob: the server sent no logprobs'], earlyAborts: 0 };
    const d = decideConfidence(fake, 0.8, p);
    expect(d).toMatchObject({ value: 0.8, signals: { used: 'selfReported', missing: ['logprob: the server sent no logprobs'] } });
    expect(d.notes[0]).toBe('logprob unavailable (logprob: the server sent no logprobs); used the self-reported confidence');
  });
});

describe('generateMeasured: agreement', () => {
  it('makes n calls and uses the medoid; agreement is the mean Jaccard of the others to it', async () => {
    server.enqueue(reply.json(picks(['spaghetti', 'basil', 'parmesan'])), reply.json(picks(['spaghetti', 'basil', 'ricotta'])), reply.json(picks(['spaghetti', 'basil', 'parmesan'])));
    const p = plan({ signal: 'agreement' });
    const measured = await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: p, agreement: { kind: 'set', items: keywordItems } });
    expect(server.requests).toHaveLength(3);
    expect(keywordItems(measured.result.object)).toEqual(['spaghetti', 'basil', 'parmesan']);
    // Medoid {spaghetti, basil, parmesan}: the other copy at 1, {…, ricotta} at 2/4.
    expect(measured.agreement).toEqual({ share: (1 + 0.5) / 2, samples: 3, failed: 0 });
    expect(measured.result.usage.calls).toBe(3);
    expect(decideConfidence(measured, 0.9, p)).toMatchObject({ value: 0.75, signals: { used: 'agreement', agreement: 0.75, samples: 3 } });
  });

  it('takes the majority verdict, and counts a failed sample as disagreeing while still charging it', async () => {
    const verdict = (pass: boolean): JudgeVerdict => ({ criteria: { relevant_to_user: { pass, reason: 'r' }, coherent_title: { pass: true, reason: 'r' }, keywords_match_theme: { pass: true, reason: 'r' }, fit_for_grocery_page: { pass: true, reason: 'r' } }, confidence: 0.9 });
    server.enqueue(reply.json(verdict(true)), reply.json(verdict(false)), reply.json(verdict(true)), reply.serverError(500));
    const p = plan({ signal: 'agreement', agreement: { samples: 4 } });
    const request = { role: 'cheap', schema: judgeVerdictSchema, schemaName: 'judge_verdict', messages } as const;
    const keep = (v: JudgeVerdict) => [Object.values(v.criteria).every((c) => c.pass) ? 'keep' : 'drop'];
    const measured = await generateMeasured<JudgeVerdict>({ models: models(), request, plan: p, agreement: { kind: 'majority', items: keep } });
    expect(keep(measured.result.object)).toEqual(['keep']);
    // 2 of the 3 answers keep; the fourth call failed, so 2 of 4 agree.
    expect(measured.agreement).toEqual({ share: 0.5, samples: 4, failed: 1 });
    expect(measured.result.usage.calls).toBe(4);
  });

  it('throws one error carrying every sample\'s usage when all of them fail', async () => {
    server.enqueue(reply.text('not json'), reply.text('not json'), reply.text('still not'), reply.text('nope'));
    const p = plan({ signal: 'agreement', agreement: { samples: 2 } });
    const e = await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: p, agreement: { kind: 'set', items: keywordItems } }).catch((x: unknown) => x);
    expect(SamplesFailedError.isInstance(e)).toBe(true);
    expect((e as SamplesFailedError).message).toMatch(/all 2 samples failed; first: gpt-4o-mini: output was not JSON/);
    // Two samples, each a call and its retry with the parse error.
    expect((e as SamplesFailedError).usage.calls).toBe(4);
  });
});

describe('generateMeasured: early abort', () => {
  it('streams, stops a reply that goes invalid, retries, and counts the stop and the tokens it saved', async () => {
    const long = picks(Array.from({ length: 12 }, (_, i) => `keyword number ${i} for pasta night`));
    server.enqueue(reply.goesInvalid(long, { after: 0.2 }), reply.json(long));
    const p = plan({ earlyAbort: { enabled: true, expectedOutputTokens: 400 } });
    const measured = await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: p });
    expect(server.requests[0]).toMatchObject({ stream: true });
    expect(server.streams[0].closedEarly || server.streams[0].sentTokens < server.streams[0].plannedTokens).toBe(true);
    expect(measured.earlyAborts).toBe(1);
    expect(measured.result.usage.savedOutputTokens).toBeGreaterThan(0);
    const d = decideConfidence(measured, 0.9, p);
    expect(d.signals).toMatchObject({ earlyAborts: 1, retries: 1 });
    expect(d.notes.join(' ')).toMatch(/1 streamed reply stopped early, about \d+ output tokens not generated/);
  });
});

describe('signalPlan: deferral', () => {
  it('loads the weights file and scores the measured signals with it', async () => {
    const random = seededRandom(7);
    const rows: DeferralRow[] = Array.from({ length: 200 }, () => {
      const logprob = random();
      return { signals: { logprob, selfReported: 0.9, outputTokens: 50, repaired: false, retries: 0, finishReason: 'stop' }, accepted: logprob > 0.5 };
    });
    const dir = mkdtempSync(join(tmpdir(), 'hubgen-deferral-'));
    const weights = join(dir, 'deferral.json');
    const model = trainDeferral(rows);
    writeFileSync(weights, JSON.stringify(model));
    const p = plan({ signal: 'deferral', deferral: { weights } });
    expect(p.logprobs).toBeDefined();
    server.enqueue(reply.uncertain(picks(['spaghetti'])));
    const measured = await generateMeasured<Picks>({ models: models(), request: keywordRequest, plan: p });
    const d = decideConfidence(measured, 0.9, p);
    expect(d.signals.used).toBe('deferral');
    expect(d.value).toBeCloseTo(deferralScore(model, deferralSignalsOf(d.signals)), 3);
    // An unsure reply: the model learned that low logprobs are not accepted.
    expect(d.value).toBeLessThan(0.5);
    expect(() => plan({ signal: 'deferral', deferral: { weights: join(dir, 'missing.json') } })).toThrow(/deferral weights .*missing\.json: cannot read \(ENOENT\); train them with: hubgen calibrate/);
    // At start, every weights file the config names is read, and a bad one named by its config path.
    const withWeights = (w: string) => loadConfig({ env: {}, cwd: '/nonexistent', overrides: { phases: { filter: { llmTiers: { signal: 'deferral', deferral: { weights: w } } } } } });
    expect(() => checkDeferralWeights(withWeights(weights))).not.toThrow();
    writeFileSync(join(dir, 'stale.json'), JSON.stringify({ ...model, version: 'hubgen.deferral.v0' }));
    expect(() => checkDeferralWeights(withWeights(join(dir, 'stale.json')))).toThrow(/^\/phases\/filter\/llmTiers\/deferral\/weights: deferral weights .*stale\.json is not a usable deferral model \(version "hubgen.deferral.v0", this code reads hubgen.deferral.v1: retrain\)/);
  });
});
