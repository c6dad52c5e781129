import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../catalogue/data-error.js';
import type { Dataset } from '../catalogue/types.js';
import { INSTACART_MARKER_FILES, loadDataset as loadInstacart } from './instacart/load.js';
import type { LoadOptions, LoadReport } from './load-report.js';
import { findNeutralFiles, isNeutralDataset } from './neutral/files.js';
import { loadImportedDataset, MANIFEST_FILE } from './neutral/imported.js';
import { loadNeutralFiles } from './neutral/load.js';

export type { LoadOptions, LoadReport } from './load-report.js';

/** imported: written by `hubgen import`; neutral: products/events files as a retailer wrote them; instacart: the Kaggle files. */
export type DatasetKind = 'imported' | 'neutral' | 'instacart';

/** A data directory, what it holds, and why it is the one in use (for `hubgen config` and logs). */
export interface DataSource {
  readonly dir: string;
  readonly kind: DatasetKind;
  readonly why: string;
}

/**
 * The bundled Instacart sample, found from this file rather than the cwd, so `npx hubgen` works
 * anywhere: the nearest folder above this module that holds data/instacart (the package root,
 * whether this runs from the sources or from the built dist/).
 */
export const BUNDLED_DATA_DIR = bundledDataDir(dirname(fileURLToPath(import.meta.url)));

function bundledDataDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'data', 'instacart');
    if (existsSync(join(candidate, 'products.csv'))) return candidate;
    if (dirname(dir) === dir) return join(from, '..', 'data', 'instacart'); // not found: the error names where it looked
  }
}

/** Where `hubgen import` writes by default, under the work dir, and where the runtime looks for it. */
export const importedDatasetDir = (workDir: string): string => resolve(workDir, 'dataset');

/** What a directory holds, by the files in it. Throws a DataError saying what it expected when it holds none of them. */
export function detectDatasetKind(dir: string): DatasetKind {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError({ file: dir, reason: 'data directory does not exist' });
  if (existsSync(join(dir, MANIFEST_FILE))) return 'imported';
  if (isNeutralDataset(findNeutralFiles(dir))) return 'neutral';
  if (INSTACART_MARKER_FILES.every((f) => existsSync(join(dir, f)))) return 'instacart';
  throw new DataError({
    file: dir,
    reason: `holds no dataset: expected ${MANIFEST_FILE} (written by hubgen import), products.* with users.* or events.* (.jsonl or .csv), or the Instacart files (${INSTACART_MARKER_FILES.join(', ')}, …)`,
  });
}

export interface ResolveDataSourceOptions {
  /** Where an explicit dataDir came from ("--data", "HUBGEN_DATA_DIR", "hubgen.config.json"), to say so. */
  readonly dataDirFrom?: string;
}

/**
 * Which data a command uses: an explicit dataDir (config file, HUBGEN_DATA_DIR or --data) wins;
 * otherwise a dataset imported into <workDir>/dataset; otherwise the bundled Instacart sample.
 */
export function resolveDataSource({ dataDir, workDir }: { readonly dataDir?: string; readonly workDir: string }, { dataDirFrom }: ResolveDataSourceOptions = {}): DataSource {
  if (dataDir) {
    const dir = resolve(dataDir);
    return { dir, kind: detectDatasetKind(dir), why: `dataDir is set${dataDirFrom ? ` by ${dataDirFrom}` : ''}` };
  }
  const imported = importedDatasetDir(workDir);
  if (existsSync(join(imported, MANIFEST_FILE))) return { dir: imported, kind: 'imported', why: 'imported into the work dir by hubgen import; no dataDir is set' };
  return { dir: BUNDLED_DATA_DIR, kind: 'instacart', why: `the bundled Instacart sample: no dataDir is set and nothing was imported into ${imported}` };
}

/** Loads a data directory with the adapter its files call for; a string is detected first. */
export async function loadDataset(source: DataSource | string, options: LoadOptions = {}): Promise<{ dataset: Dataset; report: LoadReport; source: DataSource }> {
  const src = typeof source === 'string' ? { dir: resolve(source), kind: detectDatasetKind(resolve(source)), why: 'given' } : source;
  switch (src.kind) {
    case 'imported': {
      const { dataset, report } = await loadImportedDataset(src.dir, options);
      return { dataset, report, source: src };
    }
    case 'neutral': {
      const { dataset, report } = await loadNeutralFiles(findNeutralFiles(src.dir), options);
      return { dataset, report, source: src };
    }
    case 'instacart': {
      const { dataset, report } = await loadInstacart(src.dir, options);
      return { dataset, report, source: src };
    }
  }
}
