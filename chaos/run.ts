/**
 * `npm run chaos`: every fault and bad-input case at full size, one after another, on one indexed
 * real slice of the Instacart sample; writes bench/results/chaos.json and chaos.md and prints the
 * table (the one in the README). Progress goes to stderr, one line per step.
 *
 *   CHAOS_USERS=200 CHAOS_KILLS=20 npm run chaos
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBadInput } from './cases/bad-input.js';
import { runBudget } from './cases/budget.js';
import { runConcurrentRuns } from './cases/concurrent-runs.js';
import { runCrashResume } from './cases/crash-resume.js';
import { runProviderFaults } from './cases/provider-faults.js';
import { runStorageFaults } from './cases/storage-faults.js';
import { chaosMarkdown, chaosRows, type ChaosResults } from './report.js';
import { prepareChaosBase, removeChaosBase, removeWorkDirs } from './work-dir.js';

const USERS = Number(process.env.CHAOS_USERS ?? 200);
const KILLS = Number(process.env.CHAOS_KILLS ?? 20);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results');

const t0 = performance.now();
const progress = (step: string) => process.stderr.write(`chaos ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s  ${step}\n`);

/** Runs one case, saying when it starts and ends; the work dirs it copied are removed after it. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  progress(`${name}…`);
  try {
    return await run();
  } finally {
    await removeWorkDirs();
    progress(`${name} done`);
  }
}

progress(`indexing a real slice of ${USERS} users (the real sentence encoder; done once, copied per case)`);
const base = await prepareChaosBase(USERS);
try {
  const providerFaults = await step(`provider faults: ${USERS} users, no faults, then 20% of calls failing`, () => runProviderFaults(base, { users: base.users, rate: 0.2, seed: 12, concurrency: 4 }));
  const crashResume = await step(`crash and resume: ${KILLS} SIGKILLs`, () =>
    runCrashResume(base, { users: base.users.slice(0, 2), kills: KILLS, seed: 12, concurrency: 2, onScenario: (s) => progress(`  kill aimed at ${s.point}: ${s.hit}; resume ${s.resumedComplete ? 'complete' : 'INCOMPLETE'}; ${s.repeatedPaidCalls} paid calls repeated`) }),
  );
  const storage = await step('storage faults', () => runStorageFaults(base, { users: base.users.slice(0, 3), more: base.users.slice(3, 5) }));
  const budget = await step('budget: concurrency 8', () => runBudget(base, { users: base.users.slice(0, 24), concurrency: 8, share: 0.4, latencyMs: 150 }));
  const badInput = await step('bad input', () => runBadInput(base));
  const concurrency = await step('two runs on one run id', () => runConcurrentRuns(base, { users: base.users.slice(0, 4), concurrency: 1 }));

  const results: ChaosResults = {
    ranAt: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end`,
    wallS: (performance.now() - t0) / 1000,
    providerFaults,
    crashResume,
    storage,
    budget,
    badInput,
    concurrency,
  };
  // Maps do not serialise; the per-user call counts go out as plain objects.
  const json = JSON.stringify(results, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 1);
  await writeFile(join(RESULTS, 'chaos.json'), json);
  const md = chaosMarkdown(results);
  await writeFile(join(RESULTS, 'chaos.md'), md);
  process.stdout.write(`${md}\n`);
  const broken = chaosRows(results).filter((r) => !r.held);
  progress(`wrote bench/results/chaos.json and chaos.md; ${broken.length ? `${broken.length} rows broke a promise: ${broken.map((r) => r.tried).join('; ')}` : 'every promise held'}`);
  process.exitCode = broken.length ? 1 : 0;
} finally {
  await removeChaosBase(base);
}
