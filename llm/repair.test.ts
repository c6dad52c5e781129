import { describe, expect, it } from 'vitest';
import { closeTruncatedJson, coerceToSchema, extractJsonText, tryParseJson } from './repair.js';

describe('extractJsonText', () => {
  it('strips a ```json fence', () => {
    expect(extractJsonText('```json\n{"a": 1}\n```')).toBe('{"a": 1}');
    expect(extractJsonText('```\n[1, 2]\n```')).toBe('[1, 2]');
  });
  it('strips leading and trailing prose, ignoring braces inside strings', () => {
    expect(extractJsonText('Sure! Here is the JSON: {"a": "x}y", "b": {"c": 2}} Hope it helps {')).toBe('{"a": "x}y", "b": {"c": 2}}');
  });
  it('returns an unclosed value from its start, for truncation repair', () => {
    expect(extractJsonText('Here: {"a": [1, 2')).toBe('{"a": [1, 2');
  });
  it('is undefined when nothing looks like JSON', () => {
    expect(extractJsonText('I cannot help with that.')).toBeUndefined();
  });
});

describe('closeTruncatedJson', () => {
  const parsed = (text: string) => closeTruncatedJson(text).map((c) => tryParseJson(c)).filter((r) => r.ok).map((r) => (r as { value: unknown }).value);
  it('closes an array cut after a complete element', () => {
    expect(parsed('{"items": [{"t": "a"}, {"t": "b"}, {"t": "c')[0]).toEqual({ items: [{ t: 'a' }, { t: 'b' }, { t: 'c' }] });
    expect(parsed('{"items": [{"t": "a"}, {"t": "b"}, {"t": "c')).toContainEqual({ items: [{ t: 'a' }, { t: 'b' }] });
  });
  it('drops a dangling key and closes every level', () => {
    expect(parsed('{"a": {"b": [1, 2], "c"')).toContainEqual({ a: { b: [1, 2] } });
    expect(parsed('{"a": 1, "b": tru')).toContainEqual({ a: 1 });
  });
  it('offers nothing for text with no complete value', () => {
    expect(parsed('{"')).toEqual([]);
  });
});

describe('coerceToSchema', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      confidence: { type: 'number' },
      count: { type: 'integer' },
      ok: { type: 'boolean' },
      label: { type: 'string' },
      items: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { score: { type: 'number' } } } },
    },
  };
  it('turns numeric strings into numbers and "true" into true where the schema says so', () => {
    const r = coerceToSchema({ confidence: '0.8', count: '3', ok: 'true', label: '42', items: [{ score: '1e-2' }] }, schema);
    expect(r.changed).toBe(true);
    expect(r.value).toEqual({ confidence: 0.8, count: 3, ok: true, label: '42', items: [{ score: 0.01 }] });
  });
  it('drops properties the schema forbids, at any depth', () => {
    const r = coerceToSchema({ confidence: 1, extra: 'x', items: [{ score: 1, note: 'y' }] }, schema);
    expect(r.value).toEqual({ confidence: 1, items: [{ score: 1 }] });
    expect(r.changed).toBe(true);
  });
  it('leaves a non-integer string for an integer and non-numeric strings alone', () => {
    const r = coerceToSchema({ count: '2.5', confidence: 'high' }, schema);
    expect(r.value).toEqual({ count: '2.5', confidence: 'high' });
    expect(r.changed).toBe(false);
  });
});
