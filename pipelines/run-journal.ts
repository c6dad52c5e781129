import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';

/**
 * An append-only file of JSON lines, one record a line: how a run keeps its users' records while it
 * goes (runs/<run>/users.jsonl), so neither the process nor any rewrite of manifest.json has to
 * hold them all. Lines are only ever appended, a batch at a time, each batch one write, so a crash
 * can tear only the last line: readers ignore a torn last line (the user it belonged to simply has
 * no record yet and runs again on resume), and the next writer cuts it off before appending.
 */

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 16;

/** Turns one line's text into a record, or throws naming `where` (the file and line). */
export type ParseLine<T> = (text: string, where: string) => T;

export interface JournalLine<T> {
  readonly value: T;
  /** Byte offsets of the line in the file; `end` is past its newline. */
  readonly start: number;
  readonly end: number;
}

export interface JournalScan {
  /** Offset just past the last whole line. */
  readonly end: number;
  /** Bytes after the last newline: a line torn by a crash mid-append, or one being appended now. Ignored. */
  readonly tornBytes: number;
}

const where = (path: string, from: number, lineNo: number, start: number): string => (from === 0 ? `${path} line ${lineNo}` : `${path} (the line at byte ${start})`);

/**
 * Reads the whole lines of a journal from byte `from` on, in order, handing each to `onLine`;
 * undefined when there is no journal. Blank lines are skipped; a line that does not parse is an
 * error naming the file and line, except a last line with no newline, which is torn and ignored.
 */
export async function scanJournal<T>(path: string, from: number, parse: ParseLine<T>, onLine: (line: JournalLine<T>) => void): Promise<JournalScan | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    // `carry` holds the start of a line the last chunk cut; `at` is the file offset where it begins.
    let carry = Buffer.alloc(0);
    let at = from;
    let lineNo = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, READ_CHUNK, at + carry.length);
      if (bytesRead === 0) break;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let lineStart = 0;
      for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, lineStart)) {
        lineNo++;
        const text = data.toString('utf8', lineStart, nl);
        if (text.trim()) onLine({ value: parse(text, where(path, from, lineNo, at + lineStart)), start: at + lineStart, end: at + nl + 1 });
        lineStart = nl + 1;
      }
      // Copied: `chunk` is read into again.
      carry = Buffer.from(data.subarray(lineStart));
      at += lineStart;
    }
    return { end: at, tornBytes: carry.length };
  } finally {
    await fh.close();
  }
}

/**
 * One line again, by the offsets a scan gave. Read synchronously: a line is a few KB from the page
 * cache, and a run's end reads thousands of them in an order of its own, where a round trip
 * through the thread pool for each cost more than the copying (0.4 s of 1.1 s at 10,000 users).
 */
export function readJournalLine<T>(fd: number, path: string, line: Pick<JournalLine<T>, 'start' | 'end'>, parse: ParseLine<T>): T {
  const bytes = Buffer.allocUnsafe(line.end - line.start);
  const bytesRead = readSync(fd, bytes, 0, bytes.length, line.start);
  return parse(bytes.toString('utf8', 0, bytesRead).trimEnd(), `${path} (the line at byte ${line.start})`);
}

/** Offset just past the file's last newline (0 when it has none). */
async function endOfLastLine(fh: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  for (let end = size; end > 0; end -= READ_CHUNK) {
    const start = Math.max(0, end - READ_CHUNK);
    const { bytesRead } = await fh.read(chunk, 0, end - start, start);
    const nl = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (nl >= 0) return start + nl + 1;
  }
  return 0;
}

async function writeAll(fh: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done)).bytesWritten;
}

/**
 * Appends records to a journal: at most one write in flight, and the records that arrive meanwhile
 * go out together in the next, so users finishing together cost one write. Each write opens the
 * file, appends and closes it, so nothing is held open between writes (a run that throws leaves no
 * handle behind). A failed write is kept: nothing more is appended (a line after a torn one would
 * join it), and every later append and flush() reject with it, naming the file, so a caller that
 * does not wait for its append loses no error.
 */
export class JournalWriter<T> {
  private queued: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private waiting = false;
  private failure: Error | undefined;

  private constructor(readonly path: string) {}

  /** A journal to append to (made if missing), after cutting off a last line a crash tore. */
  static async open<T>(path: string, logger: Pick<Logger, 'warn'>): Promise<JournalWriter<T>> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'a+');
      const { size } = await fh.stat();
      const whole = await endOfLastLine(fh, size);
      if (whole < size) {
        await fh.truncate(whole);
        logger.warn({ path, tornBytes: size - whole }, 'run journal: cut off a last line torn by a crash mid-append (that user has no record and runs again)');
      }
    } catch (e) {
      throw new Error(`could not open run journal ${path}: ${(e as Error).message}`, { cause: e });
    } finally {
      await fh?.close();
    }
    return new JournalWriter<T>(path);
  }

  /** Resolves once a write holding `value` is done; rejects if any write so far failed. */
  append(value: T): Promise<void> {
    if (!this.failure) this.queued.push(`${JSON.stringify(value)}\n`);
    if (!this.waiting) {
      this.waiting = true;
      this.chain = this.chain.then(() => this.writeQueued());
    }
    const written = this.chain.then(() => this.settled());
    // Callers that do not wait must not leave an unhandled rejection; the next append or flush() reports it.
    written.catch(() => {});
    return written;
  }

  /** Resolves once every append so far is written; throws the first write that failed. */
  async flush(): Promise<void> {
    await this.chain;
    await this.settled();
  }

  private settled(): Promise<void> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve();
  }

  private async writeQueued(): Promise<void> {
    this.waiting = false;
    const lines = this.queued;
    this.queued = [];
    if (this.failure || !lines.length) return;
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.path, 'a');
      await writeAll(fh, Buffer.from(lines.join('')));
    } catch (e) {
      this.failure = new Error(`could not append to run journal ${this.path}: ${(e as Error).message}`, { cause: e });
    } finally {
      await fh?.close().catch(() => {});
    }
  }
}
