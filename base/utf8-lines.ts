import { isUtf8 } from 'node:buffer';

/** The reason a data error gives for a field holding bytes that are not UTF-8. */
export const NOT_UTF8_REASON = 'contains bytes that are not UTF-8 (save the file as UTF-8)';

export interface Utf8LineChecker {
  /** Feed the file's bytes in order, as they are read. */
  push(chunk: Buffer): void;
  /** Call once after the last chunk. */
  end(): void;
  /** 1-based physical lines holding bytes that are not UTF-8. */
  readonly badLines: ReadonlySet<number>;
}

/**
 * Finds the lines of a file that are not valid UTF-8 as it streams by. Text decoding turns such a
 * byte into U+FFFD silently; a U+FFFD that is really in the file (the bundled Instacart products
 * have one) is valid UTF-8 and is not flagged. A newline byte never occurs inside a UTF-8
 * sequence, so each line can be checked on its own.
 */
export function utf8LineChecker(): Utf8LineChecker {
  const badLines = new Set<number>();
  let line = 1;
  let pending: Buffer[] = [];
  const finishLine = (tail: Buffer) => {
    const bytes = pending.length ? Buffer.concat([...pending, tail]) : tail;
    if (!isUtf8(bytes)) badLines.add(line);
    pending = [];
    line++;
  };
  return {
    badLines,
    push(chunk) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        finishLine(chunk.subarray(start, nl));
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    },
    end() {
      if (pending.length) finishLine(Buffer.alloc(0));
    },
  };
}

/** The bad lines of a whole buffer (empty, and cheap, when it is all UTF-8). */
export function nonUtf8Lines(bytes: Buffer): ReadonlySet<number> {
  if (isUtf8(bytes)) return new Set();
  const checker = utf8LineChecker();
  checker.push(bytes);
  checker.end();
  return checker.badLines;
}
