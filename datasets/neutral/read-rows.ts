import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { DataError, type DataProblem } from '../../catalogue/data-error.js';
import { NOT_UTF8_REASON, utf8LineChecker } from '../../base/utf8-lines.js';

export type FileFormat = 'jsonl' | 'csv';

/** One item read from a file: the CSV header, a row's fields, or a row that could not be read at all. */
export type SourceItem =
  | { readonly kind: 'header'; readonly columns: readonly string[] }
  | { readonly kind: 'row'; readonly line: number; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly kind: 'bad'; readonly problem: DataProblem };

export interface ReadRowsOptions {
  /** Called every few thousand rows and at the end, for a progress bar on large files. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Every chunk of the file's bytes as read, to hash the file without reading it twice. */
  readonly onChunk?: (chunk: Buffer) => void;
}

const PROGRESS_EVERY = 5_000;

/** The first field of a row on a line with bytes that are not UTF-8 that holds one (as U+FFFD), as a bad item. */
function notUtf8(file: string, line: number, fields: Readonly<Record<string, unknown>>, badLines: ReadonlySet<number>, lastLine = line): SourceItem | undefined {
  let onBadLine = false;
  for (let l = line; l <= lastLine && !onBadLine; l++) onBadLine = badLines.has(l);
  if (!onBadLine) return undefined;
  const hit = Object.entries(fields).find(([, v]) => JSON.stringify(v ?? '').includes('\uFFFD')) ?? Object.entries(fields)[0];
  return { kind: 'bad', problem: { file, line, field: hit?.[0], value: hit && (typeof hit[1] === 'string' ? hit[1] : JSON.stringify(hit[1])).slice(0, 80), reason: NOT_UTF8_REASON } };
}

/**
 * Streams a file's rows with their 1-based physical line (a CSV record that spans lines is named by
 * its first). A row that cannot be read (not JSON, wrong field count) is a `bad` item so the caller
 * can report every one; a file that cannot be read at all (missing, unterminated quote) throws.
 */
export async function* readRows(file: string, format: FileFormat, { onProgress, onChunk }: ReadRowsOptions = {}): AsyncGenerator<SourceItem> {
  let total: number;
  try {
    total = (await stat(file)).size;
  } catch (e) {
    throw new DataError({ file, reason: `cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
  }
  const input = createReadStream(file);
  // Bytes that are not UTF-8 decode to U+FFFD without a word; the raw bytes say which lines had them.
  const utf8 = utf8LineChecker();
  // Attached in the same tick as the parser below, and before it, so neither misses a chunk and each
  // chunk is checked before its rows come out.
  input.on('data', (chunk) => {
    utf8.push(chunk as Buffer);
    onChunk?.(chunk as Buffer);
  });
  input.on('end', () => utf8.end());
  const progress = (rows: number) => {
    if (onProgress && rows % PROGRESS_EVERY === 0) onProgress(input.bytesRead, total);
  };
  yield* format === 'csv' ? csvRows(file, input, progress, utf8.badLines) : jsonlRows(file, input, progress, utf8.badLines);
  onProgress?.(total, total);
}

async function* jsonlRows(file: string, input: NodeJS.ReadableStream, progress: (rows: number) => void, badLines: ReadonlySet<number>): AsyncGenerator<SourceItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    progress(line);
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    // A blank line carries no record; it is not a bad one either.
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { kind: 'bad', problem: { file, line, reason: `not valid JSON (${(e as Error).message})` } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { kind: 'bad', problem: { file, line, reason: `expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}` } };
      continue;
    }
    yield notUtf8(file, line, value as Record<string, unknown>, badLines) ?? { kind: 'row', line, fields: value as Record<string, unknown> };
  }
}

async function* csvRows(file: string, input: NodeJS.ReadableStream, progress: (rows: number) => void, badLines: ReadonlySet<number>): AsyncGenerator<SourceItem> {
  const parser = input.pipe(parse({ raw: true, relax_column_count: true, bom: true }));
  let columns: string[] | undefined;
  // Lines are counted from each record's raw text: csv-parse's own count takes a quoted CRLF for two lines.
  let nextLine = 1;
  let rows = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const line = nextLine;
      nextLine += (raw.replace(/\r?\n$|\r$/, '').match(/\n/g)?.length ?? 0) + 1;
      progress(++rows);
      if (record.length === 1 && record[0].trim() === '') continue;
      if (!columns) {
        columns = record.map((c) => c.trim());
        const dup = columns.find((c, i) => columns!.indexOf(c) !== i);
        if (dup !== undefined) throw new DataError({ file, line, field: dup, reason: `header names column "${dup}" twice` });
        yield { kind: 'header', columns };
        continue;
      }
      if (record.length !== columns.length) {
        yield { kind: 'bad', problem: { file, line, reason: `expected ${columns.length} fields (${columns.join(',')}), found ${record.length}` } };
        continue;
      }
      const fields = Object.fromEntries(columns.map((c, i) => [c, record[i]]));
      yield notUtf8(file, line, fields, badLines, nextLine - 1) ?? { kind: 'row', line, fields };
    }
  } catch (e) {
    if (DataError.isInstance(e)) throw e;
    const err = e as { message?: string; lines?: number };
    throw new DataError({ file, line: err.lines, reason: `malformed CSV: ${err.message ?? String(e)}` });
  }
  if (!columns) throw new DataError({ file, line: 1, reason: 'file is empty: expected a header row' });
}
