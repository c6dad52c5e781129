import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom, type GlobalOptions } from './shared.js';
import { listRuns, readManifest, resolveRunId } from '../../pipelines/manifest.js';
import { summariseRun, formatRunSummary } from '../../pipelines/summary.js';
import { createArtefactStore } from '../../kit/artefacts/create-store.js';
import type { ArtefactStore } from '../../kit/artefacts/store.js';
import { checkDrift, formatDrift } from '../../pipelines/drift.js';
import { DRIFT_EXIT_CODE } from './run.js';
import type { Artefact } from '../../kit/artefacts/artefact.js';
import { formatPageReport } from '../../pipelines/page-report.js';
import type { Themes } from '../../phases/themes/schema.js';
import type { Keywords } from '../../phases/keywords/schema.js';
import type { Filtered } from '../../phases/filter/schema.js';
import type { Page } from '../../phases/assemble/schema.js';

async function load<T>(store: ArtefactStore, hash: string | undefined): Promise<Artefact<T> | undefined> {
  if (!hash) return undefined;
  const r = await store.read<T>(hash);
  if (r.status === 'corrupt') throw new Error(`artefact ${hash} is corrupt: ${r.problem} (re-run the user to recompute it)`);
  return r.status === 'hit' ? r.artefact : undefined;
}

export function registerShowCommands(program: Command, globals: () => GlobalOptions): void {
  const runsDirOf = () => resolve(configFrom(globals()).workDir, 'runs');
  /** The store the config names (a queue run's pages may be in Redis), closed when `fn` is done. */
  const withStore = async <T>(fn: (store: ArtefactStore) => Promise<T>): Promise<T> => {
    const store = await createArtefactStore(configFrom(globals()));
    try {
      return await fn(store);
    } finally {
      await store.close?.();
    }
  };

  program
    .command('show <run> <user>')
    .description('print one user\'s page phase by phase: themes, keywords, removals and products, with per-tier provenance ("latest" for the newest run)')
    .option('--json', 'print the four artefacts as JSON')
    .action(async (runRef: string, userArg: string, opts: { json?: boolean }) => {
      const runsDir = runsDirOf();
      const runId = await resolveRunId(runsDir, runRef);
      const manifest = (await readManifest(runsDir, runId))!;
      const rec = manifest.users[userArg];
      if (!rec) {
        const ids = Object.keys(manifest.users);
        throw new Error(`User ${userArg} is not in run ${runId} (users: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`);
      }
      if (rec.status === 'failed') {
        console.log(`user ${rec.userId} failed in run ${runId}: ${rec.error}`);
        process.exitCode = 3;
        return;
      }
      const p = rec.phases ?? {};
      const arts = await withStore(async (store) => ({
        themes: await load<Themes>(store, p.themes?.hash),
        keywords: await load<Keywords>(store, p.keywords?.hash),
        filter: await load<Filtered>(store, p.filter?.hash),
        assemble: await load<Page>(store, p.assemble?.hash),
      }));
      if (opts.json) return console.log(JSON.stringify(arts, null, 2));
      console.log(`run ${runId} · user ${rec.userId} · ${rec.wallMs} ms`);
      console.log(formatPageReport(arts));
    });

  program
    .command('runs')
    .description('list runs with their summaries; --drift compares the latest run\'s escalation rates with the runs before it')
    .option('-n, --last <n>', 'how many', (v) => Number.parseInt(v, 10), 10)
    .option('--drift', 'compare the latest run\'s per-phase escalation and below-threshold rates with a rolling window of earlier runs (config drift)')
    .option('--window <n>', 'earlier runs in the baseline (default: config drift.window)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--window must be a positive integer, got "${v}"`);
      return n;
    })
    .option('--fail-on-drift', `with --drift (implied): exit ${DRIFT_EXIT_CODE} when a rate drifted, for cron`)
    .action(async (opts: { last: number; drift?: boolean; window?: number; failOnDrift?: boolean }) => {
      const config = configFrom(globals());
      const runsDir = runsDirOf();
      if (opts.drift || opts.failOnDrift) {
        const check = await checkDrift(runsDir, { ...config.drift, ...(opts.window ? { window: opts.window } : {}) });
        for (const line of formatDrift(check)) console.log(line);
        if (check.drifted && opts.failOnDrift) process.exitCode = DRIFT_EXIT_CODE;
        return;
      }
      const runs = await listRuns(runsDir);
      if (!runs.length) return console.log(`no runs under ${runsDir}`);
      for (const id of runs.slice(-opts.last)) {
        const m = await readManifest(runsDir, id);
        if (m) console.log(`${formatRunSummary(summariseRun(m)).split('\n')[0]}`);
      }
    });

  program
    .command('inspect <hash>')
    .description('print one stored artefact (full hash or unique prefix) as JSON, verified against its checksum')
    .action(async (ref: string) => {
      await withStore(async (store) => {
        const matches: string[] = [];
        for await (const h of store.list()) if (h.startsWith(ref)) matches.push(h);
        if (matches.length !== 1) throw new Error(matches.length ? `"${ref}" matches ${matches.length} artefacts; give more characters` : `no artefact starts with "${ref}"`);
        const r = await store.read(matches[0]);
        if (r.status !== 'hit') throw new Error(`artefact ${matches[0]}: ${r.status === 'corrupt' ? r.problem : 'missing'}`);
        console.log(JSON.stringify(r.artefact, null, 2));
      });
    });
}
