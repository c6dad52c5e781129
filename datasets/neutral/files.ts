import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from '../../catalogue/data-error.js';
import type { FileFormat } from './read-rows.js';
import type { RecordKind } from './schema.js';

/** The files of one dataset in the neutral format, per record kind, in the order they are read. */
export interface NeutralFiles {
  readonly products: readonly string[];
  readonly users: readonly string[];
  readonly events: readonly string[];
}

const KIND_OF_STEM: Readonly<Record<string, RecordKind>> = { products: 'products', users: 'users', events: 'events', orders: 'events', purchases: 'events' };
const FORMATS: Readonly<Record<string, FileFormat>> = { '.jsonl': 'jsonl', '.csv': 'csv' };

export interface FileClass {
  readonly kind: RecordKind;
  readonly format: FileFormat;
}

/**
 * What a file holds, from its name: `<kind>.jsonl|csv` where kind is products, users, or events
 * (also orders, purchases). A file named on the command line may add a suffix after "-", "_" or "."
 * (`events-2024-03.csv`); in a directory only the exact names count, so a stray `products-old.csv`
 * next to `products.csv` is not read twice.
 */
export function classifyFile(path: string, { suffixes = false } = {}): FileClass | undefined {
  const name = basename(path).toLowerCase();
  const dot = name.lastIndexOf('.');
  const format = dot === -1 ? undefined : FORMATS[name.slice(dot)];
  if (!format) return undefined;
  const stem = name.slice(0, dot);
  const head = suffixes ? /^[a-z]+/.exec(stem)?.[0] ?? '' : stem;
  const kind = KIND_OF_STEM[head];
  if (!kind || (head !== stem && !/^[-_.]/.test(stem.slice(head.length)))) return undefined;
  return { kind, format };
}

const sortedFiles = (files: readonly string[], kind: RecordKind) => files.filter((f) => classifyFile(f, { suffixes: true })?.kind === kind).sort();

/** The neutral-format files a directory holds, by exact name. Empty lists when it holds none. */
export function findNeutralFiles(dir: string): NeutralFiles {
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => classifyFile(n) && statSync(join(dir, n)).isFile()) : [];
  const paths = names.map((n) => join(dir, n));
  return { products: sortedFiles(paths, 'products'), users: sortedFiles(paths, 'users'), events: sortedFiles(paths, 'events') };
}

/** A dataset needs products, and users or events (or both) to have anyone to make pages for. */
export const isNeutralDataset = (files: NeutralFiles): boolean => files.products.length > 0 && files.users.length + files.events.length > 0;

/**
 * `hubgen import <dir|files…>` arguments → files by kind. A directory contributes its recognised
 * files; a file must say by its name what it holds. Problems name the argument and what was expected.
 */
export function neutralFilesFrom(args: readonly string[]): NeutralFiles {
  const out: Record<RecordKind, string[]> = { products: [], users: [], events: [] };
  for (const arg of args) {
    if (!existsSync(arg)) throw new DataError({ file: arg, reason: 'no such file or directory' });
    if (statSync(arg).isDirectory()) {
      const found = findNeutralFiles(arg);
      if (!found.products.length && !found.users.length && !found.events.length) {
        throw new DataError({ file: arg, reason: 'holds no products.*, users.* or events.* (orders.*, purchases.*) file with extension .jsonl or .csv' });
      }
      for (const kind of ['products', 'users', 'events'] as const) out[kind].push(...found[kind]);
      continue;
    }
    const cls = classifyFile(arg, { suffixes: true });
    if (!cls) throw new DataError({ file: arg, reason: 'cannot tell what this file holds: name it products.<jsonl|csv>, users.<…> or events.<…> (a suffix such as events-2024-03.csv is fine)' });
    out[cls.kind].push(arg);
  }
  const unique = (files: string[]) => [...new Set(files)];
  return { products: unique(out.products), users: unique(out.users), events: unique(out.events) };
}
