/**
 * The batch path end to end: the real cascaded pipeline (example store, synthetic users, hashing
 * embedder), its LLM tiers sent through the real OpenAI SDK to the scripted server's Batch API.
 * Live calls are the server's `answered` list (batch lines never go through it); batch calls are
 * its upload/create counts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBatchRunner } from '../llm/batch/index.js';
import { costOf } from '../llm/cost.js';
import { reply, startScriptedServer, type ChatCompletionRequest, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import { pageFixture, type PageFixture, type PageFixtureOptions } from '../testing/queue-fixture.js';
import { runBatchRounds, type BatchRoundInfo } from './batch-rounds.js';
import { cascadedPipeline } from './cascaded.js';
import { runPages } from './run.js';
import { readManifest } from './manifest.js';

const logger = pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' });
const users = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);
const shopperOf = (body: ChatCompletionRequest): string | undefined => /Shopper (\S+):/.exec(body.messages.map((m) => String(m.content)).join('\n'))?.[1];
const isThemes = (body: ChatCompletionRequest) => body.response_format?.json_schema?.name === 'hubgen_themes';

let server: ScriptedServer;
const fixtures: PageFixture[] = [];
beforeAll(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
  server.reset();
});
afterAll(() => server.close());

const options = (more: Partial<PageFixtureOptions> = {}): PageFixtureOptions => ({ users: 6, llmBaseURL: server.baseURL, batch: { pollIntervalMs: 10 }, ...more });

async function batchRun(o: PageFixtureOptions, extra: { runId?: string; onRound?: (i: BatchRoundInfo) => void } = {}) {
  const f = await pageFixture(o, logger);
  fixtures.push(f);
  const runner = createBatchRunner(f.config, { logger, env: {} });
  const runsDir = join(f.config.workDir, 'runs');
  const result = await runBatchRounds({ ctx: f.ctx, contextFor: f.contextFor, users: users(o.users), pipeline: cascadedPipeline, runsDir, runner, concurrency: 3, ...extra });
  return { f, result, runsDir };
}

describe('a batch run whose batches complete', () => {
  it('answers every LLM tier through the Batch API in rounds, with no live call, billed at batch prices; pages as a live run makes them', async () => {
    const rounds: BatchRoundInfo[] = [];
    const { result, runsDir } = await batchRun(options(), { onRound: (i) => rounds.push(i) });
    expect(result.summary).toMatchObject({ ok: 6, failed: 0 });
    expect(result.manifest.status).toBe('complete');
    // Round 1: every user's themes request; round 2: the judge's, one per theme; then nothing is pending.
    expect(rounds.filter((r) => r.stage === 'answered').map((r) => r.round)).toEqual([1, 2]);
    expect(rounds.find((r) => r.round === 1 && r.stage === 'answered')?.requests).toBe(6);
    expect(server.batchCalls).toMatchObject({ uploads: 2, creates: 2 });
    expect(server.answered).toHaveLength(0);
    expect(result.batchedRequests).toBe(server.requests.length);

    // Every paid call at half list price (gpt-4o-mini has no own batch price).
    const themes = result.summary.phases.find((p) => p.phase === 'themes')!;
    const list = costOf({ inputTokens: themes.spent.inputTokens, cachedInputTokens: themes.spent.cachedInputTokens, outputTokens: themes.spent.outputTokens }, { input: 0.15, cachedInput: 0.075, output: 0.6 })!;
    expect(themes.spent.costUsd).toBeCloseTo(list / 2, 10);
    expect(themes.spent.calls).toBe(6);

    // The same users live: the same artefacts (keys) and the same tokens, at twice the price.
    server.reset();
    const f = await pageFixture(options({ answerCache: false }), logger);
    fixtures.push(f);
    const liveRunsDir = join(f.config.workDir, 'runs');
    const live = await runPages({ ctx: f.ctx, contextFor: f.contextFor, users: users(6), pipeline: cascadedPipeline, runsDir: liveRunsDir });
    const liveUsers = (await readManifest(liveRunsDir, live.manifest.runId))!.users;
    const batchUsers = (await readManifest(runsDir, result.manifest.runId))!.users;
    for (const u of users(6)) {
      for (const [phase, rec] of Object.entries(liveUsers[u].phases!)) expect(batchUsers[u].phases![phase].hash).toBe(rec.hash);
    }
    expect(live.summary.spent.inputTokens).toBe(result.summary.spent.inputTokens);
    expect(live.summary.spent.costUsd!).toBeCloseTo(result.summary.spent.costUsd! * 2, 10);
  }, 120_000);
});

describe('an expired batch', () => {
  it('calls the lines it never answered live in the next round, and every user finishes', async () => {
    server.enqueueBatch({ outcome: 'expired', answered: 2 });
    const { result } = await batchRun(options());
    expect(result.summary).toMatchObject({ ok: 6, failed: 0 });
    // Four themes requests went unanswered: they were made live, once each.
    const liveThemes = server.answered.filter(isThemes);
    expect(liveThemes).toHaveLength(4);
    expect(new Set(liveThemes.map(shopperOf)).size).toBe(4);
  }, 120_000);
});

describe('a partially failed batch', () => {
  it('error lines go live; an unusable answer escalates to the next tier, whose request goes in the next round', async () => {
    const seen = new Map<string, number>();
    server.setResponder((req) => {
      const key = `${req.model} ${shopperOf(req)} ${isThemes(req)}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (isThemes(req) && req.model === 'gpt-4o-mini' && shopperOf(req) === 's1' && n === 1) return reply.serverError(500); // an error line, once
      if (isThemes(req) && req.model === 'gpt-4o-mini' && shopperOf(req) === 's2') return reply.refusal('I cannot help with that.'); // unusable every time
      return reply.simulate();
    });
    const { result, runsDir } = await batchRun(options({ themesCascade: ['cheap', 'strong'], llmPhases: 'themes' }));
    expect(result.summary).toMatchObject({ ok: 6, failed: 0 });
    // s1's error line was retried live (and answered there); s2's refusal escalated to strong, through the batch.
    expect(server.answered.map(shopperOf)).toEqual(['s1']);
    const s2 = (await readManifest(runsDir, result.manifest.runId))!.users.s2.phases!.themes;
    expect(s2).toMatchObject({ model: 'gpt-4o', escalations: 1 });
    const strongLines = server.requests.filter((r) => r.model === 'gpt-4o');
    expect(strongLines.map(shopperOf)).toEqual(['s2']);
    expect(server.batchCalls.creates).toBe(2); // round 1: every cheap request; round 2: s2 on strong (s1 was answered live)
  }, 120_000);
});

describe('a process killed while a batch is in flight', () => {
  it('resumes polling the same batch after a restart, without uploading or creating it again', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'hubgen-batch-kill-'));
    const o = options({ users: 4, llmPhases: 'themes', artefacts: 'fs', workDir, batch: { pollIntervalMs: 20 } });
    server.enqueueBatch({ inProgressPolls: 60 });
    const runId = 'batch-kill-run';
    const child = spawn(process.execPath, ['--import', 'tsx', 'testing/batch-run-process.ts', JSON.stringify(o), runId, '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const said: string[] = [];
    lines.on('line', (l) => said.push(l));
    while ((server.batches[0]?.polls ?? 0) < 3) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1 });
    expect(server.batches[0].status).not.toBe('completed');
    expect(said.map((l) => (JSON.parse(l) as BatchRoundInfo).stage)).toEqual(['sending']);

    const rounds: BatchRoundInfo[] = [];
    const { result } = await batchRun(o, { runId, onRound: (i) => rounds.push(i) });
    expect(result.summary).toMatchObject({ ok: 4, failed: 0 });
    expect(rounds.filter((r) => r.stage === 'answered')).toEqual([expect.objectContaining({ round: 1, resumed: true })]);
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1 });
    expect(server.batches).toHaveLength(1);
    expect(server.answered).toHaveLength(0);
  }, 120_000);
});
