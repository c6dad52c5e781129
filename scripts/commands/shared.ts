import { resolve } from 'node:path';
import { configFrom, configOverrides, type GlobalOptions } from './options.js';
import type { Runtime } from '../../pipelines/runtime.js';
import type { IndexSummary } from '../../retrieval/index-catalogue.js';
import type { Hubgen } from '../../api/hubgen.js';
import { createCliLogger } from '../logger.js';
import { createProgress } from '../progress.js';
import type { Dataset } from '../../catalogue/types.js';
import { readFileSync } from 'node:fs';
import { parseUserSelection, selectUsers, splitIds, type UserSelection } from '../../pipelines/select-users.js';
import { describeProblem } from '../../catalogue/data-error.js';

export { configFrom, type GlobalOptions } from './options.js';

/**
 * Builds hubgen exactly as the library does (createHubgen, from the same config precedence), runs
 * `fn`, and always closes workers and stores, even on failure. The CLI is a layer over the API.
 */
export async function withHubgen<T>(
  opts: GlobalOptions,
  fn: (hubgen: Hubgen) => Promise<T>,
  { overrides = {}, env = process.env }: { overrides?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const config = configFrom(opts, overrides);
  const { logger, file } = createCliLogger(resolve(config.workDir), opts.logLevel);
  logger.info({ argv: process.argv.slice(2), logFile: file }, 'hubgen start');
  // Loaded here, not at the top: the models and stores behind it take seconds to import, and
  // show, runs, inspect and config never need them.
  const { createHubgen } = await import('../../api/hubgen.js');
  const hubgen = await createHubgen({ configFile: opts.config, config: configOverrides(opts, overrides), env, logger, lenient: opts.lenient });
  const { loadReport } = hubgen.runtime;
  if (loadReport.skipped?.length) {
    const { skipped } = loadReport;
    process.stderr.write(`warning: --lenient skipped ${skipped.length} bad data row${skipped.length === 1 ? '' : 's'} (first: ${describeProblem(skipped[0])}); see ${file}\n`);
  }
  try {
    return await fn(hubgen);
  } finally {
    await hubgen.close();
    logger.flush();
  }
}

/** For commands that work on the runtime (context, dataset) directly. */
export const withRuntime = <T>(opts: GlobalOptions, fn: (rt: Runtime) => Promise<T>, more?: Parameters<typeof withHubgen>[2]): Promise<T> =>
  withHubgen(opts, (hubgen) => fn(hubgen.runtime), more);

/** Makes sure both collections exist and are current (through the API); prints what it did. */
export async function ensureIndexed(hubgen: Hubgen, options: { force?: boolean; quiet?: boolean } = {}): Promise<IndexSummary[]> {
  // It waits for all of it, so saying that searches could start early would only be noise.
  return (await startIndexed(hubgen, { ...options, searchableEarly: false })).done;
}

/**
 * Starts the index with a progress bar and resolves once pages can be made; `done` resolves (after
 * printing what was built) when all of it is. A first start builds the products collection in the
 * background, so its first pages come while the rest of the catalogue is embedded.
 */
export async function startIndexed(
  hubgen: Hubgen,
  { force = false, quiet = false, searchableEarly = true }: { force?: boolean; quiet?: boolean; searchableEarly?: boolean } = {},
): Promise<{ readonly building: readonly string[]; readonly done: Promise<IndexSummary[]> }> {
  // Measured in estimated embedding work, not texts, so the ETA holds across short keywords and long product names.
  const progress = createProgress('index', process.stderr, { eta: true });
  const t0 = performance.now();
  const { building, done } = await hubgen.startIndex({
    force,
    // Only embedding work reports progress: a reused collection never shows a bar.
    onProgress: (p) => progress.update(p.workDone, p.workTotal, p.collection, `${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} texts`),
  });
  const { vectors, embedder } = hubgen.runtime.ctx;
  if (building.length && searchableEarly) {
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    progress.note(`index searchable in ${seconds}s; ${building.join(', ')} still building in the background (each search waits only for the categories it filters on)`);
  }
  const reported = done.then(
    (summaries) => {
      progress.stop();
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      if (!quiet || summaries.some((s) => !s.reused)) {
        for (const s of summaries) {
          progress.note(`${s.collection}: ${s.points} points ${s.reused ? 'already indexed (reused, nothing embedded)' : 'indexed'}`);
        }
        progress.note(`index ready in ${seconds}s (${vectors.kind} store, ${embedder.id} embeddings)`);
      }
      return summaries;
    },
    (e: unknown) => {
      progress.stop();
      throw e;
    },
  );
  reported.catch(() => {}); // the caller awaits it; a run that fails first reports its own error
  return { building, done: reported };
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
