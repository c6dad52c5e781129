import { describe, expect, it } from 'vitest';
import { jsonValueMask } from './json-values.js';
import { logprobConfidence, quantile, tokenOffsets, valueTokens, type TokenLogprob } from './logprobs.js';

/** The runs of characters a mask marks, in order. */
const marked = (text: string) =>
  [...jsonValueMask(text)]
    .map((m, i) => (m ? text[i] : '\u0000'))
    .join('')
    .split('\u0000')
    .filter(Boolean);

/** Hand-made tokens: [text, probability]. */
const tokens = (...pairs: [string, number][]): TokenLogprob[] => pairs.map(([token, p]) => ({ token, logprob: Math.log(p) }));

describe('jsonValueMask', () => {
  it('marks string, number and literal values, never keys, quotes, punctuation or whitespace', () => {
    const text = '{"title": "Pasta night", "n": -1.5e2, "ok": true, "tags": ["a\\"b", null]}';
    expect(marked(text)).toEqual(['Pasta night', '-1.5e2', 'true', 'a\\"b', 'null']);
  });

  it('ignores prose and fences around the JSON and survives a truncated reply', () => {
    expect(marked('Sure! ```json\n{"a": "x"}\n``` done, 1 true')).toEqual(['x']);
    expect(marked('{"a": "unfinis')).toEqual(['unfinis']);
    expect(marked('{"a": 12')).toEqual(['12']);
  });

  it('treats the string after a comma in an array as a value, in an object as a key', () => {
    expect(marked('{"a": ["k", "v"], "b": 1, "c": {"d": "e"}}')).toEqual(['k', 'v', '1', 'e']);
  });
});

describe('tokenOffsets', () => {
  it('lines tokens up with the text by their strings', () => {
    expect(tokenOffsets(tokens(['{"', 1], ['a', 1], ['":', 1], ['1', 1], ['}', 1]), '{"a":1}')).toEqual([[0, 2], [2, 3], [3, 5], [5, 6], [6, 7]]);
  });

  it('is undefined when the tokens do not spell the text', () => {
    expect(tokenOffsets(tokens(['{"', 1], ['b', 1]), '{"a"}')).toBeUndefined();
    expect(tokenOffsets(tokens(['{"', 1]), '{"a"}')).toBeUndefined();
  });

  it('uses bytes when a token holds part of a multi-byte character', () => {
    // "é" is 0xC3 0xA9: split across two tokens whose strings are not text.
    const split: TokenLogprob[] = [
      { token: '"caf', logprob: 0, bytes: [0x22, 0x63, 0x61, 0x66] },
      { token: 'bytes:\\xc3', logprob: 0, bytes: [0xc3] },
      { token: 'bytes:\\xa9', logprob: 0, bytes: [0xa9] },
      { token: '"', logprob: 0, bytes: [0x22] },
    ];
    expect(tokenOffsets(split, '"café"')).toEqual([[0, 4], [4, 5], [4, 5], [5, 6]]);
  });
});

describe('valueTokens', () => {
  it('keeps the tokens touching a value, including one that also holds a quote', () => {
    const t = tokens(['{"', 1], ['title', 1], ['":"', 1], ['Pasta', 0.5], [' night', 0.9], ['","', 1], ['n', 1], ['":', 1], ['3', 0.7], ['}', 1]);
    const text = '{"title":"Pasta night","n":3}';
    expect(valueTokens(t, text)!.map((v) => v.token.token)).toEqual(['Pasta', ' night', '3']);
    const glued = tokens(['{"a":', 1], ['"x', 0.4], ['"}', 1]);
    expect(valueTokens(glued, '{"a":"x"}')!.map((v) => v.token.token)).toEqual(['"x']);
  });
});

describe('logprobConfidence', () => {
  const text = '{"title":"Pasta night","confidence":0.9}';
  const reply = tokens(['{"', 0.999], ['title', 0.999], ['":"', 0.999], ['Pasta', 0.6], [' night', 0.95], ['","', 0.999], ['confidence', 0.999], ['":', 0.999], ['0', 0.99], ['.', 0.999], ['9', 0.3], ['}', 0.999]);

  it('is the weakest value token with min, ignoring near-certain structure', () => {
    const r = logprobConfidence(reply, text, { kind: 'min' });
    expect(r.ok && r.confidence).toBeCloseTo(0.3, 10);
    expect(r).toMatchObject({ ok: true, valueTokens: 5, weakest: { token: '9', offset: text.indexOf('9') } });
  });

  it('is a low quantile of value-token probabilities by default', () => {
    // Value probabilities sorted: 0.3, 0.6, 0.95, 0.99, 0.999 → p10 at position 0.4: 0.3 + 0.4·0.3.
    const r = logprobConfidence(reply, text);
    expect(r.ok && r.confidence).toBeCloseTo(0.42, 10);
  });

  it('does not rise when a long answer adds many easy tokens (unlike a mean)', () => {
    const short = tokens(['{"a":"', 1], ['x', 0.4], ['"}', 1]);
    const longTokens = tokens(['{"a":"', 1], ['x', 0.4], ...Array.from({ length: 40 }, (): [string, number] => [' y', 0.99]), ['"}', 1]);
    const longText = `{"a":"x${' y'.repeat(40)}"}`;
    const s = logprobConfidence(short, '{"a":"x"}', { kind: 'min' });
    const l = logprobConfidence(longTokens, longText, { kind: 'min' });
    expect(s.ok && l.ok && l.confidence).toBeCloseTo(s.ok ? s.confidence : NaN, 10);
  });

  it('says why when the tokens do not match the text or there are no values', () => {
    expect(logprobConfidence(tokens(['{}', 1]), '{ }')).toEqual({ ok: false, reason: expect.stringMatching(/do not spell the reply text/) });
    expect(logprobConfidence(tokens(['{}', 1]), '{}')).toEqual({ ok: false, reason: 'the reply has no value tokens' });
    expect(() => logprobConfidence(reply, text, { kind: 'quantile', q: 1.5 })).toThrow(/quantile must be within 0..1, got 1.5/);
  });
});

describe('quantile', () => {
  it('interpolates between ranks', () => {
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
  });
});
