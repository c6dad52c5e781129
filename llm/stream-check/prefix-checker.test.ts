import { describe, expect, it } from 'vitest';
import { uncheckedKeywords } from './check-node.js';
import { checkPrefix, createPrefixChecker, type PrefixVerdict } from './prefix-checker.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'score', 'tags'],
  properties: {
    title: { type: 'string', minLength: 3, maxLength: 8 },
    score: { type: 'number', minimum: 0, maximum: 1 },
    count: { type: 'integer', minimum: 1 },
    kind: { enum: ['theme', 'keyword'] },
    tags: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } },
    id: { type: 'string', pattern: '^[a-z]+$' },
    ok: { type: 'boolean' },
    extra: { type: ['string', 'null'] },
  },
};

/** Where a text is first rejected: `^` marks the offset in a copy of the text. */
function rejectedAt(text: string, s: object = schema, lenient = false): string {
  const v = checkPrefix(s, text, { lenient });
  return v.ok ? 'accepted' : `${text.slice(0, v.offset)}^${text.slice(v.offset)}`;
}

const reason = (v: PrefixVerdict) => (v.ok ? 'accepted' : `${v.path}: ${v.reason}`);

describe('createPrefixChecker', () => {
  it('accepts every prefix of a valid document, fed one character at a time, and completes', () => {
    const text = '{ "title": "Tacos", "score": 0.75, "tags": ["mex", "quick"], "kind": "theme", "ok": true, "extra": null, "count": 2e0 }';
    const checker = createPrefixChecker(schema);
    for (const c of text) expect(checker.push(c)).toEqual({ ok: true });
    expect(checker.complete).toBe(true);
    expect(checker.end()).toEqual({ ok: true });
  });

  it('rejects an unknown key at its first character that no declared name starts with', () => {
    expect(rejectedAt('{"title":"Tacos","tix":1}')).toBe('{"title":"Tacos","ti^x":1}');
    expect(rejectedAt('{"zzz":1}')).toBe('{"^zzz":1}');
    expect(reason(checkPrefix(schema, '{"tit":'))).toBe('/: has unknown property "tit" (additionalProperties is false)');
  });

  it('rejects a string at the character past maxLength, and a short one at its closing quote', () => {
    expect(rejectedAt('{"title":"Fresh pasta"}')).toBe('{"title":"Fresh pa^sta"}');
    expect(reason(checkPrefix(schema, '{"title":"Fresh pasta"}'))).toBe('/title: is longer than maxLength 8');
    expect(rejectedAt('{"title":"ab"}')).toBe('{"title":"ab^"}');
    // An escape is one character: at the limit, its backslash is already too much.
    expect(rejectedAt('{"title":"abcdefgh\\n"}')).toBe('{"title":"abcdefgh^\\n"}');
    // Code points, as ajv counts: a surrogate pair is one.
    expect(rejectedAt('{"title":"🍕🍕🍕🍕🍕🍕🍕🍕",')).toBe('accepted');
    expect(rejectedAt('{"title":"🍕🍕🍕🍕🍕🍕🍕🍕🍕",')).toBe('{"title":"🍕🍕🍕🍕🍕🍕🍕🍕^🍕",');
  });

  it('rejects an array at the comma promising an item past maxItems, and a short one at "]"', () => {
    expect(rejectedAt('{"tags":["a","b","c"]}')).toBe('{"tags":["a","b"^,"c"]}');
    expect(rejectedAt('{"tags":[]}')).toBe('{"tags":[^]}');
  });

  it("rejects a value's first character when its type cannot match", () => {
    expect(rejectedAt('{"title":42}')).toBe('{"title":^42}');
    expect(rejectedAt('{"score":"0.5"}')).toBe('{"score":^"0.5"}');
    expect(rejectedAt('{"tags":{}}')).toBe('{"tags":^{}}');
    expect(rejectedAt('{"ok":null}')).toBe('{"ok":^null}');
    expect(reason(checkPrefix(schema, '{"ok":nul'))).toBe('/ok: must be boolean, not a null');
    expect(rejectedAt('[1]')).toBe('^[1]');
  });

  it('rejects a closing brace while a required key is missing', () => {
    expect(rejectedAt('{"title":"Tacos","score":1}')).toBe('{"title":"Tacos","score":1^}');
    expect(reason(checkPrefix(schema, '{"title":"Tacos"}'))).toBe('/: is missing required properties "score", "tags"');
  });

  it('judges a number when it ends, since an exponent could still bring it in range', () => {
    expect(rejectedAt('{"score":5')).toBe('accepted');
    expect(rejectedAt('{"score":5e-1,')).toBe('accepted');
    expect(rejectedAt('{"score":5,')).toBe('{"score":5^,');
    expect(rejectedAt('{"count":1.5 }')).toBe('{"count":1.5^ }');
    expect(rejectedAt('{"count":15e-1}')).toBe('{"count":15e-1^}');
    // …but -0 is the largest number a "-" can start, so below a minimum of 1 it is out at once.
    expect(rejectedAt('{"count":-1}')).toBe('{"count":^-1}');
    expect(rejectedAt('{"score":-0,')).toBe('accepted');
  });

  it('narrows enums character by character and checks patterns when the string closes', () => {
    expect(rejectedAt('{"kind":"thing"}')).toBe('{"kind":"th^ing"}');
    expect(rejectedAt('{"kind":"them"}')).toBe('{"kind":"them^"}');
    expect(rejectedAt('{"kind":1}')).toBe('{"kind":^1}');
    expect(rejectedAt('{"id":"Tacos"}')).toBe('{"id":"Tacos^"}');
  });

  it('rejects broken JSON syntax where it breaks', () => {
    expect(rejectedAt('{"title" "x"}')).toBe('{"title" ^"x"}');
    expect(rejectedAt('{"tags":["a",]}')).toBe('{"tags":["a",^]}');
    expect(rejectedAt('{"score":01}')).toBe('{"score":0^1}');
    expect(rejectedAt('{"ok":tru}')).toBe('{"ok":tru^}');
    expect(rejectedAt('{"title":"a\\qb"}')).toBe('{"title":"a\\^qb"}');
    expect(rejectedAt('{"title":"Tacos","score":1,"tags":["a"]} x')).toBe('{"title":"Tacos","score":1,"tags":["a"]} ^x');
    expect(rejectedAt('Here you go: {}')).toBe('^Here you go: {}');
  });

  it('reports offsets across pushes and stays rejected', () => {
    const checker = createPrefixChecker(schema);
    expect(checker.push('{"tags":["a",')).toEqual({ ok: true });
    const v = checker.push('"b","c"]}');
    expect(v).toMatchObject({ ok: false, offset: '{"tags":["a","b"'.length, char: ',', path: '/tags' });
    expect(checker.push('anything')).toBe(v);
  });

  it('counts a surrogate pair split across pushes as one character', () => {
    const s = { type: 'string', maxLength: 1 };
    const checker = createPrefixChecker(s);
    checker.push('"\ud83c');
    expect(checker.push('\udf55"')).toEqual({ ok: true });
    expect(checker.complete).toBe(true);
    // A high surrogate still held back when the stream ends is checked then.
    const cut = createPrefixChecker(s);
    cut.push('"a\ud83c');
    expect(cut.end()).toMatchObject({ ok: false, offset: 2, reason: 'is longer than maxLength 1' });
  });

  it('says at the end when the document is unfinished', () => {
    const checker = createPrefixChecker(schema);
    checker.push('{"title":"Tacos"');
    expect(checker.end()).toMatchObject({ ok: false, reason: 'the document ends before it is complete' });
    expect(createPrefixChecker({ type: 'number', maximum: 1 }).push('5')).toEqual({ ok: true });
    const bare = createPrefixChecker({ type: 'number', maximum: 1 });
    bare.push('5');
    expect(bare.end()).toMatchObject({ ok: false, reason: 'must be <= 1, got 5' });
  });

  it('follows local $refs, including recursive ones', () => {
    const tree = { $defs: { node: { type: 'object', additionalProperties: false, required: ['kids'], properties: { kids: { type: 'array', maxItems: 1, items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' };
    expect(rejectedAt('{"kids":[{"kids":[]}]}', tree)).toBe('accepted');
    expect(rejectedAt('{"kids":[{"kids":[{"kids":[]},{', tree)).toBe('{"kids":[{"kids":[{"kids":[]}^,{');
  });

  it('leaves what it cannot decide to ajv: anyOf branches, formats, uniqueItems', () => {
    const loose = { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'number' }] }, b: { type: 'string', format: 'email' }, c: { type: 'array', uniqueItems: true } } };
    expect(rejectedAt('{"a":true,"b":"not-an-email","c":[1,1]}', loose)).toBe('accepted');
    expect(uncheckedKeywords(loose)).toEqual(['anyOf', 'format', 'uniqueItems']);
    expect(uncheckedKeywords(schema)).toEqual([]);
  });
});

describe('lenient mode (what llm/repair.ts would still fix)', () => {
  it('accepts unknown properties, numeric strings and a fence, but not what no repair saves', () => {
    expect(rejectedAt('{"title":"Tacos","mood":"happy","score":"0.5","tags":["a"]}', schema, true)).toBe('accepted');
    expect(rejectedAt('```json\n{"title":"Tacos","score":"high"', schema, true)).toBe('```json\n{"title":"Tacos","score":"high^"');
    expect(rejectedAt('```json\n{"title":"Fresh pasta"}', schema, true)).toBe('```json\n{"title":"Fresh pa^sta"}');
    expect(rejectedAt('{"title":"Tacos","score":1,"tags":["a"]}\n```\nDone!', schema, true)).toBe('accepted');
  });

  it('never aborts JSON that follows prose, because the repair may find other JSON there', () => {
    expect(rejectedAt('Here is {my} answer: {"title":"Fresh pasta"}', schema, true)).toBe('accepted');
  });
});
