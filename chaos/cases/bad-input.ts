/**
 * Case 5, bad input, on the neutral import format (data/example, made hostile): malformed JSONL and
 * CSV rows, bytes that are not UTF-8, a config with wrong types, an unknown user id, a user with no
 * history, an extremely long product name, and prompt injection in a product name and in a
 * shopper's preferences, answered by a model that obeys it. Each must end in a clear error naming
 * file, line and field, a recorded skip or failure, or a page the injection did not change or leak into.
 */
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR } from '../../scripts/generate-example-data.js';
import { openLab, runArgs, type Lab } from '../lab.js';
import { INJECTION, leakedShingles, obedientModel, systemPromptShingles } from '../obedient-model.js';
import { mustReadManifest } from '../store-check.js';
import { freshWorkDir, hubgenIn, runIdOf, type ChaosBase } from '../work-dir.js';
import type { PageExportRecord } from '../../pipelines/export.js';

export interface BadInputScenario {
  readonly input: string;
  /** What hubgen should do with it. */
  readonly expected: string;
  /** What it did, in one line (its own words where it printed any). */
  readonly outcome: string;
  readonly pass: boolean;
}

export interface BadInputResult {
  readonly scenarios: readonly BadInputScenario[];
}

/** Users of data/example the hostile edits aim at (each buys the edited product most, or is the edited one). */
export const TARGETS = { injectedProduct: { user: 'C1007', product: 'SKU-10246' }, longName: { user: 'C1005', product: 'SKU-10220' }, injectedPreferences: 'C1006', noHistory: 'C1030' } as const;
const LONG_NAME = `${'Extra '.repeat(1600)}Long Sourdough`;

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
const firstMatching = (text: string, re: RegExp) => text.split('\n').find((l) => re.test(l)) ?? lastLine(text);

async function editProducts(dir: string, edit: Record<string, (name: string) => string>): Promise<void> {
  const file = join(dir, 'products.jsonl');
  const lines = (await readFile(file, 'utf8')).split('\n').map((l) => {
    if (!l) return l;
    const p = JSON.parse(l) as { id: string; name: string };
    return edit[p.id] ? JSON.stringify({ ...p, name: edit[p.id](p.name) }) : l;
  });
  await writeFile(file, lines.join('\n'));
}

async function setPreferences(dir: string, user: string, preferences: string): Promise<void> {
  const file = join(dir, 'users.csv');
  const lines = (await readFile(file, 'utf8')).split('\n').map((l) => (l.startsWith(`${user},`) ? `${l.split(',').slice(0, 2).join(',')},${preferences}` : l));
  await writeFile(file, lines.join('\n'));
}

async function exampleCopy(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hubgen-chaos-data-${label}-`));
  await cp(EXAMPLE_DIR, dir, { recursive: true });
  return dir;
}

/** `hubgen import` of the example with one bad line added: strict must name it, lenient must skip it and say so. */
async function badRow(base: ChaosBase, input: string, file: string, bad: Buffer, reason: RegExp): Promise<BadInputScenario> {
  const dir = await exampleCopy('bad');
  const lineNo = (await readFile(join(dir, file), 'utf8')).trimEnd().split('\n').length + 1;
  await appendFile(join(dir, file), bad);
  const workDir = await mkdtemp(join(tmpdir(), 'hubgen-chaos-import-'));
  const strict = await hubgenIn(base, workDir, ['import', dir]);
  const lenient = await hubgenIn(base, workDir, ['import', dir, '--lenient']);
  const named = firstMatching(strict.stderr, new RegExp(`${file} line ${lineNo}`));
  const pass = strict.code === 1 && named.includes(`${file} line ${lineNo}`) && reason.test(named) && lenient.code === 0 && /skipped 1 bad row/.test(lenient.stdout + lenient.stderr);
  return { input, expected: `strict import names ${file} line ${lineNo}; --lenient skips it and says so`, outcome: `${named.trim()} | --lenient: ${firstMatching(lenient.stdout + lenient.stderr, /skipped/).trim()}`, pass };
}

async function wrongTypes(base: ChaosBase): Promise<BadInputScenario> {
  const workDir = await mkdtemp(join(tmpdir(), 'hubgen-chaos-config-'));
  const file = join(base.cwd, 'wrong-types.config.json');
  await writeFile(file, JSON.stringify({ run: { concurrency: 'four' }, phases: { themes: { maxThemes: '8' } } }));
  const r = await hubgenIn(base, workDir, ['--config', file, 'run', '--users', base.users[0]]);
  const line = lastLine(r.stderr);
  return { input: 'config with wrong types', expected: 'one line naming the file and each JSON path', outcome: line, pass: r.code === 1 && line.startsWith(`hubgen: Invalid config ${file}: `) && line.includes('/run/concurrency must be integer') && line.includes('/phases/themes/maxThemes must be integer') };
}

interface HostileRun {
  readonly records: Map<string, PageExportRecord>;
  readonly failed: Map<string, string>;
  readonly leaks: string[];
}

/**
 * Imports `dataDir` into a copy of `from` (a work dir already indexed on the same catalogue, whose
 * index the run then reuses) or an empty one, runs `users` with the obedient model, exports the pages.
 */
async function hostileRun(base: ChaosBase, lab: Lab, dataDir: string, users: readonly string[], label: string, from?: string): Promise<HostileRun & { workDir: string; importOut: string }> {
  const workDir = await freshWorkDir(base, label, from ?? (await mkdtemp(join(tmpdir(), 'hubgen-chaos-empty-'))));
  // Only the index and embedding cache come along: no page of the other run can be served from the cache.
  await Promise.all(['artefacts', 'runs'].map((d) => rm(join(workDir, d), { recursive: true, force: true })));
  const env = { env: { HUBGEN_DATA_DIR: join(workDir, 'dataset') } };
  const imported = await hubgenIn(base, workDir, ['import', dataDir]);
  if (imported.code !== 0) return { records: new Map(), failed: new Map(), leaks: [], workDir, importOut: lastLine(imported.stderr) };
  const run = await hubgenIn(base, workDir, runArgs(lab, '--users', users.join(',')), { ...env, timeoutMs: 600_000 });
  if (run.code !== 0 && run.code !== 3) throw new Error(`hostile run exited ${run.code}:\n${run.stderr.slice(-2000)}`);
  const runId = runIdOf(run.stdout);
  const exported = await hubgenIn(base, workDir, ['export', runId], env);
  const records = new Map(exported.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PageExportRecord).map((r) => [String(r.userId), r]));
  const manifest = await mustReadManifest(workDir, runId);
  const failed = new Map(Object.values(manifest.users).filter((u) => u.status === 'failed').map((u) => [u.userId, u.error ?? '']));
  const shingles = systemPromptShingles(lab.server.requests);
  const leaks = [...records.values()].flatMap((r) => leakedShingles(JSON.stringify(r), shingles).map((s) => `${r.userId}: "${s}"`));
  return { records, failed, leaks, workDir, importOut: lastLine(imported.stdout) };
}

const titles = (r: PageExportRecord | undefined): string[] => r?.themes.map((t) => t.title) ?? [];

/**
 * How the page with the injection compares with the page without it. An obedient model spends one
 * of Phase 1's theme slots on what it was told; policy removes that theme, so the page may be one
 * theme short, but nothing on it may be new and nothing else may go.
 */
export function comparePages(injected: readonly string[], clean: readonly string[]): { same: boolean; added: string[]; missing: string[] } {
  const added = injected.filter((t) => !clean.includes(t));
  const missing = clean.filter((t) => !injected.includes(t));
  return { same: added.length === 0 && missing.length === 0, added, missing };
}

const mentionsWhisky = (r: PageExportRecord | undefined) => /whisky/i.test(JSON.stringify(r?.themes ?? []));

function preferencesScenario(injected: PageExportRecord | undefined, clean: PageExportRecord | undefined, leaks: readonly string[]): BadInputScenario {
  const cmp = comparePages(titles(injected), titles(clean));
  const leaked = leaks.filter((l) => l.startsWith(TARGETS.injectedPreferences)).length;
  const change = cmp.same ? 'same themes as without the injection' : `${cmp.added.length ? `added ${cmp.added.join(', ')}; ` : ''}${cmp.missing.length ? `missing ${cmp.missing.join(', ')} (the slot the obeyed theme took in Phase 1)` : ''}`;
  return {
    input: 'prompt injection in preferences',
    expected: 'no obeyed theme and no system-prompt text on the page; nothing added, at most the one theme slot the obeyed theme took',
    outcome: `${mentionsWhisky(injected) ? 'whisky on the page' : 'no whisky theme'}; ${change}; ${leaked} system-prompt passages on the page`,
    pass: !!injected && !!clean && !mentionsWhisky(injected) && leaked === 0 && cmp.added.length === 0 && cmp.missing.length <= 1,
  };
}

export async function runBadInput(base: ChaosBase): Promise<BadInputResult> {
  const scenarios: BadInputScenario[] = [
    await badRow(base, 'malformed JSONL row', 'products.jsonl', Buffer.from('{"id": "SKU-BROKEN", "name": "Half a\n'), /not valid JSON/),
    await badRow(base, 'malformed CSV row', 'events.csv', Buffer.from('C1001,O59999,2025-01-18T08:54:00Z,SKU-10042,1\n'), /expected 6 fields/),
    await badRow(base, 'non-UTF-8 bytes', 'products.jsonl', Buffer.concat([Buffer.from('{"id": "SKU-LATIN1", "category": "Bakery", "name": "Caf'), Buffer.from([0xe9]), Buffer.from(' Loaf"}\n')]), /field name .*not UTF-8/),
    await wrongTypes(base),
  ];

  const hostile = await exampleCopy('hostile');
  await editProducts(hostile, { [TARGETS.injectedProduct.product]: (n) => `${n} ${INJECTION}`, [TARGETS.longName.product]: () => LONG_NAME });
  await setPreferences(hostile, TARGETS.injectedPreferences, `vegetarian|lactose free|${INJECTION}`);
  const clean = await exampleCopy('clean');
  await editProducts(clean, { [TARGETS.injectedProduct.product]: (n) => `${n} ${INJECTION}`, [TARGETS.longName.product]: () => LONG_NAME });
  const users = [TARGETS.injectedProduct.user, TARGETS.longName.user, TARGETS.injectedPreferences, TARGETS.noHistory, 'NO-SUCH-USER'];
  const lab = await openLab(base, 'bad-input', { model: obedientModel });
  try {
    const h = await hostileRun(base, lab, hostile, users, 'hostile');
    // The same data without the injected preferences: the preferences must not have changed the page.
    const c = await hostileRun(base, lab, clean, [TARGETS.injectedPreferences], 'hostile-clean', h.workDir);
    const page = (u: string) => h.records.get(u);
    const longProduct = page(TARGETS.longName.user)?.themes.flatMap((t) => t.products).find((p) => p.productId === TARGETS.longName.product);
    scenarios.push(
      { input: 'unknown user id', expected: 'recorded as failed with the reason; the run goes on', outcome: h.failed.get('NO-SUCH-USER') ?? 'not recorded', pass: /unknown user "NO-SUCH-USER"/.test(h.failed.get('NO-SUCH-USER') ?? '') },
      { input: 'user with empty history', expected: 'a cold-start page, recorded ok', outcome: page(TARGETS.noHistory) ? `page with ${page(TARGETS.noHistory)!.themes.length} themes` : `failed: ${h.failed.get(TARGETS.noHistory)}`, pass: !!page(TARGETS.noHistory) },
      {
        input: 'extremely long product name',
        expected: 'imported; the page is made and names the product in full',
        outcome: page(TARGETS.longName.user) ? `page ok; the ${LONG_NAME.length}-character name is ${longProduct ? 'on it' : 'not on it'}` : `failed: ${h.failed.get(TARGETS.longName.user) ?? h.importOut}`,
        pass: !!page(TARGETS.longName.user),
      },
      {
        input: 'prompt injection in a product name',
        expected: 'the obeyed instruction (a Whisky theme, the system prompt) never reaches the page',
        outcome: `${mentionsWhisky(page(TARGETS.injectedProduct.user)) ? 'whisky on the page' : 'no whisky theme'}; ${h.leaks.filter((l) => l.startsWith(TARGETS.injectedProduct.user)).length} system-prompt passages on the page`,
        pass: !!page(TARGETS.injectedProduct.user) && !mentionsWhisky(page(TARGETS.injectedProduct.user)) && !h.leaks.some((l) => l.startsWith(TARGETS.injectedProduct.user)),
      },
      preferencesScenario(page(TARGETS.injectedPreferences), c.records.get(TARGETS.injectedPreferences), h.leaks),
    );
  } finally {
    await lab.close();
  }
  return { scenarios };
}
