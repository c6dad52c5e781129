import { describe, expect, it } from 'vitest';
import { nonUtf8Lines, utf8LineChecker } from './utf8-lines.js';

const latin1 = Buffer.from([0x43, 0x61, 0x66, 0xe9]); // "Café" in Latin-1
const replacement = Buffer.from('a \uFFFD b'); // a real U+FFFD, valid UTF-8

describe('utf8LineChecker', () => {
  it('names the lines that are not UTF-8, and not a real U+FFFD or a multi-byte character split across chunks', () => {
    const text = Buffer.concat([Buffer.from('ok\n'), latin1, Buffer.from('\n'), replacement, Buffer.from('\nna\u00efve\n'), latin1]);
    const whole = nonUtf8Lines(text);
    expect([...whole]).toEqual([2, 5]);
    // The same bytes one at a time: "ï" arrives in two chunks.
    const checker = utf8LineChecker();
    for (const b of text) checker.push(Buffer.from([b]));
    checker.end();
    expect([...checker.badLines]).toEqual([2, 5]);
  });

  it('finds nothing in a file that is all UTF-8', () => {
    expect(nonUtf8Lines(Buffer.from('id,name\n1,Cr\u00e8me\n')).size).toBe(0);
  });
});
