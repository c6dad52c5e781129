import { resolve } from 'node:path';
import { configFrom, type GlobalOptions } from './options.js';
import type { Runtime } from '../../pipelines/runtime.js';
import { indexAll, jsonIndexState, type IndexSummary } from '../../retrieval/index-catalogue.js';
import { createCliLogger } from '../logger.js';
import { createProgress } from '../progress.js';
import type { Dataset } from '../../catalogue/types.js';
import { readFileSync } from 'node:fs';
import { parseUserSelection, selectUsers, splitIds, type UserSelection } from '../../pipelines/select-users.js';
import { describeProblem } from '../../catalogue/data-error.js';

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
  const progress = createProgress('index');
  const embedding = new Set<string>();
  const t0 = performance.now();
  const summaries = await indexAll(rt.ctx, {
    force,
    batchSize: Math.max(rt.ctx.config.embedding.batchSize * rt.ctx.config.embedding.workers * 2, 256),
    state: jsonIndexState(resolve(rt.ctx.config.workDir, 'index-state.json')),
    // A reused collection reports done at once, before anything is embedded: no progress line for it
    // (a written one gets its "indexed" line below), so a bar only ever shows embedding work.
    onProgress: (p) => {
      if (p.done === p.total && !embedding.has(p.collection)) return;
      embedding.add(p.collection);
      progress.update(p.done, p.total, p.collection);
    },
  });
  progress.stop();
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (!quiet || summaries.some((s) => !s.reused)) {
    for (const s of summaries) {
      process.stderr.write(`${s.collection}: ${s.points} points ${s.reused ? 'already indexed (reused, nothing embedded)' : 'indexed'}\n`);
    }
    process.stderr.write(`index ready in ${seconds}s (${rt.ctx.vectors.kind} store, ${rt.ctx.embedder.id} embeddings)\n`);
  }
  return summaries;
}

/**
 * `--users` → user ids: ids ("1,2,3"), `@file` (one id per line, `#` comments), `all`, or
 * `sample:N[:segment,…]`. Unknown ids are kept (each becomes a per-user failure in the manifest and
 * the run goes on) and named once on stderr, so a typo is visible before the run starts.
 */
export function parseUsers(spec: string, dataset: Dataset): string[] {
  const trimmed = spec.trim();
  let selection: UserSelection;
  if (trimmed.startsWith('@')) {
    const file = trimmed.slice(1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`--users ${trimmed}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    selection = { kind: 'ids', ids: splitIds(text) };
  } else {
    selection = parseUserSelection(trimmed);
  }
  const { users, unknown } = selectUsers(selection, dataset);
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((id) => `"${id}"`).join(', ');
    process.stderr.write(`warning: ${unknown.length} of ${users.length} requested users are not in the dataset (${shown}${unknown.length > 5 ? ', …' : ''}); each will be recorded as failed\n`);
  }
  return [...users];
}
