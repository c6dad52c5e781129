/**
 * Mutations of a valid JSON document that make it invalid at a known first impossible
 * character, for the prefix checker's property tests. Each replaces one value (found by walking
 * the document beside its schema) with a hand-built fragment whose offending character is known.
 */

type Schema = Record<string, any>;
type Path = readonly (string | number)[];

export type MutationKind =
  | 'unknown-key'
  | 'missing-required'
  | 'too-long'
  | 'too-short'
  | 'too-many-items'
  | 'too-few-items'
  | 'wrong-type'
  | 'out-of-range'
  | 'enum-miss'
  | 'pattern-miss';

export interface Mutation {
  readonly kind: MutationKind;
  readonly path: Path;
  /** JSON text put where the value was. */
  readonly fragment: string;
  /** Offset, within the fragment, of the first character no valid document could have (fragment.length: the character after it). */
  readonly at: number;
  /** Whether llm/repair.ts would still fix it (lenient mode must not reject it). */
  readonly repairable: boolean;
}

interface Site {
  readonly path: Path;
  readonly value: unknown;
  readonly schema: Schema;
}

/** Every value in the document with the schema that governs it. */
export function sites(value: unknown, schema: Schema, path: Path = []): Site[] {
  const out: Site[] = [{ path, value, schema }];
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => out.push(...sites(v, schema.items, [...path, i])));
  else if (value && typeof value === 'object' && schema.properties) {
    for (const [k, v] of Object.entries(value)) if (schema.properties[k]) out.push(...sites(v, schema.properties[k], [...path, k]));
  }
  return out;
}

const KIND_SAMPLES: readonly [string, string][] = [
  ['object', '{}'],
  ['array', '[]'],
  ['string', '"x"'],
  ['number', '7'],
  ['boolean', 'true'],
  ['null', 'null'],
];

function allowedKinds(schema: Schema): Set<string> | undefined {
  if (schema.type !== undefined) return new Set([schema.type].flat().map((t: string) => (t === 'integer' ? 'number' : t)));
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map((v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)));
  return undefined;
}

/** The mutations that apply at one site; `makeItem` builds a valid item for arrays that are empty. */
export function mutationsAt(site: Site, makeItem: (itemSchema: Schema) => unknown): Mutation[] {
  const { path, value, schema } = site;
  const out: Mutation[] = [];
  const add = (kind: MutationKind, fragment: string, at: number, repairable = false) => out.push({ kind, path, fragment, at, repairable });

  const kinds = allowedKinds(schema);
  if (kinds) {
    const wrong = KIND_SAMPLES.find(([k]) => !kinds.has(k));
    // A quoted "x" where a number belongs is rejected only when the string closes in lenient mode; repair cannot coerce it either.
    if (wrong) add('wrong-type', wrong[1], 0);
  }

  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const body = JSON.stringify(value);
    const names = Object.keys(schema.properties ?? {});
    if (schema.additionalProperties === false) {
      // "~" starts no declared property name; an object with no names allows no key at all.
      const fragment = body === '{}' ? '{"~unknown":1}' : `{"~unknown":1,${body.slice(1)}`;
      add('unknown-key', fragment, names.length ? 2 : 1, true);
    }
    const present = (schema.required ?? []).filter((k: string) => k in value);
    if (present.length) {
      const { [present[0]]: _dropped, ...rest } = value as Record<string, unknown>;
      const fragment = JSON.stringify(rest);
      add('missing-required', fragment, fragment.length - 1);
    }
  }

  if (typeof value === 'string' && !schema.enum && !schema.pattern) {
    if (typeof schema.maxLength === 'number') add('too-long', JSON.stringify('µ'.repeat(schema.maxLength + 3)), 1 + schema.maxLength);
    if (typeof schema.minLength === 'number' && schema.minLength > 0) add('too-short', JSON.stringify('a'.repeat(schema.minLength - 1)), schema.minLength);
  }
  if (typeof value === 'string' && Array.isArray(schema.enum)) add('enum-miss', '"~"', 1);
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !schema.enum) {
    const n = Math.min(Math.max(schema.minLength ?? 1, 1), schema.maxLength ?? Infinity);
    const content = '~'.repeat(n);
    if (!new RegExp(schema.pattern, 'u').test(content)) add('pattern-miss', JSON.stringify(content), content.length + 1);
  }

  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number') {
      const item = value.length ? value[0] : makeItem(schema.items ?? {});
      const items = Array.from({ length: schema.maxItems + 1 }, () => JSON.stringify(item));
      add('too-many-items', `[${items.join(',')}]`, 1 + items.slice(0, schema.maxItems).join(',').length);
    }
    if (typeof schema.minItems === 'number' && schema.minItems > 0) add('too-few-items', '[]', 1);
  }

  if (typeof value === 'number') {
    if (typeof schema.maximum === 'number') add('out-of-range', String(schema.maximum + 1), String(schema.maximum + 1).length);
    if (typeof schema.minimum === 'number') {
      const below = String(schema.minimum - 1);
      // -0 is the largest number a "-" can start: under a minimum above 0 the sign itself is impossible.
      add('out-of-range', below, below.startsWith('-') && schema.minimum > 0 ? 0 : below.length);
    }
  }
  return out;
}

const MARK = '@@stream-check-mutation@@';

/** The document serialised with the fragment in place of the value at `path`, and the absolute offset of the first impossible character. */
export function applyMutation(doc: unknown, mutation: Mutation, indent?: number): { text: string; offset: number } {
  const copy = structuredClone(doc);
  if (mutation.path.length === 0) return { text: mutation.fragment, offset: mutation.at };
  let parent: any = copy;
  for (const key of mutation.path.slice(0, -1)) parent = parent[key];
  parent[mutation.path.at(-1)!] = MARK;
  const serialised = JSON.stringify(copy, null, indent);
  const at = serialised.indexOf(JSON.stringify(MARK));
  return { text: serialised.slice(0, at) + mutation.fragment + serialised.slice(at + JSON.stringify(MARK).length), offset: at + mutation.at };
}
