/**
 * End-to-end tests of the CLI as a user runs it: the real `node scripts/hubgen.mjs` as a child process,
 * from an empty directory, against a small real subset of the Instacart sample, with the real sentence
 * encoder and local models. One work dir is shared, so the tests run in order and build on each other:
 * index → search → run → warm re-run → runs/show/inspect → failures (unknown user, SIGTERM and resume,
 * no history, bad config, bad CSV) → eval → schedule → config.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../pipelines/manifest.js';
import { loadDataset } from '../datasets/load.js';
import { buildKeywordCorpus } from '../retrieval/corpus.js';
import { categoryText, productText } from '../retrieval/product-text.js';
import { addUserWithoutHistory, copyWithBadOrderRow, writeRealSubset, type RealSubset } from '../testing/e2e-fixture.js';

const HUBGEN = fileURLToPath(new URL('./hubgen.mjs', import.meta.url));
const NO_HISTORY_USER = 900000001;

interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a user would have, minus anything that could reach a real service or another work dir. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(HUBGEN_|OPENAI_|QDRANT_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

interface CliOptions {
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Close our end of stdout at once, like `| head` that has read enough. */
  readonly closeStdout?: boolean;
  /** Called with the child and its stderr so far whenever stderr grows (to signal it mid-run). */
  readonly onStderr?: (child: ReturnType<typeof spawn>, stderr: string) => void;
}

let fixture: RealSubset;
let workDir: string;
let cwd: string;
const tempDirs: string[] = [];

/** Runs `hubgen <args>` with the shared work dir and fixture data; never rejects on a non-zero exit. */
function hubgen(args: readonly string[], { env = {}, timeoutMs = 120_000, closeStdout = false, onStderr }: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [HUBGEN, '--work-dir', workDir, ...args], {
      cwd,
      env: cleanEnv({ HUBGEN_DATA_DIR: fixture.dir, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(child, stderr);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hubgen ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

/** Fails with the command's output, which is what one needs to see when a CLI test breaks. */
function expectExit(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

const runIdOf = (stdout: string): string => {
  const m = /^run (\S+): /m.exec(stdout);
  if (!m) throw new Error(`no run id in:\n${stdout}`);
  return m[1];
};

const readRunManifest = async (runId: string): Promise<RunManifest> => JSON.parse(await readFile(join(workDir, 'runs', runId, 'manifest.json'), 'utf8'));
const runIds = async (): Promise<string[]> => (existsSync(join(workDir, 'runs')) ? (await readdir(join(workDir, 'runs'))).sort() : []);
const artefactCount = async (): Promise<number> => (await readdir(join(workDir, 'artefacts'), { recursive: true })).filter((f) => f.endsWith('.json')).length;

/** The per-phase rows of the summary table: phase → its cells. */
function summaryRows(stdout: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (['themes', 'keywords', 'filter', 'assemble'].includes(cells[0]) && cells.length === 9) rows.set(cells[0], cells);
  }
  return rows;
}

const oneLine = (text: string): string[] => text.split('\n').filter(Boolean);

beforeAll(async () => {
  fixture = await writeRealSubset(20);
  await addUserWithoutHistory(fixture.dir, NO_HISTORY_USER);
  workDir = await mkdtemp(join(tmpdir(), 'hubgen-e2e-work-'));
  // An empty cwd: no hubgen.config.json, nothing relative to the checkout, as a user's shell would be.
  cwd = await mkdtemp(join(tmpdir(), 'hubgen-e2e-cwd-'));
  tempDirs.push(fixture.dir, workDir, cwd);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('hubgen CLI, end to end', () => {
  const [userA, userB] = ['1', '2'];
  let firstRun: { runId: string; manifest: RunManifest };
  let secondRunId: string;

  it('index embeds both collections and prints counts; a second index reuses everything and embeds nothing', async () => {
    const first = await hubgen(['index']);
    expectExit(first, 0);
    expect(first.stdout).toContain(`catalogue: ${fixture.products} products, ${fixture.categories} categories, 21 departments`);
    const terms = Number(/keyword corpus: (\d+) terms/.exec(first.stdout)?.[1]);
    expect(terms).toBeGreaterThan(100);
    expect(first.stdout).toContain(`hubgen_keywords: ${terms} points, written`);
    expect(first.stdout).toContain(`hubgen_products: ${fixture.products} points, written`);
    // Each distinct text is embedded once: a product name or a category equal to a keyword term is shared.
    const { catalogue } = (await loadDataset(fixture.dir)).dataset;
    const distinct = new Set([
      ...buildKeywordCorpus(catalogue).terms.map((t) => t.text),
      ...[...catalogue.products.values()].map((p) => productText(p)),
      ...[...catalogue.categories.values()].map((c) => categoryText(c.name)),
    ]);
    expect(Number(/embedding cache: \d+ hits, (\d+) newly embedded/.exec(first.stdout)?.[1])).toBe(distinct.size);
    expect(first.stderr).toMatch(/index ready in [\d.]+s \(embedded-usearch store, use-lite-512 embeddings\)/);
    // Piped: a plain line per 10% of the whole build, counting texts, with an ETA until the end.
    expect(first.stderr).toMatch(/^index: [\d,]+\/[\d,]+ texts \(hubgen_keywords\), eta \S+$/m);
    expect(first.stderr).toMatch(/^index: ([\d,]+)\/\1 texts \(hubgen_products\)$/m);
    expect(existsSync(join(workDir, 'index-state.json'))).toBe(true);

    const second = await hubgen(['index']);
    expectExit(second, 0);
    expect(second.stdout).toContain(`hubgen_keywords: ${terms} points, reused`);
    expect(second.stdout).toContain(`hubgen_products: ${fixture.products} points, reused`);
    expect(second.stdout).toContain('embedding cache: 0 hits, 0 newly embedded');
    expect(second.stderr).toContain(`hubgen_products: ${fixture.products} points already indexed (reused, nothing embedded)`);
    // Nothing was embedded, so no progress line either.
    expect(second.stderr).not.toMatch(/^index: /m);
  }, 180_000);

  it('search prints the keywords and products nearest a text', async () => {
    const r = await hubgen(['search', 'soda', '-k', '5']);
    expectExit(r, 0);
    const lines = r.stdout.split('\n');
    const kwAt = lines.indexOf('keywords for "soda":');
    const prAt = lines.indexOf('products for "soda":');
    expect(kwAt).toBe(0);
    expect(prAt).toBe(6);
    const keywords = lines.slice(1, 6);
    const products = lines.slice(7, 12);
    expect(keywords[0]).toMatch(/^\s+1\.000\s+soda\s+phrase\s+df=\d+\s+\[soft drinks\]/);
    expect(keywords.some((l) => /soft drinks\s+category/.test(l))).toBe(true);
    expect(products.filter((l) => /soda|cola/i.test(l) && l.trimEnd().endsWith('soft drinks')).length).toBeGreaterThanOrEqual(3);
    // Scores are printed best first.
    const scores = products.map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const unknownCategory = await hubgen(['search', 'soda', '--category', 'no such category']);
    expectExit(unknownCategory, 1);
    expect(unknownCategory.stderr.trim()).toBe('hubgen: --category: no category named "no such category"');
  }, 120_000);

  it('run writes a manifest, prints the per-phase summary and exits 0', async () => {
    const r = await hubgen(['run', '--users', `${userA},${userB}`]);
    expectExit(r, 0);
    const runId = runIdOf(r.stdout);
    expect(r.stdout).toContain(`run ${runId}: 2/2 pages ok, 0 failed (complete)`);
    expect(r.stdout).toMatch(/phase\s+pages\s+cache hit\s+escal\.\s+below thr\s+tok in\/out\s+spent\s+p50 ms\s+p95 ms/);
    const rows = summaryRows(r.stdout);
    expect([...rows.keys()]).toEqual(['themes', 'keywords', 'filter', 'assemble']);
    for (const cells of rows.values()) {
      expect(cells[1]).toBe('2');
      expect(cells[2]).toBe('0/2');
      expect(Number(cells[7])).toBeGreaterThan(0); // p50 ms of computed artefacts
    }
    expect(r.stdout).toMatch(/total spent this run: \$0\.00000 \(0 in \/ 0 out tokens, 0 model calls\)/);
    expect(r.stdout).toMatch(/page quality \(mean per page over 2\): [\d.]+ themes proposed → [\d.]+ on the page/);
    const manifestPath = join(workDir, 'runs', runId, 'manifest.json');
    expect(r.stdout).toContain(`manifest: ${manifestPath}`);
    expect(r.stdout).toContain(`inspect a page: hubgen show ${runId} ${userA}`);
    // The drift alarm speaks at the end of every run; the first has nothing to compare with.
    expect(r.stdout).toContain(`escalation drift: run ${runId} against the 0 cascaded runs before it (window 10)\nnot judged yet: 0 earlier run(s), 3 needed`);
    // Progress goes to stderr (one plain line per step on a pipe), never into the summary on stdout.
    expect(r.stderr).toContain('pages: 2/2');

    const manifest = await readRunManifest(runId);
    expect(manifest).toMatchObject({ runId, pipeline: 'cascaded', status: 'complete', requestedUsers: [userA, userB] });
    expect(Object.keys(manifest.rates!).sort()).toEqual(['filter', 'keywords', 'themes']);
    for (const u of [userA, userB]) {
      const rec = manifest.users[u];
      expect(rec.status).toBe('ok');
      expect(Object.keys(rec.phases!)).toEqual(['themes', 'keywords', 'filter', 'assemble']);
      for (const p of Object.values(rec.phases!)) {
        expect(p.cached).toBe(false);
        expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(rec.quality!.themesOnPage).toBeGreaterThan(0);
    }
    firstRun = { runId, manifest };
  }, 120_000);

  // Straight after the first run, so nothing else touches the work dir in between.
  it('re-running the same users is all cache hits and spends nothing', async () => {
    const before = await artefactCount();
    const r = await hubgen(['run', '--users', `${userA},${userB}`]);
    expectExit(r, 0);
    const rows = summaryRows(r.stdout);
    expect(rows.size).toBe(4);
    for (const cells of rows.values()) {
      expect(cells[2]).toBe('2/2');
      expect(cells[5]).toBe('0/0');
      expect(cells[6]).toBe('$0.00000');
      expect(cells[7]).toBe('–'); // nothing computed, so no latency
    }
    expect(r.stdout).toContain('total spent this run: $0.00000 (0 in / 0 out tokens, 0 model calls)');
    secondRunId = runIdOf(r.stdout);
    const manifest = await readRunManifest(secondRunId);
    for (const u of [userA, userB]) {
      for (const [name, p] of Object.entries(manifest.users[u].phases!)) {
        expect(p.cached).toBe(true);
        expect(p.hash).toBe(firstRun.manifest.users[u].phases![name].hash);
      }
    }
    expect(await artefactCount()).toBe(before);
  }, 60_000);

  it('runs lists the runs, oldest first', async () => {
    const r = await hubgen(['runs']);
    expectExit(r, 0);
    expect(oneLine(r.stdout)).toEqual([`run ${firstRun.runId}: 2/2 pages ok, 0 failed (complete)`, `run ${secondRunId}: 2/2 pages ok, 0 failed (complete)`]);
  }, 60_000);

  it('show latest prints themes, keywords with provenance, filter removals and products', async () => {
    const r = await hubgen(['show', 'latest', String(userA)]);
    expectExit(r, 0);
    const phases = firstRun.manifest.users[userA].phases!;
    const out = r.stdout;
    expect(out).toMatch(new RegExp(`^run ${secondRunId} · user ${userA} · \\d+ ms`));
    // Each phase's header names its artefact (hash prefix), in order.
    const headers = ['Phase 1 · themes', 'Phase 2 · keywords', 'Phase 3 · filter', 'Phase 4 · assemble'].map((t, i) =>
      out.indexOf(`== ${t} (${Object.values(phases)[i].hash.slice(0, 12)}, `),
    );
    expect(headers.every((at) => at > 0)).toBe(true);
    expect(headers).toEqual([...headers].sort((a, b) => a - b));
    // Themes, with the cascade that produced them.
    expect(out).toMatch(/cascade: local\[hubgen-local-v1\] ✓ \d\.\d\d/);
    expect(out).toMatch(/^page title: .+/m);
    expect(out).toMatch(/^ 1\. .+ \[[a-z0-9-]+\] conf \d\.\d\d$/m);
    // Keywords, with their provenance: candidates, accepted tier and model, confidence.
    expect(out).toMatch(/^[a-z0-9-]+: .+, .+$/m);
    expect(out).toMatch(/^ {4}\d+ candidates; accepted student\[hubgen-student-v1\] conf \d\.\d\d; cascade: student\[hubgen-student-v1\] ✓/m);
    // Filter removals, each with its step and reason, and the judge's verdicts.
    const removed = Number(/^kept \d+ themes; removed (\d+) items$/m.exec(out)?.[1]);
    expect(removed).toBeGreaterThan(0);
    expect(out.match(/^ {2}- \[(dedup|relevance|judge|policy)\] (theme|keyword) ".+" \(.+\).*: .+$/gm)).toHaveLength(removed);
    expect(out).toMatch(/^ {2}judge [a-z0-9-]+ by local\[[^\]]+\]: relevant_to_user [✓✗]/m);
    // Products, with score and the keyword that retrieved each.
    expect(out).toMatch(/^## .+ — \d+ products \(keywords: .+\)$/m);
    expect(out).toMatch(/^ {3}\d\.\d{3} {2}.+ {2}← ".+"$/m);
  }, 60_000);

  it('show into a reader that stops early (| head) exits quietly', async () => {
    const r = await hubgen(['show', 'latest', String(userA)], { closeStdout: true });
    expectExit(r, 0);
    expect(r.stderr).toBe('');
  }, 60_000);

  it('show --json prints the four artefacts as valid JSON', async () => {
    const r = await hubgen(['show', firstRun.runId.slice(0, 17), String(userB), '--json']);
    expectExit(r, 0);
    const arts = JSON.parse(r.stdout);
    expect(Object.keys(arts)).toEqual(['themes', 'keywords', 'filter', 'assemble']);
    const phases = firstRun.manifest.users[userB].phases!;
    for (const [name, art] of Object.entries(arts) as [string, { hash: string; key: { phase: string }; data: unknown; provenance: { attempts: unknown[] }; checksum: string }][]) {
      expect(art.hash).toBe(phases[name].hash);
      expect(art.checksum).toBeTruthy();
      expect(art.provenance.attempts).toBeInstanceOf(Array);
    }
    expect(arts.assemble.data.userId).toBe(userB);
    expect(arts.assemble.data.themes.length).toBeGreaterThan(0);
    expect(arts.themes.data.themes.length).toBeGreaterThanOrEqual(arts.assemble.data.themes.length);
  }, 60_000);

  it('inspect prints a stored artefact by hash prefix, verified; a prefix that matches nothing is a clear error', async () => {
    const hash = firstRun.manifest.users[userA].phases!.keywords.hash;
    const r = await hubgen(['inspect', hash.slice(0, 10)]);
    expectExit(r, 0);
    const art = JSON.parse(r.stdout);
    expect(art.hash).toBe(hash);
    expect(art.key.phase).toBe('keywords');
    expect(art.data.themes.length).toBeGreaterThan(0);

    const none = await hubgen(['inspect', 'zzzz']);
    expectExit(none, 1);
    expect(none.stderr.trim()).toBe('hubgen: no artefact starts with "zzzz"');
  }, 60_000);

  it('--users with an unknown id records it as a failed user, names it up front, and runs the rest', async () => {
    const r = await hubgen(['run', '--users', `${userA},999999999`]);
    expectExit(r, 3);
    expect(r.stderr).toContain('warning: 1 of 2 requested users are not in the dataset ("999999999"); each will be recorded as failed');
    const runId = runIdOf(r.stdout);
    const manifest = await readRunManifest(runId);
    expect(manifest.users[userA].status).toBe('ok');
    expect(manifest.users['999999999']).toMatchObject({ status: 'failed', error: expect.stringContaining('unknown user "999999999": not in the dataset') });
    expect(r.stdout).toContain('1/2 pages ok, 1 failed');

    const allUnknown = await hubgen(['run', '--users', '999999999,888888888']);
    expectExit(allUnknown, 1);
    expect(allUnknown.stderr).toContain('hubgen: --users: none of the 2 requested users is in the dataset ("999999999", "888888888"');

    const missing = await hubgen(['show', runId, '777']);
    expectExit(missing, 1);
    expect(missing.stderr).toMatch(/^hubgen: User 777 is not in run \S+ \(users: 1, 999999999\)$/m);
  }, 60_000);

  it('SIGTERM mid-run finishes the users in flight, records the run as interrupted (exit 143), and --run-id resumes it', async () => {
    // One user at a time: the signal lands after the first page, so the last user is never started.
    const users = ['3', '4', userA];
    let sent = false;
    const r = await hubgen(['run', '--users', users.join(','), '--concurrency', '1'], {
      onStderr: (child, stderr) => {
        if (!sent && stderr.includes('pages: 1/3')) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(sent).toBe(true);
    expectExit(r, 143);
    expect(r.stderr).toContain('SIGTERM: finishing users in flight, then writing the manifest');
    const runId = runIdOf(r.stdout);
    const manifest = await readRunManifest(runId);
    expect(manifest.status).toBe('interrupted');
    expect(manifest.users[users[0]].status).toBe('ok');
    expect(manifest.users[userA]).toBeUndefined();
    const done = Object.keys(manifest.users).length;
    expect(r.stdout).toContain(`run ${runId}: ${done}/${done} pages ok, 0 failed, ${3 - done} not started (interrupted)`);
    expect(r.stdout).toContain(`resume: hubgen run --run-id ${runId}`);

    // Resuming needs only the id: the run's own users, and only those not done yet.
    const resumed = await hubgen(['run', '--run-id', runId]);
    expectExit(resumed, 0);
    expect(resumed.stdout).toContain(`run ${runId}: 3/3 pages ok, 0 failed (complete)`);
    const after = await readRunManifest(runId);
    expect(after.status).toBe('complete');
    expect(after.users[users[0]].finishedAt).toBe(manifest.users[users[0]].finishedAt);
    expect(after.users[userA].phases!.assemble.cached).toBe(true);

    const unknown = await hubgen(['run', '--run-id', 'no-such-run']);
    expectExit(unknown, 1);
    expect(unknown.stderr).toMatch(/^hubgen: --run-id no-such-run: no such run under .+; give --users to start a run with this id$/m);
  }, 120_000);

  it('a user without order history gets a cold-start page, and an empty one is called out, not hidden behind "ok"', async () => {
    const r = await hubgen(['run', '--users', String(NO_HISTORY_USER)]);
    expectExit(r, 0);
    const runId = runIdOf(r.stdout);
    const rec = (await readRunManifest(runId)).users[NO_HISTORY_USER];
    expect(rec.status).toBe('ok');
    if (rec.quality!.themesOnPage === 0) {
      expect(r.stdout).toContain(`run ${runId}: 1/1 pages ok (1 empty), 0 failed (complete)`);
      expect(r.stdout).toMatch(new RegExp(`^ {2}empty page for user ${NO_HISTORY_USER}: \\d+ themes proposed; .+ \\(hubgen show ${runId} ${NO_HISTORY_USER}\\)$`, 'm'));
    } else {
      expect(r.stdout).toContain(`run ${runId}: 1/1 pages ok, 0 failed (complete)`);
    }
    const show = await hubgen(['show', runId, String(NO_HISTORY_USER)]);
    expectExit(show, 0);
    expect(show.stdout).toContain('there is not enough history yet to personalise this');
  }, 60_000);

  it('an invalid config value fails with one line naming the file and the JSON path', async () => {
    const file = join(cwd, 'bad.config.json');
    await writeFile(file, JSON.stringify({ run: { concurrency: 0 }, phases: { themes: { cascade: [{ role: 'local', threshold: 1.5 }] } } }));
    const r = await hubgen(['--config', file, 'run', '--users', String(userA)]);
    expectExit(r, 1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^hubgen: Invalid config ${file.replace(/[.]/g, '\\.')}: .*/run/concurrency must be >= 1`));
    expect(r.stderr).toContain('/phases/themes/cascade/0/threshold must be <= 1');

    await writeFile(file, '{ "run": ');
    const notJson = await hubgen(['--config', file, 'config']);
    expectExit(notJson, 1);
    expect(oneLine(notJson.stderr)).toEqual([expect.stringMatching(/^hubgen: Invalid config .*bad\.config\.json: not valid JSON/)]);

    const flag = await hubgen(['run', '--users', String(userA), '--concurrency', '0']);
    expectExit(flag, 1);
    expect(flag.stderr.trim()).toBe('hubgen: --concurrency must be a positive integer, got "0"');
  }, 60_000);

  it('a bad CSV row stops the run naming file, line and field; --lenient warns with the count and goes on', async () => {
    const bad = await copyWithBadOrderRow(fixture.dir);
    tempDirs.push(bad.dir);
    const strict = await hubgen(['run', '--users', String(userA)], { env: { HUBGEN_DATA_DIR: bad.dir } });
    expectExit(strict, 1);
    expect(oneLine(strict.stderr)).toHaveLength(1);
    expect(strict.stderr.startsWith(`hubgen: ${join(bad.dir, 'orders_sample.csv')} line ${bad.line}, field order_dow = "9": `)).toBe(true);
    expect(strict.stdout).toBe('');

    const lenient = await hubgen(['--lenient', 'run', '--users', String(userA)], { env: { HUBGEN_DATA_DIR: bad.dir } });
    expectExit(lenient, 0);
    expect(lenient.stderr).toContain(`warning: --lenient skipped 1 bad data row (first: ${join(bad.dir, 'orders_sample.csv')} line ${bad.line}, field order_dow = "9": `);
    expect(lenient.stderr).toContain(`see ${join(workDir, 'logs', 'hubgen.log')}`);
    expect(lenient.stdout).toMatch(/^run \S+: 1\/1 pages ok, 0 failed \(complete\)$/m);
    // The skipped row belonged to no listed user: same catalogue, same index, same artefacts.
    for (const cells of summaryRows(lenient.stdout).values()) expect(cells[2]).toBe('1/1');
  }, 60_000);

  it('eval --simulate writes report.md, report.html and result.json naming the simulated roles', async () => {
    const evalDir = await mkdtemp(join(tmpdir(), 'hubgen-e2e-eval-'));
    tempDirs.push(evalDir);
    const out = join(evalDir, 'report');
    const r = await hubgen(['eval', '--simulate', '--users', `${userA},${userB}`, '--variants', 'cascaded,single-step,single-step-local', '--out', out], { timeoutMs: 170_000 });
    expectExit(r, 0);
    expect(r.stderr).toMatch(/^simulating cheap, strong, teacher, judge on http:\/\/127\.0\.0\.1:\d+\/v1: token counts are real, answers are placeholders$/m);
    expect(r.stdout).toContain(`report: ${join(out, 'report.md')}`);
    for (const f of ['report.md', 'report.html', 'result.json']) expect(existsSync(join(out, f))).toBe(true);

    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8'));
    expect(result.users).toEqual([userA, userB]);
    expect(result.simulatedRoles).toEqual(['cheap', 'strong', 'teacher', 'judge']);
    expect(result.models.cheap).toMatchObject({ provider: 'openai', simulated: true });
    expect(result.models.local).toMatchObject({ provider: 'local', simulated: false });
    expect(result.variants.map((v: { name: string }) => v.name)).toEqual(['cascaded', 'single-step', 'single-step-local']);

    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## What was simulated');
    expect(md).toMatch(/Simulated tiers: cheap \(gpt-4o-mini\), strong \(gpt-4o\), teacher \(gpt-4o\), judge \(gpt-4o-mini\)/);
    for (const v of ['cascaded', 'single-step', 'single-step-local']) expect(md).toMatch(new RegExp(`^\\| ${v} \\| 2 \\| 0 \\|`, 'm'));
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>What was simulated</h2>');
    expect(html).toContain('Simulated tiers: cheap (gpt-4o-mini)');
    // The calibration section counts what the simulator produced.
    expect(md).toMatch(/## Calibration\n\n\d+ labelled tier answers from 2 users .* from variant cascaded of this eval\./);
    expect(md).toMatch(/Simulated roles: cheap, strong, teacher, judge\. \d+ of \d+ records are answers of a simulated tier/);

    // hubgen calibrate reads the same records back from the eval's folder.
    const calibrated = await hubgen(['calibrate', '--from', out, '--report-dir', join(evalDir, 'calibration')]);
    expectExit(calibrated, 0);
    expect(calibrated.stdout).toMatch(/^\d+ labelled tier answers from 2 users/);
    expect(calibrated.stdout).toContain(`report: ${join(evalDir, 'calibration', 'calibration.md')}`);
  }, 180_000);

  it('schedule with a seconds cron, --now and --max-runs 1 runs once and exits', async () => {
    const before = await runIds();
    const r = await hubgen(['schedule', '--cron', '* * * * * *', '--max-runs', '1', '--now', '--users', `${userA},${userB}`], { timeoutMs: 90_000 });
    expectExit(r, 0);
    expect(r.stderr).toMatch(/^scheduled "\* \* \* \* \* \*"; next run \d{4}-\d\d-\d\dT/m);
    expect(r.stdout.match(/^run \S+: 2\/2 pages ok, 0 failed \(complete\)$/gm)).toHaveLength(1);
    const added = (await runIds()).filter((id) => !before.includes(id));
    expect(added).toEqual([runIdOf(r.stdout)]);
  }, 120_000);

  it('schedule rejects a bad user list or cron expression at start, and SIGTERM stops an idle scheduler', async () => {
    const badUsers = await hubgen(['schedule', '--cron', '0 2 * * *', '--users', '999999999']);
    expectExit(badUsers, 1);
    expect(badUsers.stderr).toContain('hubgen: --users: none of the 1 requested users is in the dataset ("999999999"');

    const badCron = await hubgen(['schedule', '--cron', 'nightly', '--users', String(userA)]);
    expectExit(badCron, 1);
    expect(badCron.stderr.trim()).toBe(`hubgen: --cron "nightly": invalid configuration format ('nightly'), exactly five or six space separated parts are required.`);
    const badZone = await hubgen(['schedule', '--cron', '0 2 * * *', '--timezone', 'Mars/Base', '--users', String(userA)]);
    expectExit(badZone, 1);
    expect(badZone.stderr).toContain('hubgen: --cron "0 2 * * *" --timezone Mars/Base: Invalid time zone specified: Mars/Base');

    let sent = false;
    const idle = await hubgen(['schedule', '--cron', '0 2 * * *', '--users', String(userA)], {
      onStderr: (child, stderr) => {
        if (!sent && stderr.includes('next run')) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(sent).toBe(true);
    expectExit(idle, 0);
  }, 90_000);

  it('config prints the effective config and which roles are usable', async () => {
    const r = await hubgen(['config']);
    expectExit(r, 0);
    const cfg = JSON.parse(r.stdout);
    expect(cfg.workDir).toBe(workDir);
    expect(cfg.dataDir).toBe(fixture.dir);
    expect(cfg.roles.cheap).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    const [dataset, ...roleLines] = oneLine(r.stderr);
    expect(dataset).toBe(`dataset        instacart at ${fixture.dir} (dataDir is set by HUBGEN_DATA_DIR)`);
    const roles = new Map(roleLines.map((l) => [l.split(/\s+/)[0], l]));
    expect([...roles.keys()]).toEqual(['local', 'cheap', 'strong', 'student', 'teacher', 'judge', 'embedder', 'cross_encoder']);
    for (const local of ['local', 'student', 'embedder', 'cross_encoder']) expect(roles.get(local)).not.toContain('skipped');
    expect(roles.get('embedder')).toMatch(/^embedder\s+local\/use-lite-512$/);
    for (const llm of ['cheap', 'strong', 'teacher', 'judge']) expect(roles.get(llm)).toContain('skipped: provider "openai" needs OPENAI_API_KEY');

    // A keyless OpenAI-compatible server makes the LLM roles usable.
    const withServer = await hubgen(['config'], { env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    expectExit(withServer, 0);
    expect(JSON.parse(withServer.stdout).providers.openai.baseURL).toBe('http://127.0.0.1:9/v1');
    expect(withServer.stderr).not.toContain('skipped');

    const schema = await hubgen(['config', '--schema']);
    expectExit(schema, 0);
    expect(JSON.parse(schema.stdout)).toEqual(JSON.parse(await readFile(resolve(fileURLToPath(new URL('..', import.meta.url)), 'hubgen.config.schema.json'), 'utf8')));
  }, 60_000);
});
