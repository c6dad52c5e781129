import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestCtx } from '../testing/test-context.js';
import { runPages, type PagePipeline } from './run.js';
import { appendFile, readFile } from 'node:fs/promises';
import { journalPath, manifestPath, readManifest, writeManifest, type RunManifest, type UserRecord } from './manifest.js';
import { RunRecorder } from './run-recorder.js';
import { summariseRun } from './summary.js';
import { cachedArtefact } from '../kit/artefacts/cache.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { Ctx } from '../kit/context.js';

const user = (userId: string) => ({ userId }) as unknown as UserContext;

/** A two-phase pipeline whose phases cost money when computed, and fail for chosen users. */
function fakePipeline(failFor: Set<string>, calls: { n: number }): PagePipeline {
  const phase = (name: string, u: UserContext, ctx: Ctx, escalate: boolean) =>
    cachedArtefact(ctx, { phase: name, phaseVersion: '1', config: {}, models: {}, promptVersion: 'v', inputs: [String(u.userId)] }, async () => {
      calls.n++;
      const attempts = [
        ...(escalate ? [{ role: 'local' as const, model: 'l', threshold: 0.6, confidence: 0.2, accepted: false, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 }, latencyMs: 1, reason: 'low', outcome: 'escalated' as const }] : []),
        { role: 'cheap' as const, model: 'c', threshold: 0.7, confidence: 0.9, accepted: true, usage: { inputTokens: 100, cachedInputTokens: 0, outputTokens: 20, costUsd: 0.01, calls: 1 }, latencyMs: 10, reason: 'ok', outcome: 'accepted' as const },
      ];
      return { data: { user: u.userId }, provenance: { attempts, usage: attempts.at(-1)!.usage, latencyMs: 10, role: 'cheap', model: 'c', confidence: 0.9 } };
    });
  return {
    name: 'fake',
    async run(u, ctx) {
      if (failFor.has(u.userId)) throw new Error(`themes: model refused for user ${u.userId}`);
      return { themes: await phase('themes', u, ctx, Number(u.userId) % 2 === 0), page: await phase('page', u, ctx, false) };
    },
  };
}

describe('runPages', () => {
  it('records a failing user with its reason and completes the others', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const { manifest, summary } = await runPages({ ctx: makeTestCtx(), contextFor: user, users: ['1', '2', '3'], pipeline: fakePipeline(new Set(['2']), { n: 0 }), runsDir, concurrency: 2 });
    expect(manifest.status).toBe('complete');
    expect(summary.ok).toBe(2);
    expect(summary.failures).toEqual([{ userId: '2', error: 'themes: model refused for user 2' }]);
    const onDisk = await readManifest(runsDir, manifest.runId);
    expect(Object.keys(onDisk!.users).sort()).toEqual(['1', '2', '3']);
  });

  it('summarises escalation, spend and cache hits per phase; a re-run is all cache hits and spends nothing', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const ctx = makeTestCtx();
    const calls = { n: 0 };
    const first = await runPages({ ctx, contextFor: user, users: ['1', '2', '3', '4'], pipeline: fakePipeline(new Set(), calls), runsDir });
    const themes = first.summary.phases.find((p) => p.phase === 'themes')!;
    expect(themes.escalationRate).toBe(0.5);
    expect(themes.spent.costUsd).toBeCloseTo(0.04);
    expect(first.summary.spent.costUsd).toBeCloseTo(0.08);
    expect(calls.n).toBe(8);
    // The manifest keeps the per-phase rates the drift alarm compares.
    expect((await readManifest(runsDir, first.manifest.runId))!.rates).toEqual({
      themes: { cascades: 4, escalationRate: 0.5, belowThresholdRate: 0 },
      page: { cascades: 4, escalationRate: 0, belowThresholdRate: 0 },
    });

    const second = await runPages({ ctx, contextFor: user, users: ['1', '2', '3', '4'], pipeline: fakePipeline(new Set(), calls), runsDir });
    expect(calls.n).toBe(8);
    expect(second.summary.phases.every((p) => p.cacheHits === p.pages)).toBe(true);
    expect(second.summary.spent.costUsd).toBe(0);
    expect(second.summary.phases.find((p) => p.phase === 'themes')!.pageCost.costUsd).toBeCloseTo(0.04);
  });

  it('resumes a run by id, skipping users already done', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const ctx = makeTestCtx();
    const failing = new Set(['3']);
    const first = await runPages({ ctx, contextFor: user, users: ['1', '2', '3'], pipeline: fakePipeline(failing, { n: 0 }), runsDir });
    failing.clear();
    const seen: string[] = [];
    const resumed = await runPages({ ctx, contextFor: user, users: ['1', '2', '3'], pipeline: fakePipeline(failing, { n: 0 }), runsDir, runId: first.manifest.runId, onUserDone: (r) => seen.push(r.userId) });
    expect(seen).toEqual(['3']);
    expect(resumed.summary.ok).toBe(3);
    expect(resumed.manifest.runId).toBe(first.manifest.runId);
  });

  it('stops starting users once the budget is spent', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const { manifest, summary } = await runPages({ ctx: makeTestCtx(), contextFor: user, users: ['1', '2', '3', '4', '5'], pipeline: fakePipeline(new Set(), { n: 0 }), runsDir, concurrency: 1, budgetUsd: 0.03 });
    expect(manifest.status).toBe('stopped-budget');
    expect(summary.users).toBe(2);
  });
});

describe('runPages with a budget and users in flight', () => {
  it('holds each model call\'s worst case before it starts, so 8 users at once never spend past the budget', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const ctx = makeTestCtx();
    let open = 0;
    let peak = 0;
    let spent = 0;
    // Each call costs what it reports, about a quarter of its worst case (1,024 output tokens at gpt-4o-mini's price, twice);
    // 16 users at that cost would spend $0.0064, past the budget, if they all just started.
    const models = {
      ...ctx.models,
      modelId: () => 'gpt-4o-mini',
      generateStructured: async () => {
        peak = Math.max(peak, ++open);
        await new Promise((r) => setTimeout(r, 20));
        open--;
        spent += 0.0004;
        return { object: {}, usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 600, costUsd: 0.0004, calls: 1 }, attempts: [] };
      },
    } as unknown as Ctx['models'];
    const callingPipeline: PagePipeline = {
      name: 'calls',
      async run(u, c) {
        await c.models.generateStructured({ role: 'cheap', schema: { type: 'object' }, schemaName: 's', messages: [{ role: 'user', content: `user ${u.userId}` }] });
        return {};
      },
    };
    const users = Array.from({ length: 16 }, (_, i) => String(i + 1));
    const { manifest: header } = await runPages({ ctx: { ...ctx, models }, contextFor: user, users, pipeline: callingPipeline, runsDir, concurrency: 8, budgetUsd: 0.004 });
    expect(spent).toBeLessThanOrEqual(0.004);
    expect(peak).toBeLessThan(8);
    expect(header.status).toBe('stopped-budget');
    const manifest = (await readManifest(runsDir, header.runId))!;
    const failed = Object.values(manifest.users).filter((u) => u.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].error).toMatch(/^budget of \$0\.004 reached: a cheap call could cost up to \$/);
  });
});

describe('summariseRun', () => {
  it('counts answers accepted below threshold separately from escalations', async () => {
    const { summariseRun } = await import('./summary.js');
    const attempt = (confidence: number, threshold: number, accepted: boolean, outcome: 'accepted' | 'escalated' | 'skipped') => ({ role: 'local', model: 'l', threshold, confidence, accepted, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 }, latencyMs: 1, reason: '', outcome });
    const { phaseRecord } = await import('./summary.js');
    const art = (attempts: unknown[]) => ({ hash: 'h', key: {}, createdAt: '', checksum: '', data: {}, provenance: { attempts, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 }, latencyMs: 1, role: 'local', model: 'l', confidence: 0.5 } }) as never;
    const low = phaseRecord(art([attempt(0.4, 0.6, true, 'accepted'), { ...attempt(0, 0.7, false, 'skipped'), confidence: undefined }]), false);
    const high = phaseRecord(art([attempt(0.8, 0.6, true, 'accepted')]), false);
    const m = { runId: 'r', pipeline: 'p', createdAt: '', updatedAt: '', status: 'complete' as const, requestedUsers: ['1', '2'], users: { 1: { userId: '1', status: 'ok' as const, phases: { themes: low }, wallMs: 1, finishedAt: '' }, 2: { userId: '2', status: 'ok' as const, phases: { themes: high }, wallMs: 1, finishedAt: '' } } };
    const s = summariseRun(m);
    expect(s.phases[0]).toMatchObject({ escalationRate: 0, belowThresholdRate: 0.5 });
  });

  it('names ok users whose page came out empty, and where their themes went', async () => {
    const { summariseRun, formatRunSummary } = await import('./summary.js');
    const none = { themes: 0, keywords: 0 };
    const judged = { pass: 1, total: 1 };
    const quality = (onPage: number, judgeRemoved: number) => ({
      themesProposed: 4,
      themesOnPage: onPage,
      removed: { dedup: none, relevance: none, judge: { themes: judgeRemoved, keywords: 0 }, policy: none },
      droppedInAssembly: 4 - judgeRemoved - onPage,
      judge: { relevant_to_user: judged, coherent_title: judged, keywords_match_theme: judged, fit_for_grocery_page: judged },
      meanKeywordRelevance: 0.8,
      products: onPage * 10,
    });
    const rec = (userId: string, q: ReturnType<typeof quality>) => ({ userId, status: 'ok' as const, phases: {}, quality: q, wallMs: 1, finishedAt: '' });
    const m = { runId: 'r', pipeline: 'p', createdAt: '', updatedAt: '', status: 'complete' as const, requestedUsers: ['1', '2', '3'], users: { 1: rec('1', quality(3, 1)), 2: rec('2', quality(0, 3)), 3: rec('3', quality(0, 4)) } };
    const s = summariseRun(m);
    expect(s.emptyPages.map((e) => e.userId)).toEqual(['2', '3']);
    const text = formatRunSummary(s);
    expect(text.split('\n')[0]).toBe('run r: 3/3 pages ok (2 empty), 0 failed (complete)');
    expect(text).toContain('empty page for user 2: 4 themes proposed; phase 3 removed 3 (judge 3); phase 4 dropped 1 for too few products (hubgen show r 2)');
    expect(text).toContain('empty page for user 3: 4 themes proposed; phase 3 removed 4 (judge 4) (hubgen show r 3)');
  });

  it('counts requested users an interrupted run never started', async () => {
    const { summariseRun, formatRunSummary } = await import('./summary.js');
    const m = { runId: 'r', pipeline: 'p', createdAt: '', updatedAt: '', status: 'interrupted' as const, requestedUsers: ['1', '2', '3'], users: { 1: { userId: '1', status: 'ok' as const, phases: {}, wallMs: 1, finishedAt: '' } } };
    const s = summariseRun(m);
    expect(s.notStarted).toBe(2);
    expect(formatRunSummary(s).split('\n')[0]).toBe('run r: 1/1 pages ok, 0 failed, 2 not started (interrupted)');
  });
});

describe('runPages after a crash mid-phase', () => {
  it('resumes without paying again for an answer the dead run already received', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const base = makeTestCtx();
    let paid = 0;
    const models = {
      ...base.models,
      generateStructured: async () => {
        paid++;
        return { object: { title: 'Your pasta night' }, model: 'c', usage: { inputTokens: 100, cachedInputTokens: 0, outputTokens: 20, costUsd: 0.01, calls: 1 }, finishReason: 'stop', attempts: [], repaired: false, latencyMs: 5, warnings: [] };
      },
    } as unknown as Ctx['models'];
    const ctx = makeTestCtx({ ...base, models });
    let crash = true;
    const pipeline: PagePipeline = {
      name: 'fake',
      async run(u, c) {
        const answer = await c.models.generateStructured({ role: 'cheap', schema: { type: 'object' }, schemaName: 't', messages: [{ role: 'user', content: `themes for ${u.userId}` }] });
        // The process dies after the provider answered, before the phase stored its artefact.
        if (crash) throw new Error('killed');
        return { themes: await cachedArtefact(c, { phase: 'themes', phaseVersion: '1', config: {}, models: {}, promptVersion: 'v', inputs: [u.userId] }, async () => ({ data: answer.object, provenance: { attempts: [], usage: answer.usage, latencyMs: 5, role: 'cheap', model: 'c', confidence: 0.9 } })) };
      },
    };
    const first = await runPages({ ctx, contextFor: user, users: ['1', '2'], pipeline, runsDir, runId: 'crashed' });
    expect(first.summary.failed).toBe(2);
    expect(paid).toBe(2);
    crash = false;
    const resumed = await runPages({ ctx, contextFor: user, users: ['1', '2'], pipeline, runsDir, runId: 'crashed' });
    expect(resumed.summary.ok).toBe(2);
    expect(paid).toBe(2);
  });
});

describe('runPages and the run journal', () => {
  const okRecord = (userId: string): UserRecord => ({ userId, status: 'ok', phases: {}, wallMs: 7, finishedAt: '2026-01-01T00:00:00.000Z' });
  const failedRecord = (userId: string): UserRecord => ({ userId, status: 'failed', error: 'themes: refused', wallMs: 2, finishedAt: '2026-01-01T00:00:00.000Z' });

  /** What a killed run leaves: its header and the records it had appended, never finished. */
  async function killedRun(runsDir: string, users: readonly string[], records: readonly UserRecord[]): Promise<void> {
    const { recorder } = await RunRecorder.start({ ctx: makeTestCtx(), runsDir, runId: 'killed', pipeline: 'fake', users });
    await Promise.all(records.map((r) => recorder.record(r)));
  }

  it('resumes from the journal a killed run left: users ok there are skipped, the failed and the missing run', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    await killedRun(runsDir, ['1', '2', '3', '4'], [okRecord('1'), failedRecord('2'), okRecord('3')]);
    const seen: string[] = [];
    const { manifest, summary } = await runPages({ ctx: makeTestCtx(), contextFor: user, users: ['1', '2', '3', '4'], pipeline: fakePipeline(new Set(), { n: 0 }), runsDir, runId: 'killed', onUserDone: (r) => seen.push(r.userId) });
    expect(seen.sort()).toEqual(['2', '4']);
    expect(manifest.status).toBe('complete');
    expect(summary).toMatchObject({ users: 4, ok: 4, failed: 0, notStarted: 0 });
    const onDisk = (await readManifest(runsDir, 'killed'))!;
    expect(onDisk.users['1']).toEqual(okRecord('1'));
    expect(onDisk.users['2'].status).toBe('ok');
    // The finished manifest.json holds every user on its own, for readers that parse it alone.
    expect(Object.keys(JSON.parse(await readFile(manifestPath(runsDir, 'killed'), 'utf8')).users).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('a record torn mid-append by the kill is cut off, and its user runs again', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    await killedRun(runsDir, ['1', '2'], [okRecord('1')]);
    await appendFile(journalPath(runsDir, 'killed'), JSON.stringify(okRecord('2')).slice(0, 30));
    const seen: string[] = [];
    const { summary } = await runPages({ ctx: makeTestCtx(), contextFor: user, users: ['1', '2'], pipeline: fakePipeline(new Set(), { n: 0 }), runsDir, runId: 'killed', onUserDone: (r) => seen.push(r.userId) });
    expect(seen).toEqual(['2']);
    expect(summary.ok).toBe(2);
    const lines = (await readFile(journalPath(runsDir, 'killed'), 'utf8')).split('\n');
    expect(lines.map((l) => l && JSON.parse(l).userId)).toEqual(['1', '2', '']);
  });

  it('resumes a run whose manifest predates journals: its users move to a journal, and only the failed one runs', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const old: RunManifest = { runId: 'old', pipeline: 'fake', createdAt: 't', updatedAt: 't', status: 'complete', requestedUsers: ['1', '2'], users: { 1: okRecord('1'), 2: failedRecord('2') } };
    await writeManifest(runsDir, old);
    const seen: string[] = [];
    const { summary } = await runPages({ ctx: makeTestCtx(), contextFor: user, users: ['1', '2'], pipeline: fakePipeline(new Set(), { n: 0 }), runsDir, runId: 'old', onUserDone: (r) => seen.push(r.userId) });
    expect(seen).toEqual(['2']);
    expect(summary).toMatchObject({ users: 2, ok: 2 });
    const onDisk = (await readManifest(runsDir, 'old'))!;
    expect(onDisk.users['1']).toEqual(okRecord('1'));
    expect(onDisk.users['2'].status).toBe('ok');
    expect((await readFile(journalPath(runsDir, 'old'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).userId)).toEqual(['1', '2', '2']);
  });

  it('the summary made from the journal as the run ends is the one the whole manifest gives, and what its records add up to', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-runs-'));
    const ctx = makeTestCtx();
    const failing = new Set(['3', '10']);
    // Ids out of order, numeric and not, so the manifest's order is not the finishing order.
    const users = ['10', 'b', '3', '1', 'a', '2'];
    const first = await runPages({ ctx, contextFor: user, users, pipeline: fakePipeline(failing, { n: 0 }), runsDir, concurrency: 3 });
    failing.delete('3');
    const { manifest, summary } = await runPages({ ctx, contextFor: user, users, pipeline: fakePipeline(failing, { n: 0 }), runsDir, runId: first.manifest.runId });
    const whole = (await readManifest(runsDir, manifest.runId))!;
    expect(summary).toEqual(summariseRun(whole));
    expect(summary).toMatchObject({ users: 6, ok: 5, failed: 1, notStarted: 0, failures: [{ userId: '10', error: 'themes: model refused for user 10' }] });
    // Five pages, each computed once (3's in the second run), at $0.01 a phase; only user 2's themes escalated.
    const themes = summary.phases.find((p) => p.phase === 'themes')!;
    expect(themes).toMatchObject({ pages: 5, cacheHits: 0, cascades: 5, escalations: 1, escalationRate: 0.2 });
    expect(themes.spent.costUsd).toBeCloseTo(0.05);
    expect(summary.spent.costUsd).toBeCloseTo(0.1);
    expect(manifest.rates).toEqual(whole.rates);
  });
});
