import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { DataError, type DataProblem } from '../../catalogue/data-error.js';
import type { Dataset } from '../../catalogue/types.js';
import { BadRowsError } from '../bad-rows-error.js';
import type { LoadOptions, LoadReport } from '../load-report.js';
import { buildDataset, type Located } from './build.js';
import { classifyFile, type NeutralFiles } from './files.js';
import { readRows } from './read-rows.js';
import { checkHeader, parseRecord, type RowOfKind } from './records.js';
import type { RecordKind } from './schema.js';

export interface NeutralLoadOptions extends LoadOptions {
  /** The dataset's name (default: the name of the first products file's directory). */
  readonly name?: string;
  /** Bytes read so far of all files together, for a progress bar on large inputs. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** One input file: what it held, how many rows were kept and skipped, and its sha256. */
export interface SourceSummary {
  readonly file: string;
  readonly kind: RecordKind;
  readonly rows: number;
  readonly skipped: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface NeutralLoad {
  readonly dataset: Dataset;
  readonly report: LoadReport;
  readonly sources: readonly SourceSummary[];
  /** sha256 of every file's bytes in read order (products, users, events): an imported dataset checks its digest with it. */
  readonly digest: string;
  /** Each user's order times (epoch ms) by position; see BuildResult.orderTimes. */
  readonly orderTimes: ReadonlyMap<string, readonly (number | undefined)[]>;
}

interface KindRows<K extends RecordKind> {
  readonly rows: Located<RowOfKind[K]>[];
  /** Ids of rejected rows whose id could be read, with the problem. */
  readonly rejected: Map<string, DataProblem>;
}

/**
 * Reads and validates every row of every file, checks rows against each other, and builds the
 * neutral model. Strict (the default): every bad row is collected and thrown together as a
 * BadRowsError. Lenient: bad rows, and events that referred to them, are skipped and reported.
 */
export async function loadNeutralFiles(files: NeutralFiles, { lenient = false, logger, name, onProgress }: NeutralLoadOptions = {}): Promise<NeutralLoad> {
  const started = performance.now();
  if (!files.products.length) throw new DataError({ file: files.events[0] ?? files.users[0] ?? '.', reason: 'no products file (products.jsonl or products.csv)' });
  if (!files.users.length && !files.events.length) throw new DataError({ file: files.products[0], reason: 'no users or events file next to the products: there is nobody to make pages for' });
  const order = [...files.products.map((f) => ['products', f] as const), ...files.users.map((f) => ['users', f] as const), ...files.events.map((f) => ['events', f] as const)];
  const sizes = await Promise.all(order.map(async ([, f]) => (await stat(f).catch(() => ({ size: 0 }))).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let doneBytes = 0;

  const problems: DataProblem[] = [];
  const digest = createHash('sha256');
  const perFile = new Map<string, { kind: RecordKind; rows: number; bytes: number; sha256: string }>();
  const read = async <K extends RecordKind>(kind: K, list: readonly string[]): Promise<KindRows<K>> => {
    const out: KindRows<K> = { rows: [], rejected: new Map() };
    for (const file of list) {
      const fileHash = createHash('sha256');
      const format = classifyFile(file, { suffixes: true })?.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
      const before = doneBytes;
      let rows = 0;
      const items = readRows(file, format, {
        onChunk: (chunk) => {
          fileHash.update(chunk);
          digest.update(chunk);
        },
        onProgress: (bytes) => onProgress?.(before + bytes, totalBytes),
      });
      for await (const item of items) {
        if (item.kind === 'header') checkHeader(kind, file, item.columns);
        else if (item.kind === 'bad') problems.push(item.problem);
        else {
          const parsed = parseRecord(kind, file, item.line, item.fields, format);
          if ('row' in parsed) {
            out.rows.push({ file, line: item.line, row: parsed.row });
            rows++;
          } else {
            problems.push(parsed.problem);
            if (parsed.id !== undefined && !out.rejected.has(parsed.id)) out.rejected.set(parsed.id, parsed.problem);
          }
        }
      }
      const bytes = sizes[order.findIndex(([, f]) => f === file)];
      doneBytes += bytes;
      perFile.set(file, { kind, rows, bytes, sha256: fileHash.digest('hex') });
    }
    return out;
  };
  const products = await read('products', files.products);
  const users = await read('users', files.users);
  const events = await read('events', files.events);

  const built = buildDataset({
    name: name ?? defaultName(files),
    products: products.rows,
    users: files.users.length ? users.rows : undefined,
    events: events.rows,
    rejectedProducts: products.rejected,
    rejectedUsers: users.rejected,
  });
  problems.push(...built.problems);
  // Consequences are not reported in strict mode: fixing the row they refer to fixes them.
  if (!lenient && problems.length) throw new BadRowsError(problems);
  if (!built.dataset.catalogue.products.size) throw new DataError({ file: files.products[0], reason: 'no products left to load' });

  const skipped = [...problems, ...built.cascaded];
  const skippedIn = new Map<string, number>();
  for (const p of skipped) skippedIn.set(p.file, (skippedIn.get(p.file) ?? 0) + 1);
  const sources = [...perFile].map(([file, s]): SourceSummary => {
    // Rows rejected by cross-record checks passed their own validation, so they were counted as read.
    const crossRejected = [...built.problems, ...built.cascaded].filter((p) => p.file === file).length;
    return { file, kind: s.kind, rows: s.rows - crossRejected, skipped: skippedIn.get(file) ?? 0, bytes: s.bytes, sha256: s.sha256 };
  });
  const report: LoadReport = {
    dir: dirname(files.products[0]),
    lenient,
    rows: Object.fromEntries(sources.map((s) => [s.file, s.rows])),
    skipped,
    cascaded: built.cascaded.length,
    elapsedMs: Math.round(performance.now() - started),
  };
  logger?.info({ files: sources.map(({ file, kind, rows, skipped: n }) => ({ file, kind, rows, skipped: n })), elapsedMs: report.elapsedMs }, 'loaded neutral-format dataset');
  if (skipped.length) logger?.info({ skipped: skipped.length, cascaded: built.cascaded.length, first: skipped.slice(0, 20) }, `lenient load skipped ${skipped.length} rows`);
  return { dataset: built.dataset, report, sources, digest: digest.digest('hex'), orderTimes: built.orderTimes };
}

/** "my-data" for my-data/products.csv. */
const defaultName = (files: NeutralFiles): string => basename(dirname(resolve(files.products[0]))) || 'dataset';
