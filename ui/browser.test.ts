/**
 * The inspector in a real browser: Debian's chromium driven by playwright-core (no browser download),
 * over the shared fixture's real runs. Walks what a person debugging a page does — runs list, a page,
 * a theme's trail with a removal and an escalation, the diff, an eval report — and takes the
 * screenshots the README shows (docs/ui/*.png, rewritten when HUBGEN_UI_SCREENSHOTS is set).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadDataset } from '../datasets/instacart/load.js';
import { sharedUiFixture, type UiFixture } from '../testing/ui-fixture.js';
import { startInspector, type RunningInspector } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
// The default reporter shows only a count for a skipped file: say why where it will be read.
if (!haveChromium) console.warn(`browser tests skipped: ${CHROMIUM} not installed; .ci/run installs it (apt-get install chromium)`);
// Screenshots are always taken; they replace the README's (docs/ui) only when asked, so an ordinary
// test run leaves the checkout clean: HUBGEN_UI_SCREENSHOTS=1 npx vitest run ui/browser.test.ts
const SHOTS = process.env.HUBGEN_UI_SCREENSHOTS ? fileURLToPath(new URL('../docs/ui/', import.meta.url)) : join(tmpdir(), 'hubgen-ui-screenshots');

let fx: UiFixture;
let inspector: RunningInspector;
let browser: BrowserContext;
let page: Page;
let profile: string;
/** Every request the browser made and every error it logged: the app must work offline and without CSP violations. */
const requests: string[] = [];
const errors: string[] = [];


// Named with the reason when skipped, so a run without chromium says why instead of passing quietly.
describe.skipIf(!haveChromium)(haveChromium ? 'the inspector in chromium' : `the inspector in chromium (skipped: ${CHROMIUM} not installed; .ci/run installs it)`, () => {
  beforeAll(async () => {
    fx = await sharedUiFixture();
    inspector = await startInspector({ workDir: fx.workDir, port: 0, loadDataset: async () => (await loadDataset(fx.dataDir)).dataset });
    profile = await mkdtemp(join(tmpdir(), 'hubgen-ui-chromium-'));
    // A fresh profile each time; without the background-networking flags chromium stalls on a closed
    // network, reaching for update and sync servers.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 900 },
    });
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await mkdir(SHOTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const goto = (path: string) => page.goto(`${inspector.url}${path}`);
  /** A screenshot for docs/ui, cut to the content when the page is shorter than the window. */
  const shot = async (name: string) => {
    const height = Math.min(Number(await page.evaluate("Math.ceil(document.querySelector('main').getBoundingClientRect().bottom + scrollY)")), page.viewportSize()!.height);
    await page.screenshot({ path: join(SHOTS, name), clip: { x: 0, y: 0, width: page.viewportSize()!.width, height } });
  };

  it('opens the runs list: every run with its status, users, cost, escalation and why a user failed', async () => {
    await goto('/');
    expect(new URL(page.url()).pathname).toBe('/runs');
    const rows = page.locator('#runs tbody tr:not(.sub)');
    expect(await rows.count()).toBe(3);
    expect(await rows.first().textContent()).toContain(fx.runs.failing);
    expect(await page.locator('#runs tr.failures').textContent()).toMatch(new RegExp(`user ${fx.failingUser}\\s*themes: no tier produced an answer`));
    const escalatedRow = rows.filter({ hasText: fx.runs.escalated });
    expect(await escalatedRow.locator('.esc.hot').first().textContent()).toBe('100.0%');
    await shot('runs.png');
  });

  it('opens a page from the run: themes as a shop, history beside it, next-order hits marked', async () => {
    await goto('/runs');
    await page.locator(`a[href="/runs/${fx.runs.escalated}"]`).click();
    await page.waitForURL(`**/runs/${fx.runs.escalated}`);
    await page.locator(`#users a:text-is("user ${fx.users[0]}")`).click();
    await page.waitForURL(`**/runs/${fx.runs.escalated}/users/${fx.users[0]}`);
    expect(await page.locator('section.theme:not(.off)').count()).toBeGreaterThan(0);
    expect(await page.locator('.product').count()).toBeGreaterThan(10);
    expect(await page.locator('#history h3').first().textContent()).toBe(`Shopper ${fx.users[0]}`);
    expect(await page.locator('#history .bar').count()).toBeGreaterThan(3);
    const hits = Number(await page.locator('#target .big').textContent());
    expect(await page.locator('.product.hit').count()).toBeGreaterThanOrEqual(hits);
    // Trails start closed: the page reads as a shopping page first.
    expect(await page.locator('details.trail[open]').count()).toBe(0);
    await shot('page.png');
  });

  it("expands a theme's trail: the escalation from local to cheap and a removal with its reason", async () => {
    await goto(`/runs/${fx.runs.escalated}/users/${fx.users[0]}`);
    const trail = page.locator('details.trail').filter({ has: page.locator('summary .badge.removed') }).first();
    const id = await trail.getAttribute('id');
    // Its own summary: a trail holds details of its own (the candidates), with summaries of their own.
    await trail.locator(':scope > summary').click();
    expect(await trail.getAttribute('open')).not.toBeNull();
    // The inline script keeps the address in step, so an open trail can be linked to.
    expect(new URL(page.url()).hash).toBe(`#${id}`);

    const cascade = trail.locator('section.phase').first().locator('table.cascade');
    const attempts = cascade.locator('tr.attempt');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).textContent()).toMatch(/local\s*hubgen-local-v1\s*escalated\s*0\.\d\d \/ 0\.95/);
    expect(await attempts.nth(1).textContent()).toMatch(/cheap\s*gpt-4o-mini\s*accepted/);
    expect(await cascade.locator('tr.why-row').first().textContent()).toMatch(/< threshold 0\.95; escalating/);
    expect(await attempts.nth(1).locator('td.n').nth(2).textContent()).toMatch(/^\$0\.000\d+$/);

    const removal = trail.locator('table.removals tbody tr').first();
    expect(await removal.isVisible()).toBe(true);
    expect(await removal.locator('td').first().textContent()).toMatch(/^(dedup|relevance|judge|policy)$/);
    expect((await removal.locator('td').last().textContent())!.length).toBeGreaterThan(10);
    await trail.screenshot({ path: join(SHOTS, 'trail.png') });
  });

  it('a link to a trail opens it on arrival', async () => {
    await goto(`/runs/${fx.runs.escalated}/users/${fx.users[0]}`);
    const id = await page.locator('details.trail').nth(1).getAttribute('id');
    await goto(`/runs/${fx.runs.escalated}/users/${fx.users[0]}#${id}`);
    expect(await page.locator(`details#${id}`).getAttribute('open')).not.toBeNull();
    expect(await page.locator('details.trail[open]').count()).toBe(1);
  });

  it('shows why a theme is not on the page', async () => {
    await goto(`/runs/${fx.runs.offline}/users/${fx.users[0]}`);
    const off = page.locator('section.theme.off');
    if ((await off.count()) === 0) return;
    expect(await off.first().locator('p.desc').textContent()).toMatch(/^Phase (3|4)/);
  });

  it('opens the diff of two runs for one user from the form', async () => {
    await goto(`/diff?user=${fx.users[0]}`);
    await page.locator('select[name=a]').selectOption(`run:${fx.runs.offline}`);
    await page.locator('select[name=b]').selectOption(`run:${fx.runs.escalated}`);
    await page.locator('#diff-form button').click();
    await page.waitForURL(/\/diff\?user=.*&a=run%3A.*&b=run%3A/);
    expect(await page.locator('#cost-delta').textContent()).toMatch(/^\+\$0\.\d+$/);
    const sides = await page.locator('.sides .card h3').allTextContents();
    expect(sides.slice(0, 2)).toEqual([`run ${fx.runs.offline}`, `run ${fx.runs.escalated}`]);
    expect(await page.locator('#themes-kept tbody tr').count()).toBeGreaterThan(0);
    await shot('diff.png');
  });

  it("browses an eval report: tables and the SVG plots, and a variant's page", async () => {
    await goto('/evals');
    await page.locator(`#evals a:text-is("work/${fx.evalName}")`).click();
    await page.waitForURL(`**/evals/work/${fx.evalName}`);
    expect(await page.locator('h2:text-is("Variants") + div table tbody tr').count()).toBe(2);
    const plot = page.locator('#plot-cost-quality img');
    await plot.scrollIntoViewIfNeeded();
    // Loaded and decoded: a broken image has naturalWidth 0. (No DOM types in this project, hence the cast.)
    expect(await plot.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    // From the top, tall enough to show the tables and the first plot together.
    await page.setViewportSize({ width: 1360, height: 1240 });
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('eval.png');
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.locator(`#pages ~ div table a:text-is("user ${fx.users[0]}")`).click();
    await page.waitForURL(`**/evals/work/${fx.evalName}/variants/cascaded/users/${fx.users[0]}`);
    expect(await page.locator('#artefacts .badge.ok').count()).toBe(4);
  });

  it("finds a user's pages from the search box", async () => {
    await goto('/runs');
    await page.locator('header form input[name=user]').fill(String(fx.failingUser));
    await page.locator('header form button').click();
    await page.waitForURL(`**/search?user=${fx.failingUser}`);
    await page.locator('#hits a').first().click();
    expect(await page.locator('#failure').textContent()).toContain('refus');
  });

  it('made no request outside the inspector and logged no error', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(inspector.url))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
