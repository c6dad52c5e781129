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
