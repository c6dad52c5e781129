/**
 * Pipeline benchmark on the embedded default (local tiers, USE embeddings, embedded vector store):
 * N real users, cold (empty artefact store) then warm (same store), side by side in one process.
 * The vector index and embedding cache are built first and are not part of either figure.
 * Writes bench/results/pipeline.json and pipeline.md.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../config/config.js';
import { createRuntime } from '../pipelines/runtime.js';
import { FsArtefactStore } from '../kit/artefacts/fs-store.js';
import { runCascadedPage } from '../pipelines/cascaded.js';
import { userContextFor } from '../catalogue/user-context.js';
import { sampleUsers } from '../catalogue/history.js';
import { indexAll, jsonIndexState } from '../retrieval/index-catalogue.js';
import { quantile } from '../pipelines/summary.js';
import { runFilter } from '../phases/filter/index.js';
import { runAssemble } from '../phases/assemble/index.js';
import type { Ctx } from '../kit/context.js';

const N = Number(process.env.BENCH_USERS ?? 100);
const here = dirname(fileURLToPath(import.meta.url));
const config = loadConfig({});
const logger = pino({ level: process.env.HUBGEN_LOG_LEVEL ?? 'warn' });
const load0 = performance.now();
const rt = await createRuntime({ config, logger });
const startupMs = performance.now() - load0;
await indexAll(rt.ctx, { state: jsonIndexState(join(config.workDir, 'index-state.json')) });
const users = sampleUsers(rt.dataset, N);
const contexts = users.map((u) => userContextFor(rt.dataset, u));
const ctx: Ctx = { ...rt.ctx, artefacts: new FsArtefactStore(mkdtempSync(join(tmpdir(), 'hubgen-bench-artefacts-'))) };

interface Pass {
  wallMs: number;
  perUserMs: number[];
  hits: number;
  artefacts: number;
  phase34Ms: number[];
}

async function pass(): Promise<Pass> {
  const perUserMs: number[] = [];
  const phase34Ms: number[] = [];
  let hits = 0;
  let artefacts = 0;
  const t0 = performance.now();
  for (const user of contexts) {
    const u0 = performance.now();
    const { phases } = await runCascadedPage({ user }, ctx);
    perUserMs.push(performance.now() - u0);
    for (const r of Object.values(phases)) {
      artefacts++;
      if (r.cached) hits++;
    }
    // Phase 3 + 4 on their own: computed time when cold, a cached round trip when warm.
    phase34Ms.push(
      phases.filter.cached && phases.assemble.cached
        ? await (async () => {
            const s = performance.now();
            const f = await runFilter({ user, themes: phases.themes.artefact, keywords: phases.keywords.artefact }, ctx);
            await runAssemble({ user, filtered: f.artefact }, ctx);
            return performance.now() - s;
          })()
        : phases.filter.artefact.provenance.latencyMs + phases.assemble.artefact.provenance.latencyMs,
    );
  }
  return { wallMs: performance.now() - t0, perUserMs, hits, artefacts, phase34Ms };
}

const cold = await pass();
const warm = await pass();
await rt.close();

const med = (xs: number[]) => quantile(xs, 0.5)!;
const result = {
  ranAt: new Date().toISOString(),
  users: users.length,
  startupMs,
  dataLoadMs: rt.loadReport.elapsedMs,
  note: 'embedded default: local tiers only, USE-lite embeddings, embedded vector store; the index is built beforehand and the embedding cache is warm from indexing (product texts) and earlier runs, so cold means an empty artefact store',
  cold: { wallMs: cold.wallMs, perUserP50Ms: med(cold.perUserMs), perUserP95Ms: quantile(cold.perUserMs, 0.95), hitRate: cold.hits / cold.artefacts, phase34P50Ms: med(cold.phase34Ms) },
  warm: { wallMs: warm.wallMs, perUserP50Ms: med(warm.perUserMs), perUserP95Ms: quantile(warm.perUserMs, 0.95), hitRate: warm.hits / warm.artefacts, phase34P50Ms: med(warm.phase34Ms) },
  warmOverCold: warm.wallMs / cold.wallMs,
  targets: { warmHitRate: '>= 0.99', warmOverCold: '<= 0.05' },
};
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'pipeline.json'), JSON.stringify(result, null, 2));
const f = (n: number | undefined, d = 1) => (n === undefined ? '–' : n.toFixed(d));
writeFileSync(
  join(resultsDir, 'pipeline.md'),
  [
    `## Pipeline: ${result.users} real users, cold vs warm (${result.ranAt})`,
    '',
    result.note + '.',
    '',
    `Start-up (load and validate the CSVs, stats, corpus, embedder, vector store): ${f(startupMs / 1000)} s, of which CSV loading ${f(rt.loadReport.elapsedMs / 1000)} s.`,
    '',
    '| pass | wall s | per user p50 ms | per user p95 ms | artefact hit rate | phase 3+4 per page p50 ms |',
    '|---|---:|---:|---:|---:|---:|',
    `| cold | ${f(cold.wallMs / 1000)} | ${f(result.cold.perUserP50Ms)} | ${f(result.cold.perUserP95Ms)} | ${(result.cold.hitRate * 100).toFixed(1)}% | ${f(result.cold.phase34P50Ms)} |`,
    `| warm | ${f(warm.wallMs / 1000)} | ${f(result.warm.perUserP50Ms)} | ${f(result.warm.perUserP95Ms)} | ${(result.warm.hitRate * 100).toFixed(1)}% | ${f(result.warm.phase34P50Ms)} |`,
    '',
    `Warm / cold wall time: **${(result.warmOverCold * 100).toFixed(2)}%** (target ≤ 5%); warm hit rate **${(result.warm.hitRate * 100).toFixed(1)}%** (target ≥ 99%).`,
  ].join('\n') + '\n',
);
console.log(JSON.stringify(result, null, 2));
