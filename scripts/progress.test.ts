import { describe, expect, it } from 'vitest';
import { createProgress, formatEta } from './progress.js';

/** A non-TTY stream that keeps what was written. */
function pipe(): NodeJS.WriteStream & { text: () => string } {
  let out = '';
  return { isTTY: false, write: (s: string) => ((out += s), true), text: () => out } as unknown as NodeJS.WriteStream & { text: () => string };
}

describe('createProgress on a pipe', () => {
  it('prints one line per 10% with the count it is given and, when asked, an ETA from the rate so far', () => {
    const stream = pipe();
    let now = 0;
    const p = createProgress('index', stream, { eta: true }, () => now);
    now = 10_000;
    p.update(250, 1000, 'hubgen_products', '25/100 texts');
    now = 11_000;
    p.update(260, 1000, 'hubgen_products', '26/100 texts'); // same decile: no line
    now = 40_000;
    p.update(1000, 1000, 'hubgen_products', '100/100 texts');
    expect(stream.text().split('\n')).toEqual(['index: 25/100 texts (hubgen_products), eta 30s', 'index: 100/100 texts (hubgen_products)', '']);
  });

  it('shows done/total and no ETA by default', () => {
    const stream = pipe();
    const p = createProgress('pages', stream);
    p.update(1, 20, 'user 7');
    expect(stream.text()).toBe('pages: 1/20 (user 7)\n');
  });
});

describe('formatEta', () => {
  it('reads like the terminal bar', () => {
    expect(formatEta(42)).toBe('40s');
    expect(formatEta(95)).toBe('1m35s');
    expect(formatEta(-3)).toBe('0s');
    // Rounded as a whole: cli-progress alone printed "4m60s".
    expect(formatEta(299)).toBe('5m0s');
    expect(formatEta(3700)).toBe('1h2m');
  });
});

/** A terminal that applies cursor moves and line clears to a grid of lines, as a reader would see it. */
function terminal(): NodeJS.WriteStream & { screen: () => string[] } {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (text: string) => {
    for (const part of text.split(/(\n)/)) {
      if (part === '\n') {
        row++;
        col = 0;
        lines[row] ??= '';
        continue;
      }
      const plain = part.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      const line = (lines[row] ?? '').padEnd(col);
      lines[row] = line.slice(0, col) + plain + line.slice(col + plain.length);
      col += plain.length;
    }
  };
  return {
    isTTY: true,
    columns: 200,
    write: (s: string) => (put(String(s)), true),
    cursorTo: (x: number, y?: number) => ((col = x), y !== undefined && (row = y), true),
    moveCursor: (dx: number, dy: number) => ((col = Math.max(0, col + dx)), (row = Math.max(0, row + dy)), (lines[row] ??= ''), true),
    clearLine: () => ((lines[row] = ''), true),
    clearScreenDown: () => (lines.splice(row + 1), true),
    on: () => undefined,
    removeListener: () => undefined,
    screen: () => lines.filter((l) => l.trim() !== ''),
  } as unknown as NodeJS.WriteStream & { screen: () => string[] };
}

describe('createProgress on a terminal', () => {
  it('gives two bars live at once a line each, and leaves both final lines when they stop', () => {
    const tty = terminal();
    const index = createProgress('index', tty, { eta: true });
    const pages = createProgress('pages', tty);
    index.update(10, 100, 'hubgen_products', '10/100 texts');
    pages.update(1, 20, 'user 7');
    index.update(100, 100, 'hubgen_products', '100/100 texts');
    index.stop();
    pages.update(20, 20, 'user 9');
    pages.stop();
    const screen = tty.screen();
    expect(screen).toHaveLength(2);
    expect(screen[0]).toMatch(/^index \[.*\] 100% \| 100\/100 texts \| hubgen_products/);
    expect(screen[1]).toMatch(/^pages \[.*\] 100% \| 20\/20 \| user 9/);
  });
});
