/**
 * Deterministic schema-valid instances, for the scripted server's simulation mode and the
 * offline evals: the same (schema, prompt, seed) always yields the same value, and its strings
 * are drawn from the prompt's own words so the output looks like a reply to that prompt.
 */

import { mulberry32 } from '../../base/random.js';

type Schema = Record<string, any>;

const STOPWORDS = new Set(
  'the and for with that this from your you are was were has have had not but all any can will into onto over under than then them they their there these those what when where which who whom why how its our out one two per via each more most such only own same very just also should would could must may might json schema reply object array string number integer boolean null type properties required items additionalproperties minitems maxitems minlength maxlength pattern minimum maximum enum description false true'.split(' '),
);
const FALLBACK_WORDS = ['fresh', 'pantry', 'weeknight', 'dinner', 'snacks', 'breakfast', 'produce', 'organic', 'family', 'favourites'];

/** FNV-1a, 32-bit: a stable seed from any string. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Content words of a prompt, in order of first appearance. */
export function promptWords(promptText: string): string[] {
  const seen = new Set<string>();
  for (const m of promptText.toLowerCase().matchAll(/[a-z][a-z'-]{2,}/g)) {
    const w = m[0].replace(/['-]+$/, '');
    if (w.length >= 3 && !STOPWORDS.has(w)) seen.add(w);
  }
  return seen.size ? [...seen] : FALLBACK_WORDS;
}

export function simulateFromSchema(schema: object, promptText: string, seed: number | string): unknown {
  // mulberry32 (no integer check): a numeric seed is coerced to 32 bits, as it always was here.
  const rng = mulberry32(typeof seed === 'number' ? seed : hashSeed(seed));
  const words = promptWords(promptText);
  const root = schema as Schema;
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

  const resolve = (node: Schema): Schema => {
    let n = node;
    for (let guard = 0; n && typeof n.$ref === 'string' && guard < 32; guard++) {
      const path = n.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
      n = path.reduce<any>((acc, key) => acc?.[decodeURIComponent(key)], root);
      if (!n) throw new Error(`simulateFromSchema: cannot resolve $ref ${node.$ref}`);
    }
    return n;
  };

  const phrase = (minLength = 0, maxLength = Infinity): string => {
    let s = Array.from({ length: int(1, 4) }, () => pick(words)).join(' ');
    while (s.length < minLength) s += ' ' + pick(words);
    if (s.length > maxLength) s = s.slice(0, maxLength).trimEnd();
    while (s.length < minLength) s += 'x';
    return s;
  };

  const str = (n: Schema): string => {
    const minLength = n.minLength ?? 0;
    const maxLength = n.maxLength ?? Math.max(minLength, 60);
    switch (n.format) {
      case 'date-time':
        return new Date(Date.UTC(2024, 0, 1) + int(0, 365) * 86_400_000).toISOString();
      case 'date':
        return new Date(Date.UTC(2024, 0, 1) + int(0, 365) * 86_400_000).toISOString().slice(0, 10);
      case 'email':
        return `${pick(words).replace(/[^a-z]/g, '') || 'user'}@example.com`;
      case 'uri':
      case 'url':
        return `https://example.com/${pick(words).replace(/[^a-z]/g, '')}`;
      case 'uuid': {
        const hex = () => int(0, 15).toString(16);
        return 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, hex);
      }
    }
    if (n.pattern) {
      const re = new RegExp(n.pattern, 'u');
      const base = phrase(minLength, maxLength);
      const slug = base.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
      const candidates = [slug, base, pick(words), base.replace(/\s+/g, ''), base.toUpperCase(), String(int(0, 9999)), slug.replace(/-/g, '_')];
      for (const c of candidates) if (c.length >= minLength && c.length <= maxLength && re.test(c)) return c;
      throw new Error(`simulateFromSchema: could not produce a string matching pattern ${n.pattern}`);
    }
    return phrase(minLength, maxLength);
  };

  const num = (n: Schema, integer: boolean): number => {
    let lo: number = n.minimum ?? (n.exclusiveMinimum !== undefined ? n.exclusiveMinimum : integer ? 0 : 0);
    let hi: number = n.maximum ?? (n.exclusiveMaximum !== undefined ? n.exclusiveMaximum : integer ? Math.max(lo, 0) + 1000 : Math.max(lo, 0) + 100);
    if (typeof n.exclusiveMinimum === 'number') lo = integer ? Math.floor(n.exclusiveMinimum) + 1 : n.exclusiveMinimum;
    if (typeof n.exclusiveMaximum === 'number') hi = integer ? Math.ceil(n.exclusiveMaximum) - 1 : n.exclusiveMaximum;
    if (n.multipleOf) {
      const k = int(Math.ceil(lo / n.multipleOf), Math.floor(hi / n.multipleOf));
      return k * n.multipleOf;
    }
    if (integer) return int(Math.ceil(lo), Math.floor(hi));
    // Two decimals reads like a model's answer; nudge inside exclusive bounds.
    let v = Math.round((lo + rng() * (hi - lo)) * 100) / 100;
    if (n.exclusiveMinimum !== undefined && v <= lo) v = lo + (hi - lo) / 2;
    if (n.exclusiveMaximum !== undefined && v >= hi) v = lo + (hi - lo) / 2;
    return Math.min(hi, Math.max(lo, v));
  };

  const gen = (raw: Schema, depth: number): unknown => {
    const n = resolve(raw);
    if (n === undefined || n === null || (n as unknown) === true) return phrase();
    if ('const' in n) return n.const;
    if (Array.isArray(n.enum)) return pick(n.enum);
    const branches = n.anyOf ?? n.oneOf;
    if (Array.isArray(branches)) {
      const nonNull = branches.filter((b: Schema) => resolve(b).type !== 'null');
      return gen(pick(nonNull.length ? nonNull : branches), depth);
    }
    if (Array.isArray(n.allOf)) return gen(Object.assign({}, ...n.allOf.map(resolve), { allOf: undefined }), depth);
    let type = n.type;
    if (Array.isArray(type)) type = type.find((t: string) => t !== 'null') ?? 'null';
    type ??= n.properties ? 'object' : n.items ? 'array' : 'string';
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        const required = new Set<string>(n.required ?? []);
        for (const [key, sub] of Object.entries<Schema>(n.properties ?? {})) {
          if (required.has(key) || (depth < 6 && rng() < 0.5)) out[key] = gen(sub, depth + 1);
        }
        for (const key of required) if (!(key in out)) out[key] = phrase();
        return out;
      }
      case 'array': {
        const min = n.minItems ?? 0;
        const max = Math.min(n.maxItems ?? min + 4, min + 4);
        const count = depth > 6 ? min : int(Math.max(min, Math.min(1, max)), max);
        const items: unknown[] = [];
        const seen = new Set<string>();
        for (let tries = 0; items.length < count && tries < count * 10; tries++) {
          const v = gen(n.items ?? {}, depth + 1);
          const key = JSON.stringify(v);
          if (n.uniqueItems && seen.has(key)) continue;
          seen.add(key);
          items.push(v);
        }
        return items;
      }
      case 'string':
        return str(n);
      case 'number':
        return num(n, false);
      case 'integer':
        return num(n, true);
      case 'boolean':
        return rng() < 0.5;
      case 'null':
        return null;
      default:
        throw new Error(`simulateFromSchema: unsupported type ${JSON.stringify(type)}`);
    }
  };

  return gen(root, 0);
}
