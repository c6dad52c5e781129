import { resolve } from 'node:path';
import { configFrom, type GlobalOptions } from './options.js';
import type { Runtime } from '../../pipelines/runtime.js';
import { indexAll, jsonIndexState, type IndexSummary } from '../../retrieval/index-catalogue.js';
import { createCliLogger } from '../logger.js';
import { createProgress } from '../progress.js';
import type { Dataset } from '../../instacart/load.js';
import { sampleUsers } from '../../instacart/history.js';
import { describeProblem } from '../../instacart/data-error.js';

export { configFrom, type GlobalOptions } from './options.js';

/** Builds the runtime, runs `fn`, and always closes workers and stores, even on failure. */
export async function withRuntime<T>(
  opts: GlobalOptions,
  fn: (rt: Runtime) => Promise<T>,
  { overrides = {}, env = process.env }: { overrides?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const config = configFrom(opts, overrides);
  const { logger, file } = createCliLogger(resolve(config.workDir), opts.logLevel);
  logger.info({ argv: process.argv.slice(2), logFile: file }, 'hubgen start');
  // Loaded here, not at the top: the models and stores behind it take seconds to import, and
  // show, runs, inspect and config never need them.
  const { createRuntime } = await import('../../pipelines/runtime.js');
  const rt = await createRuntime({ config, logger, env, lenient: opts.lenient });
  if (rt.loadReport.skipped?.length) {
    const { skipped } = rt.loadReport;
    process.stderr.write(`warning: --lenient skipped ${skipped.length} bad data row${skipped.length === 1 ? '' : 's'} (first: ${describeProblem(skipped[0])}); see ${file}\n`);
  }
  try {
    return await fn(rt);
  } finally {
    await rt.close();
    logger.flush();
  }
}

/** Makes sure both collections exist and are current; prints what it did. */
export async function ensureIndexed(rt: Runtime, { force = false, quiet = false } = {}): Promise<IndexSummary[]> {
  // Measured in estimated embedding work, not texts, so the ETA holds across short keywords and long product names.
  const progress = createProgress('index', process.stderr, { eta: true });
  const t0 = performance.now();
  const summaries = await indexAll(rt.ctx, {
    force,
    state: jsonIndexState(resolve(rt.ctx.config.workDir, 'index-state.json')),
    // Only embedding work reports progress: a reused collection never shows a bar.
    onProgress: (p) => progress.update(p.workDone, p.workTotal, p.collection, `${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} texts`),
  });
  progress.stop();
  // A build is minutes of work: persist it now, not only when the run that follows ends.
  if (summaries.some((s) => !s.reused)) {
    await (rt.ctx.vectors as { flush?: () => Promise<void> }).flush?.();
    await (rt.ctx.embedder as { flush?: () => Promise<void> }).flush?.();
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (!quiet || summaries.some((s) => !s.reused)) {
    for (const s of summaries) {
      process.stderr.write(`${s.collection}: ${s.points} points ${s.reused ? 'already indexed (reused, nothing embedded)' : 'indexed'}\n`);
    }
    process.stderr.write(`index ready in ${seconds}s (${rt.ctx.vectors.kind} store, ${rt.ctx.embedder.id} embeddings)\n`);
  }
  return summaries;
}

const EVAL_SETS = ['train', 'test', 'unknown'] as const;
type EvalSet = (typeof EVAL_SETS)[number];

/**
 * "1,2,3" | "sample:N" | "sample:N:train" → user ids, validated against the dataset. Repeated ids
 * run once (two concurrent runs of one user would only duplicate work); a spec that selects nobody
 * is an error rather than an empty run.
 */
export function parseUsers(spec: string, dataset: Dataset): number[] {
  const m = /^sample:(\d+)(?::([a-z,]+))?$/.exec(spec.trim());
  if (m) {
    const n = Number(m[1]);
    const evalSets = m[2]?.split(',');
    const bad = evalSets?.find((e) => !(EVAL_SETS as readonly string[]).includes(e));
    if (bad) throw new Error(`--users: "${bad}" in "${spec}" is not an eval set (use ${EVAL_SETS.join(', ')})`);
    const users = sampleUsers(dataset, n, { evalSets: evalSets as EvalSet[] | undefined });
    if (!users.length) throw new Error(`--users: "${spec}" selects no users (need users with order history and a target order; the dataset has ${dataset.users.length} users)`);
    return users;
  }
  const ids = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new Error(`--users: "${spec}" names no users (expected e.g. 1,2,3 or sample:20)`);
  const known = new Set(dataset.users.map((u) => u.userId));
  return [
    ...new Set(
      ids.map((s) => {
        const id = Number(s);
        if (!Number.isInteger(id) || id <= 0) throw new Error(`--users: "${s}" is not a user id (expected e.g. 1,2,3 or sample:20)`);
        if (!known.has(id)) throw new Error(`--users: user ${id} is not in the dataset (${known.size} users; try sample:N)`);
        return id;
      }),
    ),
  ];
}
