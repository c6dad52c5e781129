import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataError } from '../../catalogue/data-error.js';
import { NOT_UTF8_REASON, nonUtf8Lines } from '../../base/utf8-lines.js';

/** One parsed CSV file: the header's column positions and every data row with its physical line. */
export interface CsvTable {
  /** Path as opened; what errors name. */
  readonly file: string;
  readonly columns: ReadonlyMap<string, number>;
  readonly rows: readonly CsvRow[];
  /** Physical lines whose bytes are not UTF-8. */
  readonly nonUtf8Lines: ReadonlySet<number>;
}

export interface CsvRow {
  /** 1-based physical line in the file (header = 1). */
  readonly line: number;
  readonly values: readonly string[];
}

/** Reads a CSV file and checks its header has every required column. Rows are not validated here. */
export async function readCsv(file: string, required: readonly string[]): Promise<CsvTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new DataError({ file, reason: `cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
  }
  const text = bytes.toString('utf8');
  const { records, lineOf } = parseWithLines(file, text);
  if (records.length === 0) throw new DataError({ file, line: 1, reason: 'file is empty: expected a header row' });
  const header = records[0].map((h) => h.trim());
  const columns = new Map(header.map((name, i) => [name, i] as const));
  for (const name of required) {
    if (!columns.has(name)) throw new DataError({ file, line: 1, field: name, reason: `header is missing column "${name}" (found: ${header.join(',')})` });
  }
  const rows: CsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const values = records[i];
    // A blank line carries no data; it is not a row (so not a bad one either).
    if (values.length === 1 && values[0].trim() === '') continue;
    rows.push({ line: lineOf(i), values });
  }
  return { file, columns, rows, nonUtf8Lines: nonUtf8Lines(bytes) };
}

function parseWithLines(file: string, text: string): { records: string[][]; lineOf: (index: number) => number } {
  const options = { relax_column_count: true, bom: true } as const;
  try {
    const records = parse(text, options);
    // Fast path (and ~2x faster than asking for info): when no record spans several lines, record i is on line i+1.
    if (records.length === physicalLineCount(text)) return { records, lineOf: (i) => i + 1 };
    const withInfo = parse(text, { ...options, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return { records: withInfo.map((r) => r.record), lineOf: (i) => withInfo[i].info.lines };
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    throw new DataError({ file, line: err.lines, reason: `malformed CSV: ${err.message ?? String(e)}` });
  }
}

function physicalLineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

export interface IntRange {
  readonly min?: number;
  readonly max?: number;
}

const INT = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Typed access to one row's fields; every accessor throws a DataError naming file, line, field and
 * value. A class so that the ~300K rows of a full load share one set of methods.
 */
export class RowReader {
  constructor(
    private readonly table: CsvTable,
    private readonly row: CsvRow,
  ) {
    if (row.values.length !== table.columns.size) {
      throw new DataError({ file: table.file, line: row.line, reason: `expected ${table.columns.size} fields, found ${row.values.length}` });
    }
  }

  get line(): number {
    return this.row.line;
  }

  raw(field: string): string {
    const i = this.table.columns.get(field);
    if (i === undefined) throw new Error(`readCsv caller bug: ${this.table.file} has no column ${field}`);
    return this.row.values[i];
  }

  fail(field: string, reason: string): never {
    throw new DataError({ file: this.table.file, line: this.row.line, field, value: this.raw(field), reason });
  }

  /** Trimmed, non-empty text, from bytes that were UTF-8 (an invalid byte decodes to U+FFFD and would reach names and prompts unnoticed). */
  text(field: string): string {
    const v = this.raw(field).trim();
    if (this.table.nonUtf8Lines.has(this.row.line) && v.includes('\uFFFD')) this.fail(field, NOT_UTF8_REASON);
    return v === '' ? this.fail(field, 'required field is empty') : v;
  }

  int(field: string, range: IntRange = {}): number {
    const v = this.raw(field).trim();
    if (!INT.test(v)) this.fail(field, v === '' ? 'required integer is empty' : 'not an integer');
    return this.inRange(field, Number(v), range);
  }

  /** Blank → undefined; otherwise a finite number in range. */
  optionalNumber(field: string, range: IntRange = {}): number | undefined {
    const v = this.raw(field).trim();
    if (v === '') return undefined;
    if (!DECIMAL.test(v)) this.fail(field, 'not a number');
    return this.inRange(field, Number(v), range);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const v = this.raw(field).trim();
    return (allowed as readonly string[]).includes(v) ? (v as T) : this.fail(field, `must be one of ${allowed.join(', ')}`);
  }

  private inRange(field: string, n: number, { min, max }: IntRange): number {
    if (min !== undefined && n < min) this.fail(field, `must be >= ${min}`);
    if (max !== undefined && n > max) this.fail(field, `must be <= ${max}`);
    return n;
  }
}

export function rowReader(table: CsvTable, row: CsvRow): RowReader {
  return new RowReader(table, row);
}
