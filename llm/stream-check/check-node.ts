/**
 * A JSON Schema compiled into what the prefix checker can decide on a prefix: types, enum/const,
 * string lengths and pattern (at the closing quote), number bounds (when the number ends),
 * properties, required, additionalProperties, items and array bounds. Anything else is left to
 * the final ajv check and listed by `uncheckedKeywords`, so a caller knows what early abort
 * does not cover.
 */

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export interface CheckNode {
  /** Allowed JSON types; undefined: any. 'integer' is checked when the number ends. */
  readonly types: ReadonlySet<JsonKind | 'integer'> | undefined;
  /** From enum, or [const]. */
  readonly enumValues: readonly unknown[] | undefined;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly properties: ReadonlyMap<string, CheckNode>;
  /** Required keys without a default (ajv's useDefaults fills those in, so they are never missing). */
  readonly required: readonly string[];
  /** What an undeclared key may hold; 'none' for additionalProperties: false. */
  readonly additional: CheckNode | 'none';
  readonly items: CheckNode;
  readonly minItems?: number;
  readonly maxItems?: number;
}

type Schema = Record<string, any> | boolean;

/** Keywords the checker does not decide on a prefix; ajv still checks them on the whole reply. */
const UNCHECKED = new Set([
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'format',
  'multipleOf',
  'uniqueItems',
  'contains',
  'patternProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'prefixItems',
  'unevaluatedProperties',
  'unevaluatedItems',
]);

const KINDS = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

type MutableNode = { -readonly [K in keyof CheckNode]: CheckNode[K] };

/** Accepts any JSON value (the `true` schema, `{}`, or what the checker cannot follow). */
export const ANY: CheckNode = (() => {
  const any = { types: undefined, enumValues: undefined, properties: new Map(), required: [] } as unknown as MutableNode;
  any.additional = any;
  any.items = any;
  return any;
})();
/** Accepts nothing (the `false` schema). */
const NEVER: CheckNode = { ...ANY, types: new Set() };

const emptyNode = (): MutableNode => ({ ...ANY, properties: new Map(), required: [] });

const compiledRoots = new WeakMap<object, CheckNode>();

/** Compiles once per schema object. */
export function compileCheckNode(root: object): CheckNode {
  let node = compiledRoots.get(root);
  if (!node) {
    node = compileAll(root);
    compiledRoots.set(root, node);
  }
  return node;
}

function compileAll(root: object): CheckNode {
  // By schema object: a recursive $ref meets its own node under construction instead of looping.
  const memo = new Map<object, CheckNode>();
  const resolve = (s: Schema): Schema => {
    let n = s;
    for (let guard = 0; typeof n === 'object' && n !== null && typeof n.$ref === 'string' && guard < 32; guard++) {
      const ref: string = n.$ref;
      if (!ref.startsWith('#')) return true; // remote refs: not ours to follow, ajv checks them
      const target = ref
        .slice(1)
        .split('/')
        .filter(Boolean)
        .reduce<any>((acc, key) => acc?.[decodeURIComponent(key).replace(/~1/g, '/').replace(/~0/g, '~')], root);
      if (target === undefined) throw new Error(`stream-check: cannot resolve $ref ${ref}`);
      n = target;
    }
    return n;
  };
  const compile = (raw: Schema): CheckNode => {
    const s = resolve(raw);
    if (s === true || s === undefined || s === null) return ANY;
    if (s === false) return NEVER;
    const hit = memo.get(s);
    if (hit) return hit;
    const node = emptyNode();
    memo.set(s, node);
    const types = [s.type].flat().filter((t): t is JsonKind | 'integer' => KINDS.has(t));
    node.types = s.type === undefined ? undefined : new Set(types);
    node.enumValues = 'const' in s ? [s.const] : Array.isArray(s.enum) ? s.enum : undefined;
    for (const k of ['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems'] as const) if (typeof s[k] === 'number') node[k] = s[k];
    // Draft-4 boolean exclusive bounds are not ajv 8's; only the numeric form is used.
    if (typeof s.exclusiveMinimum === 'number') node.exclusiveMinimum = s.exclusiveMinimum;
    if (typeof s.exclusiveMaximum === 'number') node.exclusiveMaximum = s.exclusiveMaximum;
    // ajv compiles patterns with the u flag.
    if (typeof s.pattern === 'string') node.pattern = new RegExp(s.pattern, 'u');
    const props = (s.properties ?? {}) as Record<string, Schema>;
    node.properties = new Map(Object.entries(props).map(([k, v]) => [k, compile(v)]));
    const withDefault = (k: string) => {
      const p = resolve(props[k]);
      return typeof p === 'object' && p !== null && 'default' in p;
    };
    node.required = Array.isArray(s.required) ? s.required.filter((k: string) => !withDefault(k)) : [];
    // With patternProperties, an undeclared key may still be allowed: leave keys unchecked.
    node.additional = s.additionalProperties === false && !s.patternProperties ? 'none' : s.additionalProperties && s.additionalProperties !== true && !s.patternProperties ? compile(s.additionalProperties) : ANY;
    node.items = s.items && !Array.isArray(s.items) ? compile(s.items) : ANY;
    return node;
  };
  return compile(root as Schema);
}

/** Keywords in a schema the checker leaves to ajv, sorted: say them in logs so nobody assumes early abort covers them. */
export function uncheckedKeywords(schema: object): string[] {
  const found = new Set<string>();
  const walk = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 64) return;
    if (Array.isArray(node)) return node.forEach((n) => walk(n, depth + 1));
    for (const [k, v] of Object.entries(node)) {
      if (UNCHECKED.has(k)) found.add(k);
      if (k === 'items' && Array.isArray(v)) found.add('items (tuple form)');
      // Property names and enum values are data, not keywords.
      if (k === 'properties' && v && typeof v === 'object') Object.values(v).forEach((sub) => walk(sub, depth + 1));
      else if (k !== 'enum' && k !== 'const' && k !== 'required' && k !== 'default' && k !== 'examples') walk(v, depth + 1);
    }
  };
  walk(schema, 0);
  return [...found].sort();
}
