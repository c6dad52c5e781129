/**
 * First start: what a newcomer's `npm start` (`hubgen run --users sample:20`) costs on an empty work
 * directory (no embedding cache, no index, no artefacts), then on the same directory a second time.
 * Timestamps each milestone the CLI prints: the index searchable (keyword corpus built), the first
 * page, the run summary, the whole index ready, the process exit. Target (issue 10): first page
 * ≤ 120 s, second start's summary ≤ 5 s. Writes bench/results/first-start.{json,md}.
 *   BENCH_FIRST_START_USERS=sample:20 npm run bench -- first-start
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const USERS = process.env.BENCH_FIRST_START_USERS ?? 'sample:20';

/** What the CLI prints at each milestone (scripts/commands/run.ts, scripts/commands/shared.ts). */
const MILESTONES = {
  searchable: /^index searchable in /,
  firstPage: /^first page: /,
  summary: /^run \S+: \d+\/\d+ pages ok/,
  indexReady: /^index ready in /,
} as const;
type Milestone = keyof typeof MILESTONES;

interface Start {
  /** Seconds from spawn to each milestone seen. */
  readonly at: Partial<Record<Milestone | 'exit', number>>;
  readonly exitCode: number | null;
  readonly cpuSeconds: number;
  readonly loadAvgBefore: number;
  readonly firstPageLine?: string;
}

function start(workDir: string): Promise<Start> {
  const loadAvgBefore = os.loadavg()[0];
  const cpuBefore = childCpuSeconds();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'scripts/hubgen.mjs'), 'run', '--users', USERS], {
    cwd: root,
    env: { ...process.env, HUBGEN_WORK_DIR: workDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const at: Start['at'] = {};
  let firstPageLine: string | undefined;
  const watch = (stream: NodeJS.ReadableStream) =>
    createInterface({ input: stream }).on('line', (line) => {
      process.stderr.write(`  ${line}\n`);
      for (const [name, re] of Object.entries(MILESTONES) as [Milestone, RegExp][]) {
        if (at[name] === undefined && re.test(line)) {
          at[name] = (performance.now() - t0) / 1000;
          if (name === 'firstPage') firstPageLine = line;
        }
      }
    });
  watch(child.stdout!);
  watch(child.stderr!);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      at.exit = (performance.now() - t0) / 1000;
      resolve({ at, exitCode: code, cpuSeconds: Math.round((childCpuSeconds() - cpuBefore) * 10) / 10, loadAvgBefore, firstPageLine });
    });
  });
}

/**
 * CPU seconds (user + system, every thread) of the children this process has waited for: cutime and
 * cstime of /proc/self/stat, in clock ticks of 1/100 s. The difference across one start is its CPU.
 */
function childCpuSeconds(): number {
  const raw = readFileSync('/proc/self/stat', 'utf8');
  // The command name is in parentheses and may hold spaces: count fields after it (state is field 3).
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);

const workDir = mkdtempSync(join(tmpdir(), 'hubgen-first-start-'));
try {
  console.error(`first start on an empty work dir (${workDir}), users ${USERS}`);
  const first = await start(workDir);
  console.error('second start on the same work dir');
  const second = await start(workDir);
  const out = {
    runAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    users: USERS,
    first: { ...first, at: Object.fromEntries(Object.entries(first.at).map(([k, v]) => [k, round(v)])) },
    second: { ...second, at: Object.fromEntries(Object.entries(second.at).map(([k, v]) => [k, round(v)])) },
    targets: { firstPageS: 120, secondSummaryS: 5 },
  };
  const results = join(here, 'results');
  writeFileSync(join(results, 'first-start.json'), JSON.stringify(out, null, 2) + '\n');
  const cell = (v: number | undefined) => (v === undefined ? '–' : `${round(v)} s`);
  const verdict = (v: number | undefined, target: number) => (v !== undefined && v <= target ? '✓' : '✗');
  const md = [
    `## First start (\`npm run bench -- first-start\`)`,
    '',
    `Run ${out.runAt} on ${out.machine.cpus} × ${out.machine.model}, Node ${out.machine.node}. \`hubgen run --users ${USERS}\` on an empty work directory (no embedding cache, index or artefacts: a fresh clone's \`npm start\`), then again on the same directory. Seconds from the process start to each line the CLI prints; load average (1 min) just before each start.`,
    '',
    '| start | load before | index searchable | first page | run summary | index ready | exit | CPU (all threads) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...(
      [
        ['first', first],
        ['second', second],
      ] as const
    ).map(([name, s]) => `| ${name} | ${s.loadAvgBefore.toFixed(2)} | ${cell(s.at.searchable)} | ${cell(s.at.firstPage)} | ${cell(s.at.summary)} | ${cell(s.at.indexReady)} | ${cell(s.at.exit)} | ${s.cpuSeconds} s |`),
    '',
    `Targets: first page of the first start ≤ 120 s → **${cell(first.at.firstPage)} ${verdict(first.at.firstPage, 120)}**; second start's summary ≤ 5 s → **${cell(second.at.summary)} ${verdict(second.at.summary, 5)}**. The second start finds the index current (nothing to search early) and every page a cached artefact.`,
    '',
    first.firstPageLine ? `First start's first page: \`${first.firstPageLine}\`` : '',
  ].join('\n');
  writeFileSync(join(results, 'first-start.md'), md + '\n');
  console.error(md);
  if (first.exitCode !== 0 || second.exitCode !== 0) process.exitCode = 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
