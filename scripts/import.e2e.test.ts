/**
 * End to end on the bundled synthetic example (data/example/, the neutral format), as a retailer would
 * run it: the real `hubgen` bin from an empty directory holding only their data, a fresh work dir, no
 * HUBGEN_DATA_DIR. import → config → index → run --users all → show → run --users @ids.txt. Nothing here
 * may depend on Instacart's shape; the tests share the work dir and run in order.
 */
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../catalogue/types.js';
import { findNeutralFiles } from '../datasets/neutral/files.js';
import { loadNeutralFiles } from '../datasets/neutral/load.js';
import type { RunManifest } from '../pipelines/manifest.js';
import { pageExportSchema, type PageExportRecord } from '../pipelines/export.js';
import type { Page } from '../phases/assemble/schema.js';
import { compileSchema, describeErrors } from '../base/ajv.js';
import { parse } from 'csv-parse/sync';
import { expectExit, runHubgen, type CliResult } from '../testing/cli-runner.js';
import { EXAMPLE_DIR } from './generate-example-data.js';

const COLD_START = 'C1030';
const SINGLE_ORDER = 'C1029';
const REGULAR = 'C1004';

let cwd: string;
let workDir: string;
let example: Dataset;

const hubgen = (args: readonly string[], timeoutMs?: number): Promise<CliResult> => runHubgen(['--work-dir', workDir, ...args], { cwd, timeoutMs });

const runIdOf = (stdout: string): string => {
  const m = /^run (\S+): /m.exec(stdout);
  if (!m) throw new Error(`no run id in:\n${stdout}`);
  return m[1];
};
const readRunManifest = async (runId: string): Promise<RunManifest> => JSON.parse(await readFile(join(workDir, 'runs', runId, 'manifest.json'), 'utf8'));

beforeAll(async () => {
  // The user's own directory: their data and nothing else (no config file, no checkout).
  cwd = await mkdtemp(join(tmpdir(), 'hubgen-import-cwd-'));
  await cp(EXAMPLE_DIR, join(cwd, 'data', 'example'), { recursive: true });
  workDir = await mkdtemp(join(tmpdir(), 'hubgen-import-work-'));
  ({ dataset: example } = await loadNeutralFiles(findNeutralFiles(EXAMPLE_DIR)));
});

afterAll(async () => {
  await Promise.all([cwd, workDir].map((d) => rm(d, { recursive: true, force: true })));
});

describe('hubgen import → index → run → show on the synthetic example', () => {
  it('import validates the example, writes the dataset into the work dir and says what to run next', async () => {
    const r = await hubgen(['import', 'data/example']);
    expectExit(r, 0);
    const { products, categories, departments } = example.catalogue;
    expect(r.stdout).toMatch(/^ {2}products {2}data\/example\/products\.jsonl +\d+ rows$/m);
    expect(r.stdout).toContain(
      `dataset "example": ${products.size} products in ${categories.size} categories (${departments.size} departments), ${example.users.size} users (1 without orders), `,
    );
    expect(r.stdout).toMatch(new RegExp(`^wrote ${join(workDir, 'dataset')}: products\\.jsonl, users\\.jsonl, events\\.jsonl, dataset\\.json \\(sha256:[0-9a-f]{12}…\\)$`, 'm'));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('next: hubgen index, then hubgen run --users all');
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(await readFile(join(workDir, 'dataset', 'dataset.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'hubgen-dataset', version: 1, name: 'example', counts: { products: products.size, users: 30, usersWithOrders: 29 }, lenient: false, skipped: 0 });
  }, 30_000);

  it('a bad row stops the import and writes nothing; --lenient skips it and says so', async () => {
    const bad = join(cwd, 'bad');
    await cp(join(cwd, 'data', 'example'), bad, { recursive: true });
    const lines = (await readFile(join(bad, 'events.csv'), 'utf8')).trimEnd().split('\n').length;
    await appendFile(join(bad, 'events.csv'), 'C1001,O1,2025-02-30T10:00:00Z,,SKU-10001,1\nC1001,O2,,,SKU-99999,1\n');
    const before = await readFile(join(workDir, 'dataset', 'dataset.json'), 'utf8');

    const strict = await hubgen(['import', 'bad']);
    expectExit(strict, 1);
    expect(strict.stderr.split('\n').slice(0, 3)).toEqual([
      'hubgen: 2 bad rows in 1 file; nothing written',
      `  bad/events.csv line ${lines + 1}, field timestamp = "2025-02-30T10:00:00Z": not a real date and time`,
      `  bad/events.csv line ${lines + 2}, field product_id = "SKU-99999": no such product in the products file`,
    ]);
    expect(strict.stderr).toContain(`every one is in ${join(workDir, 'logs', 'hubgen.log')}`);
    expect(strict.stdout).toBe('');
    expect(await readFile(join(workDir, 'dataset', 'dataset.json'), 'utf8')).toBe(before);

    const out = join(cwd, 'lenient-out');
    const lenient = await hubgen(['import', 'bad', '--lenient', '--out', out, '--name', 'corner-shop']);
    expectExit(lenient, 0);
    expect(lenient.stderr).toMatch(/^warning: --lenient skipped 2 bad rows \(first: bad\/events\.csv line \d+, field timestamp = .*\); every one is in /m);
    expect(lenient.stdout).toMatch(/^ {2}events {4}bad\/events\.csv +[\d,]+ rows, 2 skipped$/m);
    expect(lenient.stdout).toContain(`next: hubgen --data ${out} index, then hubgen --data ${out} run --users all`);
    expect(JSON.parse(await readFile(join(out, 'dataset.json'), 'utf8'))).toMatchObject({ name: 'corner-shop', lenient: true, skipped: 2 });
  }, 30_000);

  it('config says the imported dataset is in use, and why', async () => {
    const r = await hubgen(['config']);
    expectExit(r, 0);
    expect(JSON.parse(r.stdout).dataDir).toBeUndefined();
    expect(r.stderr).toMatch(new RegExp(`^dataset +imported at ${join(workDir, 'dataset')} \\(imported into the work dir by hubgen import; no dataDir is set\\)$`, 'm'));
  }, 30_000);

  it('index embeds the imported catalogue', async () => {
    const r = await hubgen(['index'], 120_000);
    expectExit(r, 0);
    const { products, categories, departments } = example.catalogue;
    expect(r.stdout).toContain(`catalogue: ${products.size} products, ${categories.size} categories, ${departments.size} departments`);
    expect(r.stdout).toContain(`hubgen_products: ${products.size} points, written`);
  }, 150_000);

  let allRun: string;
  it('run --users all makes a page for every user, the cold start and the single-order user included, and exits 0', async () => {
    const r = await hubgen(['run', '--users', 'all'], 150_000);
    expectExit(r, 0);
    allRun = runIdOf(r.stdout);
    expect(r.stdout).toMatch(new RegExp(`^run ${allRun}: 30/30 pages ok(?: \\(\\d+ empty\\))?, 0 failed \\(complete\\)$`, 'm'));
    const manifest = await readRunManifest(allRun);
    expect(Object.keys(manifest.users)).toHaveLength(30);
    for (const rec of Object.values(manifest.users)) expect(rec.status).toBe('ok');
    for (const user of [REGULAR, SINGLE_ORDER, COLD_START]) expect(manifest.users[user].quality!.themesOnPage, user).toBeGreaterThan(0);
  }, 180_000);

  it('show latest prints a page phase by phase; the cold-start page says it is not personalised', async () => {
    const regular = await hubgen(['show', 'latest', REGULAR]);
    expectExit(regular, 0);
    expect(regular.stdout).toContain(`run ${allRun} · user ${REGULAR}`);
    expect(regular.stdout).toMatch(/^== Phase 4 · assemble/m);
    expect(regular.stdout).toMatch(/^## .+ — \d+ products \(keywords: .+\)$/m);
    // Products are the example's own: every name shown under a theme is in the imported catalogue.
    const names = new Set([...example.catalogue.products.values()].map((p) => p.name));
    const shown = [...regular.stdout.matchAll(/^ {3}\d\.\d{3} {2}(.+?) {2}← /gm)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    for (const name of shown) expect([...names].some((n) => n.startsWith(name.replace(/…$/, ''))), name).toBe(true);

    const cold = await hubgen(['show', 'latest', COLD_START]);
    expectExit(cold, 0);
    expect(cold.stdout).toContain('there is not enough history yet to personalise this');
  }, 60_000);

  it('run --users @ids.txt reads ids from a file, reuses every artefact, and records an unknown id as failed (exit 3)', async () => {
    await writeFile(join(cwd, 'ids.txt'), `# tonight's list\n${REGULAR}\n${COLD_START}  # new customer\nC9999\n`);
    const r = await hubgen(['run', '--users', '@ids.txt'], 120_000);
    expectExit(r, 3);
    expect(r.stderr).toContain('warning: 1 of 3 requested users are not in the dataset ("C9999"); each will be recorded as failed');
    const runId = runIdOf(r.stdout);
    expect(r.stdout).toContain(`run ${runId}: 2/3 pages ok, 1 failed`);
    const manifest = await readRunManifest(runId);
    expect(manifest.requestedUsers).toEqual([REGULAR, COLD_START, 'C9999']);
    expect(manifest.users.C9999).toMatchObject({ status: 'failed', error: expect.stringContaining('unknown user "C9999"') });
    for (const user of [REGULAR, COLD_START]) {
      expect(manifest.users[user].status).toBe('ok');
      expect(Object.values(manifest.users[user].phases!).every((p) => p.cached)).toBe(true);
    }
    expect(existsSync(join(workDir, 'runs', allRun))).toBe(true);
  }, 120_000);

  it('export writes the run for a ranking stack: one valid JSONL record per user, or one CSV row per user, with the page’s products in order', async () => {
    const jsonl = await hubgen(['export', allRun]);
    expectExit(jsonl, 0);
    const records = jsonl.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as PageExportRecord);
    const validate = compileSchema(pageExportSchema);
    for (const r of records) expect(validate(r), describeErrors(validate.errors)).toBe(true);
    expect(records.map((r) => r.userId)).toEqual([...example.users.keys()]);
    // The same products, in the same order, as the run's page artefact for that user.
    const manifest = await readRunManifest(allRun);
    const hash = manifest.users[REGULAR].phases!.assemble.hash;
    const stored = JSON.parse(await readFile(join(workDir, 'artefacts', hash.slice(0, 2), `${hash}.json`), 'utf8')) as { data: Page };
    const regular = records.find((r) => r.userId === REGULAR)!;
    expect(regular.themes.flatMap((t) => t.products.map((p) => p.productId))).toEqual(stored.data.themes.flatMap((t) => t.products.map((p) => p.productId)));
    expect(regular.artefacts.assemble).toBe(hash);

    const csv = await hubgen(['export', 'latest', '--format', 'csv', '--out', 'pages.csv']);
    expectExit(csv, 0);
    expect(csv.stderr).toMatch(/^exported 3 users of run \S+ to .*pages\.csv \(csv\)$/m);
    const rows = parse(await readFile(join(cwd, 'pages.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.user_id, r.status])).toEqual([[REGULAR, 'ok'], [COLD_START, 'ok'], ['C9999', 'failed']]);

    const bad = await hubgen(['export', allRun, '--format', 'xml']);
    expectExit(bad, 1);
    expect(bad.stderr.trim()).toBe('hubgen: --format must be jsonl or csv, got "xml"');
  }, 60_000);
});
