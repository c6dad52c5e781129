import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import { DataError } from '../../catalogue/data-error.js';
import type { Dataset } from '../../catalogue/types.js';
import type { LoadOptions } from '../load-report.js';
import { loadNeutralFiles, type NeutralLoad, type SourceSummary } from './load.js';
import { datasetManifestSchema, FORMAT_VERSION, type DatasetManifest } from './schema.js';

/** What marks a directory as a dataset `hubgen import` wrote. */
export const MANIFEST_FILE = 'dataset.json';

const FILES = { products: 'products.jsonl', users: 'users.jsonl', events: 'events.jsonl' } as const;

const jsonl = (records: readonly object[]): string => records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');

/**
 * The dataset in the input format itself (JSONL), normalised: ids as strings, category paths as
 * arrays, tags in lower case, one event per order line carrying its order's id, seq and time, so
 * loading it again gives the same dataset whatever order or format the sources had.
 */
export function normalisedFiles(dataset: Dataset, orderTimes: ReadonlyMap<string, readonly (number | undefined)[]>): Record<keyof typeof FILES, string> {
  const { catalogue } = dataset;
  const products = [...catalogue.products.values()].map((p) => ({
    id: p.id,
    name: p.name,
    category: catalogue.categories.get(p.categoryId)!.path,
    ...(p.brand !== undefined ? { brand: p.brand } : {}),
    ...(p.price !== undefined ? { price: p.price } : {}),
    ...(p.size !== undefined ? { size: p.size } : {}),
    ...(p.tags.length ? { tags: p.tags } : {}),
    available: p.available,
  }));
  const users = [...dataset.users.values()].map((u) => ({
    id: u.id,
    ...(u.segment !== undefined ? { segment: u.segment } : {}),
    ...(u.preferences.length ? { preferences: u.preferences } : {}),
  }));
  const events = [...dataset.ordersByUser].flatMap(([userId, orders]) =>
    orders.flatMap((o, i) => {
      const time = orderTimes.get(userId)?.[i];
      return o.lines.map((l) => ({
        user_id: userId,
        order_id: o.id,
        seq: o.seq,
        ...(time !== undefined ? { timestamp: new Date(time).toISOString() } : {}),
        product_id: l.productId,
        quantity: l.quantity,
      }));
    }),
  );
  return { products: jsonl(products), users: jsonl(users), events: jsonl(events) };
}

export interface WriteImportOptions {
  readonly out: string;
  readonly name: string;
  readonly load: NeutralLoad;
  readonly lenient: boolean;
  /** Injected in tests; the import time recorded in dataset.json. */
  readonly now?: Date;
}

export interface WrittenDataset {
  readonly dir: string;
  readonly manifest: DatasetManifest;
  readonly files: readonly string[];
}

/**
 * Writes the normalised files and dataset.json to `out`, replacing an earlier import there. The new
 * dataset is written beside `out` and renamed into place, so a failed import leaves the old one whole.
 * A directory that is not an earlier import is never replaced: `--out .` must not empty someone's folder.
 */
export async function writeImportedDataset({ out, name, load, lenient, now = new Date() }: WriteImportOptions): Promise<WrittenDataset> {
  const dir = resolve(out);
  if (existsSync(dir) && readdirSync(dir).length && !existsSync(join(dir, MANIFEST_FILE))) {
    throw new DataError({ file: dir, reason: `exists and is not an imported dataset (no ${MANIFEST_FILE}); choose an empty or new directory for --out` });
  }
  const texts = normalisedFiles(load.dataset, load.orderTimes);
  const digest = createHash('sha256');
  for (const kind of ['products', 'users', 'events'] as const) digest.update(texts[kind]);
  const { dataset } = load;
  const orders = [...dataset.ordersByUser.values()];
  const manifest: DatasetManifest = {
    format: 'hubgen-dataset',
    version: FORMAT_VERSION,
    name,
    importedAt: now.toISOString(),
    files: { ...FILES },
    counts: {
      products: dataset.catalogue.products.size,
      categories: dataset.catalogue.categories.size,
      departments: dataset.catalogue.departments.size,
      users: dataset.users.size,
      usersWithOrders: dataset.ordersByUser.size,
      orders: orders.reduce((n, o) => n + o.length, 0),
      events: orders.reduce((n, os) => n + os.reduce((m, o) => m + o.lines.length, 0), 0),
    },
    digest: `sha256:${digest.digest('hex')}`,
    sources: load.sources.map((s: SourceSummary) => ({ file: resolve(s.file), kind: s.kind, rows: s.rows, skipped: s.skipped, sha256: s.sha256 })),
    lenient,
    skipped: load.report.skipped.length,
  };
  const staging = join(dirname(dir), `.${basename(dir)}.import-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  try {
    for (const kind of ['products', 'users', 'events'] as const) await writeFile(join(staging, FILES[kind]), texts[kind]);
    await writeFile(join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    const previous = existsSync(dir) ? `${staging}.previous` : undefined;
    if (previous) await rename(dir, previous);
    await rename(staging, dir);
    if (previous) await rm(previous, { recursive: true, force: true });
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  return { dir, manifest, files: [...Object.values(FILES), MANIFEST_FILE].map((f) => join(dir, f)) };
}

/** dataset.json, validated: the loader trusts what it names only after this. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const file = join(dir, MANIFEST_FILE);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new DataError({ file, reason: DataError.isInstance(e) ? e.reason : `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  const validate = compileSchema<DatasetManifest>(datasetManifestSchema);
  if (!validate(value)) throw new DataError({ file, reason: `not a hubgen dataset manifest: ${describeErrors(validate.errors)}` });
  return value as DatasetManifest;
}

/**
 * An imported dataset: its normalised files read with the same validation as any input, then
 * checked against the manifest's digest, so a file edited or truncated since the import is caught
 * here rather than showing up as odd pages.
 */
export async function loadImportedDataset(dir: string, { logger }: LoadOptions = {}): Promise<NeutralLoad & { manifest: DatasetManifest }> {
  const manifest = await readDatasetManifest(dir);
  const { files } = manifest;
  const load = await loadNeutralFiles(
    { products: [join(dir, files.products)], users: [join(dir, files.users)], events: [join(dir, files.events)] },
    { name: manifest.name, logger },
  );
  if (`sha256:${load.digest}` !== manifest.digest) {
    throw new DataError({ file: join(dir, MANIFEST_FILE), field: 'digest', value: manifest.digest, reason: `the files no longer match it (now sha256:${load.digest}): they changed after the import; run hubgen import again` });
  }
  return { ...load, manifest };
}
