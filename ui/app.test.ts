/**
 * The inspector's data endpoints, through Hono's app.request (no socket), over a work dir with real
 * runs and a real eval (testing/ui-fixture.ts): an offline run, a run whose Phase 1 escalates from
 * the local tier to `cheap`, a run with a failed user, and `hubgen eval --simulate`.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../datasets/instacart/load.js';
import type { Dataset } from '../catalogue/types.js';
import pino from 'pino';
import type { RunManifest } from '../pipelines/manifest.js';
import { RunRecorder } from '../pipelines/run-recorder.js';
import { sharedUiFixture, type UiFixture } from '../testing/ui-fixture.js';
import { createInspectorApp } from './app.js';
import { createUiData, STORED_PHASE, type UiDataOptions } from './data.js';
import type { ArtefactView, EvalDetail, EvalRow, PageDiff, PageView, Paged, RunDetail, RunRow, SearchHit } from './model.js';

let fx: UiFixture;
let dataset: Dataset;
const tempDirs: string[] = [];

beforeAll(async () => {
  fx = await sharedUiFixture();
  dataset = (await loadDataset(fx.dataDir)).dataset;
}, 600_000);

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** An app over `workDir` that records every file it reads. */
function inspector(options: Partial<UiDataOptions> = {}, workDir = fx.workDir) {
  const reads: string[] = [];
  const data = createUiData({
    workDir,
    loadDataset: async () => dataset,
    ...options,
    _internal: {
      readFile: (path) => {
        reads.push(path);
        return readFile(path, 'utf8');
      },
    },
  });
  const app = createInspectorApp({ data, evalRoots: [{ label: 'work', dir: join(workDir, 'evals') }], allowedHosts: ['127.0.0.1', 'localhost'] });
  const get = async <T>(url: string, init?: RequestInit) => {
    const res = await app.request(url, init);
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, headers: res.headers, body: (type.includes('json') ? await res.json() : await res.text()) as T };
  };
  return { app, get, reads };
}

const runPage = (runId: string, user: number | string) => `/api/runs/${runId}/users/${user}`;

describe('GET /api/runs', () => {
  it('lists runs newest first with status, users ok/failed, cost, tokens, escalation per phase, wall time and failure reasons', async () => {
    const { body, status } = await inspector().get<Paged<RunRow>>('/api/runs');
    expect(status).toBe(200);
    expect(body.items.map((r) => r.runId)).toEqual([fx.runs.failing, fx.runs.escalated, fx.runs.offline]);
    const [failing, escalated, offline] = body.items;
    expect(failing).toMatchObject({ status: 'complete', users: 2, ok: 1, failed: 1 });
    expect(failing.failures).toEqual([{ userId: String(fx.failingUser), error: expect.stringMatching(/^themes: no tier produced an answer \(cheap: failed: .*refus/) }]);
    // Every Phase 1 cascade of the escalated run went past the local tier, and paid for the cheap one.
    const themes = escalated.phases.find((p) => p.phase === 'themes')!;
    expect(themes.escalationRate).toBe(1);
    expect(escalated.spent.costUsd).toBeGreaterThan(0);
    expect(escalated.spent.inputTokens).toBeGreaterThan(0);
    expect(offline.spent.costUsd).toBe(0);
    expect(offline.phases.map((p) => p.phase)).toEqual(['themes', 'keywords', 'filter', 'assemble']);
    for (const r of body.items) expect(r.wallMs).toBeGreaterThan(0);
  });

  it('pages through runs reading only the manifests of the page shown', async () => {
    const { get, reads } = inspector({ pageSizes: { runs: 2 } });
    const first = await get<Paged<RunRow>>('/api/runs');
    expect(first.body).toMatchObject({ page: 1, pages: 2, total: 3, pageSize: 2 });
    expect(first.body.items.map((r) => r.runId)).toEqual([fx.runs.failing, fx.runs.escalated]);
    expect(reads.filter((p) => p.endsWith('manifest.json')).map((p) => p.split('/').at(-2))).toEqual([fx.runs.failing, fx.runs.escalated]);
    const second = await get<Paged<RunRow>>('/api/runs?page=2');
    expect(second.body.items.map((r) => r.runId)).toEqual([fx.runs.offline]);
    // Nothing in the artefact store is read to list runs.
    expect(reads.some((p) => p.includes('/artefacts/'))).toBe(false);
  });
});

describe('GET /api/runs/:runId', () => {
  it('gives the run summary and its users, filtered and paginated', async () => {
    const { get } = inspector({ pageSizes: { users: 1 } });
    const all = await get<RunDetail>(`/api/runs/${fx.runs.failing}`);
    expect(all.body.users).toMatchObject({ total: 2, pages: 2, page: 1 });
    const failed = await get<RunDetail>(`/api/runs/${fx.runs.failing}?filter=failed`);
    expect(failed.body.users.items).toEqual([expect.objectContaining({ userId: String(fx.failingUser), status: 'failed', error: expect.stringContaining('refus') })]);
    const ok = await get<RunDetail>(`/api/runs/${fx.runs.escalated}?filter=ok&page=2`);
    expect(ok.body.users.items).toHaveLength(1);
    expect(ok.body.users.items[0]).toMatchObject({ userId: String(fx.users[1]), status: 'ok', escalations: expect.any(Number) });
    expect(ok.body.users.items[0].themesOnPage).toBeGreaterThan(0);
  });

  it('serves a 10,000-user run 50 users at a time', async () => {
    const work = await mkdtemp(join(tmpdir(), 'hubgen-ui-big-'));
    tempDirs.push(work);
    const manifest = JSON.parse(await readFile(join(fx.workDir, 'runs', fx.runs.offline, 'manifest.json'), 'utf8')) as RunManifest;
    const template = manifest.users[fx.users[0]];
    const users = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [String(i + 1), { ...template, userId: i + 1 }]));
    await mkdir(join(work, 'runs', 'big-run'), { recursive: true });
    await writeFile(join(work, 'runs', 'big-run', 'manifest.json'), JSON.stringify({ ...manifest, runId: 'big-run', users }));
    const { get } = inspector({}, work);
    const res = await get<RunDetail>('/api/runs/big-run?page=200');
    expect(res.body.users).toMatchObject({ page: 200, pages: 200, total: 10_000, pageSize: 50 });
    expect(res.body.users.items.map((u) => u.userId)).toEqual(Array.from({ length: 50 }, (_, i) => String(9951 + i)));
    expect(JSON.stringify(res.body).length).toBeLessThan(50_000);
  });

  it('shows a run still going: its header and the users its journal holds, new ones as they are appended', async () => {
    const work = await mkdtemp(join(tmpdir(), 'hubgen-ui-going-'));
    tempDirs.push(work);
    const manifest = JSON.parse(await readFile(join(fx.workDir, 'runs', fx.runs.offline, 'manifest.json'), 'utf8')) as RunManifest;
    const template = manifest.users[fx.users[0]];
    const clock = { now: () => Date.parse('2026-01-01T00:00:00Z'), monotonic: () => 0 };
    const { recorder } = await RunRecorder.start({ ctx: { logger: pino({ level: 'silent' }), clock }, runsDir: join(work, 'runs'), runId: 'going', pipeline: 'cascaded', users: ['1', '2', '3'] });
    await recorder.record({ ...template, userId: '1', finishedAt: '2026-01-01T00:00:07Z' });
    const { get } = inspector({}, work);
    const first = await get<RunDetail>('/api/runs/going');
    expect(first.body.run).toMatchObject({ status: 'running', users: 1, notStarted: 2, wallMs: 7000 });
    expect(first.body.users.items.map((u) => u.userId)).toEqual(['1']);
    await recorder.record({ ...template, userId: '2' });
    expect((await get<RunDetail>('/api/runs/going')).body.users.items.map((u) => u.userId)).toEqual(['1', '2']);
    expect((await get<Paged<RunRow>>('/api/runs')).body.items[0]).toMatchObject({ runId: 'going', users: 2 });
  });

  it('404s a run that does not exist', async () => {
    const res = await inspector().get<{ error: string }>('/api/runs/20990101-000000-nosuch');
    expect(res.status).toBe(404);
    expect(res.body.error).toContain('No run "20990101-000000-nosuch"');
  });
});

describe('GET /api/runs/:runId/users/:userId', () => {
  let page: PageView;
  beforeAll(async () => {
    page = (await inspector().get<PageView>(runPage(fx.runs.escalated, fx.users[0]))).body;
  });

  it('themes in page order, products with category, department and scores', async () => {
    const stored = JSON.parse(await readFile(join(fx.workDir, 'runs', fx.runs.escalated, 'manifest.json'), 'utf8')) as RunManifest;
    const hash = stored.users[fx.users[0]].phases![STORED_PHASE.assemble].hash;
    const artefact = JSON.parse(await readFile(join(fx.workDir, 'artefacts', hash.slice(0, 2), `${hash}.json`), 'utf8'));
    expect(page.status).toBe('ok');
    expect(page.themes.map((t) => t.id)).toEqual(artefact.data.themes.map((t: { id: string }) => t.id));
    const product = page.themes[0].products[0];
    const real = dataset.catalogue.products.get(product.id)!;
    expect(product.category).toEqual({ id: real.categoryId, name: dataset.catalogue.categories.get(real.categoryId)!.name });
    expect(product.department).toEqual({ id: String(real.departmentId), name: dataset.catalogue.departments.get(real.departmentId)!.name });
    expect(product.score).toBeGreaterThan(0);
    expect(product.keyword).toBeTruthy();
  });

  it("the HTML page says what each product's score was made of: relevance and the probability of buying next", async () => {
    const res = await inspector().app.request(`http://localhost/runs/${fx.runs.escalated}/users/${fx.users[0]}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const product = page.themes[0].products[0];
    const tile = new RegExp(`data-product="${product.id}">[\\s\\S]*?<span title="([^"]*)">score`).exec(html);
    expect(tile?.[1]).toBe(`relevance ${product.relevance!.toFixed(2)} · probability of buying next ${product.affinity!.toFixed(4)}`);
    // A page of today's assemble phase has no popularity factor, so the tooltip must not claim one.
    expect(product.popularity).toBeUndefined();
  });

  it('history summary beside it, and the products of the next order the page hit', () => {
    expect(page.history!.orders).toBeGreaterThan(0);
    expect(page.history!.topCategories.length).toBeGreaterThan(0);
    expect(page.history!.frequentProducts.length).toBeGreaterThan(0);
    expect(page.target!.kind).toBe('next order');
    const marked = page.themes.flatMap((t) => t.products.filter((p) => p.inTarget).map((p) => p.id));
    expect(new Set(marked)).toEqual(new Set(page.target!.hits.map((h) => h.id)));
    expect(page.target!.recall).toBeCloseTo(page.target!.hits.length / page.target!.products);
  });

  it('the Phase 1 cascade: local escalated below its threshold, cheap accepted, with tokens and dollars', () => {
    const c = page.themesCascade!;
    expect(c.escalated).toBe(true);
    expect(c.attempts.map((a) => [a.role, a.outcome])).toEqual([
      ['local', 'escalated'],
      ['cheap', 'accepted'],
    ]);
    expect(c.attempts[0].confidence!).toBeLessThan(c.attempts[0].threshold);
    expect(c.attempts[0].reason).toMatch(/< threshold 0.95; escalating/);
    expect(c.attempts[1]).toMatchObject({ model: 'gpt-4o-mini', usage: { calls: 1 } });
    expect(c.attempts[1].usage.costUsd).toBeGreaterThan(0);
    expect(c.summary).toMatch(/^local\[hubgen-local-v1\] ✗ 0\.\d\d<0\.95 → cheap\[gpt-4o-mini\] ✓/);
    // The page's cost is every artefact's, escalated attempts included.
    const paid = page.artefacts.reduce((sum, a) => sum + (a.usage?.costUsd ?? 0), 0);
    expect(page.cost.costUsd).toBeCloseTo(paid);
    expect(page.cost.costUsd!).toBeGreaterThan(c.attempts[1].usage.costUsd!);
  });

  it('Phase 2 candidates with the chosen ones, when an LLM tier chose', () => {
    const byTeacher = page.trails.filter((t) => t.keywords?.role === 'teacher');
    expect(byTeacher.length).toBeGreaterThan(0);
    for (const t of byTeacher) {
      const k = t.keywords!;
      expect(k.candidates).toHaveLength(k.candidateCount);
      expect(k.cascade!.attempts.map((a) => a.outcome)).toEqual(['escalated', 'accepted']);
      const chosen = new Set(k.chosen.map((c) => c.text.toLowerCase()));
      expect(k.candidates.filter((c) => c.chosen).map((c) => c.text.toLowerCase()).sort()).toEqual([...chosen].filter((x) => k.candidates.some((c) => c.text.toLowerCase() === x)).sort());
      expect(k.candidates.some((c) => c.chosen)).toBe(true);
    }
  });

  it('a trail per theme: keywords chosen, every Phase 3 removal with step, reason and score, the keyword behind each product', () => {
    const removals = page.trails.flatMap((t) => t.filter?.removals ?? []);
    expect(removals.length).toBeGreaterThan(0);
    for (const r of removals) expect(r).toMatchObject({ step: expect.stringMatching(/^(dedup|relevance|judge|policy)$/), reason: expect.any(String) });
    const onPage = page.trails.filter((t) => t.fate.status === 'on-page');
    expect(onPage.map((t) => t.themeId)).toEqual(page.themes.map((t) => t.id));
    for (const t of onPage) {
      expect(t.keywords!.chosen.length).toBeGreaterThan(0);
      expect(t.keywords!.cascade!.attempts[0].role).toBe('student');
      expect(t.assemble!.products.map((p) => p.keyword).every(Boolean)).toBe(true);
    }
    // A theme that did not make the page says where it went and why.
    for (const t of page.trails.filter((x) => x.fate.status !== 'on-page')) expect(t.fate.reason).toMatch(/^Phase (3|4)/);
  });

  it('lists the four artefacts, each verified against its checksum', () => {
    expect(page.artefacts.map((a) => [a.phase, a.status, a.cached])).toEqual([
      ['themes', 'ok', false],
      ['keywords', 'ok', false],
      ['filter', 'ok', false],
      ['assemble', 'ok', false],
    ]);
  });

  it('a failed user: status and the reason, no page', async () => {
    const res = await inspector().get<PageView>(runPage(fx.runs.failing, fx.failingUser));
    expect(res.body).toMatchObject({ status: 'failed', themes: [], artefacts: [] });
    expect(res.body.error).toContain('refus');
  });

  it('the same page as hubgen show prints it, as text', async () => {
    const res = await inspector().get<string>(`/runs/${fx.runs.escalated}/users/${fx.users[0]}/report.txt`);
    expect(res.type).toContain('text/plain');
    expect(res.body).toMatch(/== Phase 1 · themes \([0-9a-f]{12}, \d+ ms, \$0\.\d{5}\)/);
    expect(res.body).toMatch(/^cascade: local\[hubgen-local-v1\] ✗/m);
    expect(res.body).toMatch(/^ {2}- \[(dedup|relevance|judge|policy)\] /m);
  });

  it('404s a user the run does not have', async () => {
    const res = await inspector().get<{ error: string }>(runPage(fx.runs.offline, 424242));
    expect(res.status).toBe(404);
  });
});

describe('GET /api/artefacts/:hash', () => {
  it('the raw artefact with its hash, checksum and checksum status', async () => {
    const page = (await inspector().get<PageView>(runPage(fx.runs.offline, fx.users[0]))).body;
    const ref = page.artefacts.find((a) => a.phase === 'keywords')!;
    const res = await inspector().get<ArtefactView>(`/api/artefacts/${ref.hash}`);
    expect(res.body).toMatchObject({ hash: ref.hash, phase: 'keywords', status: 'ok', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse(res.body.json).hash).toBe(ref.hash);
    // The keywords artefact's first input is its upstream themes artefact, which is linkable.
    expect(res.body.inputs[0]).toEqual({ value: page.artefacts[0].hash, inStore: true });
  });

  it('reports a hand-edited artefact as corrupt, on its own and on the page that uses it', async () => {
    const work = await mkdtemp(join(tmpdir(), 'hubgen-ui-corrupt-'));
    tempDirs.push(work);
    await cp(join(fx.workDir, 'runs', fx.runs.offline), join(work, 'runs', fx.runs.offline), { recursive: true });
    await cp(join(fx.workDir, 'artefacts'), join(work, 'artefacts'), { recursive: true });
    const manifest = JSON.parse(await readFile(join(work, 'runs', fx.runs.offline, 'manifest.json'), 'utf8')) as RunManifest;
    const hash = manifest.users[fx.users[0]].phases![STORED_PHASE.assemble].hash;
    const file = join(work, 'artefacts', hash.slice(0, 2), `${hash}.json`);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    stored.data.pageTitle = 'Edited by hand';
    await writeFile(file, JSON.stringify(stored));
    const { get } = inspector({}, work);
    const art = await get<ArtefactView>(`/api/artefacts/${hash}`);
    expect(art.body).toMatchObject({ status: 'corrupt', problem: expect.stringContaining('checksum mismatch') });
    expect(art.body.json).toContain('Edited by hand');
    const page = await get<PageView>(runPage(fx.runs.offline, fx.users[0]));
    expect(page.body.artefacts.find((a) => a.phase === 'assemble')).toMatchObject({ status: 'corrupt', problem: expect.stringContaining('checksum mismatch') });
    // A corrupt page is not rendered as if it were fine.
    expect(page.body.themes).toEqual([]);
  });

  it('404s an unknown address and 400s something that is not an address', async () => {
    expect((await inspector().get(`/api/artefacts/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await inspector().get('/api/artefacts/abc')).status).toBe(400);
  });
});

describe('GET /api/diff', () => {
  it('two runs for one user: themes added and removed, products changed, cost delta', async () => {
    const { get } = inspector();
    const user = fx.users[0];
    const [a, b] = [(await get<PageView>(runPage(fx.runs.offline, user))).body, (await get<PageView>(runPage(fx.runs.escalated, user))).body];
    const res = await get<PageDiff>(`/api/diff?user=${user}&a=run:${fx.runs.offline}&b=run:${fx.runs.escalated}`);
    expect(res.status).toBe(200);
    const d = res.body;
    const idsA = a.themes.map((t) => t.id);
    const idsB = b.themes.map((t) => t.id);
    expect(d.themesAdded.map((t) => t.id)).toEqual(idsB.filter((id) => !idsA.includes(id)));
    expect(d.themesRemoved.map((t) => t.id)).toEqual(idsA.filter((id) => !idsB.includes(id)));
    expect(d.themesKept.map((t) => t.id).sort()).toEqual(idsA.filter((id) => idsB.includes(id)).sort());
    // The scripted LLM dropped the local model's first theme: if the offline page had it, the diff says it is gone.
    const firstLocal = a.trails[0];
    if (firstLocal.fate.status === 'on-page') expect(d.themesRemoved.map((t) => t.id)).toContain(firstLocal.themeId);
    expect(d.costDeltaUsd).toBeCloseTo(b.cost.costUsd! - a.cost.costUsd!);
    expect(d.costDeltaUsd).toBeGreaterThan(0);
    expect(d.a.label).toBe(`run ${fx.runs.offline}`);
  });

  it('two eval variants for one user', async () => {
    const user = fx.users[1];
    const res = await inspector().get<PageDiff>(`/api/diff?user=${user}&a=eval:work/${fx.evalName}/cascaded&b=eval:work/${fx.evalName}/single-step-local`);
    expect(res.status).toBe(200);
    expect(res.body.b.label).toBe(`work/${fx.evalName} · single-step-local`);
    expect(res.body.themesAdded.length + res.body.themesRemoved.length + res.body.themesKept.length).toBeGreaterThan(0);
  });

  it('400s missing or malformed inputs, 404s a user one side does not have', async () => {
    const { get } = inspector();
    expect((await get(`/api/diff?user=1&a=run:${fx.runs.offline}`)).status).toBe(400);
    expect((await get(`/api/diff?user=1&a=nonsense&b=run:${fx.runs.offline}`)).status).toBe(400);
    const missing = await get<{ error: string }>(`/api/diff?user=${fx.failingUser}&a=run:${fx.runs.offline}&b=run:${fx.runs.failing}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain(`run:${fx.runs.offline}`);
  });
});

describe('eval reports', () => {
  it('lists reports and gives one with its tables, plots and per-user pages', async () => {
    const { get } = inspector();
    const list = await get<Paged<EvalRow>>('/api/evals');
    expect(list.body.items).toEqual([expect.objectContaining({ root: 'work', report: fx.evalName, users: 2, variants: ['cascaded', 'single-step-local'], simulatedRoles: ['cheap', 'strong', 'teacher', 'judge'] })]);
    const detail = await get<EvalDetail>(`/api/evals/work/${fx.evalName}?variant=single-step-local`);
    expect(detail.body.tables.map((t) => t.title)).toEqual(expect.arrayContaining(['Variants', 'Baselines', 'Escalation per phase, by variant']));
    expect(detail.body.tables[0].rows.map((r) => r[0])).toEqual(['cascaded', 'single-step-local']);
    expect(detail.body.variant).toBe('single-step-local');
    expect(detail.body.pages.items.map((p) => p.userId)).toEqual(fx.users.map(String));
    expect(detail.body.plots.map((p) => p.id)).toContain('cost-quality');
  });

  it('serves the SVG plots as images', async () => {
    const res = await inspector().get<string>(`/evals/work/${fx.evalName}/plots/cost-quality.svg`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('image/svg+xml');
    expect(res.body).toMatch(/^<svg/);
  });

  it('an eval variant page is a page like any other, read from the artefacts the eval recorded', async () => {
    const themes: number[] = [];
    for (const user of fx.users) {
      const res = await inspector().get<PageView>(`/api/evals/work/${fx.evalName}/variants/cascaded/users/${user}`);
      expect(res.body.status).toBe('ok');
      expect(res.body.sourceLabel).toBe(`work/${fx.evalName} · cascaded`);
      expect(res.body.artefacts.map((a) => a.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      themes.push(res.body.themes.length);
    }
    // A page whose Phase 1 escalated to the eval's simulator may be empty (Phase 3's judge removes its
    // placeholder themes; a light shopper's mostly-discovery plan leaves the local tier just unsure
    // enough): it is still served like any other. The one that stayed local has themes.
    expect(Math.max(...themes)).toBeGreaterThan(0);
  });
});

describe('GET /api/search', () => {
  it('finds every run and eval variant with a page for a user, newest run first', async () => {
    const { get } = inspector();
    const a = await get<{ hits: SearchHit[] }>(`/api/search?user=${fx.users[0]}`);
    expect(a.body.hits.map((h) => h.label)).toEqual([`run ${fx.runs.failing}`, `run ${fx.runs.escalated}`, `run ${fx.runs.offline}`, `work/${fx.evalName} · cascaded`, `work/${fx.evalName} · single-step-local`]);
    const failed = await get<{ hits: SearchHit[] }>(`/api/search?user=${fx.failingUser}`);
    expect(failed.body.hits).toEqual([expect.objectContaining({ label: `run ${fx.runs.failing}`, status: 'failed' })]);
  });

  it('continues a long scan from a cursor', async () => {
    const { get } = inspector({ pageSizes: { search: 1 } });
    const first = await get<{ hits: SearchHit[]; nextCursor: number }>(`/api/search?user=${fx.users[0]}`);
    expect(first.body.hits[0].label).toBe(`run ${fx.runs.failing}`);
    const next = await get<{ hits: SearchHit[] }>(`/api/search?user=${fx.users[0]}&cursor=${first.body.nextCursor}`);
    expect(next.body.hits.map((h) => h.label)).toEqual([`run ${fx.runs.escalated}`]);
  });
});

describe('a path outside the store', () => {
  const attempts = [
    '/api/runs/..%2F..%2F..%2Fetc/users/1',
    '/runs/..%2F..%2Fsecret',
    '/api/runs/%2E%2E/users/1',
    '/api/runs/..',
    '/api/artefacts/..%2F..%2Fsecret.json',
    '/api/evals/work/..%2F..%2F..',
    '/api/evals/..%2F..%2F/simulated',
    '/evals/work/..%2F..%2Fruns/plots/cost-quality.svg',
    '/evals/work/simulated/plots/..%2Fresult.json',
    '/evals/work/simulated/plots/..%2F..%2F..%2Fsecret.json',
    '/api/evals/work/simulated/variants/cascaded/users/..%2F..%2Fsecret',
    '/runs/../../secret.json',
    '/api/search?user=..%2F..%2Fsecret',
    '/api/diff?user=1&a=run:..%2F..%2Fsecret&b=run:x',
  ];

  it.each(attempts)('%s is refused and reads nothing', async (url) => {
    // A file next to the work dir that a traversal would reach.
    await writeFile(join(dirname(fx.workDir), 'secret.json'), '{"secret":"do not serve"}');
    const { get, reads } = inspector();
    const res = await get<unknown>(url);
    expect([400, 404]).toContain(res.status);
    expect(JSON.stringify(res.body)).not.toContain('do not serve');
    expect(reads).toEqual([]);
  });
});

describe('read-only, local', () => {
  it('answers only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await inspector().app.request('/api/runs', { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await inspector().app.request('http://evil.example/api/runs');
    expect(res.status).toBe(403);
    expect((await inspector().app.request('http://127.0.0.1:4310/api/runs')).status).toBe(200);
  });

  it('serves pages with a CSP that allows no external source and only its own nonce-d script', async () => {
    const res = await inspector().app.request('http://localhost/runs');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    const html = await res.text();
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1];
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
