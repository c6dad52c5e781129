/**
 * The copy of a JSON Schema we send to a provider. ajv always validates against the original;
 * this copy only drops what the server's constrained decoder rejects or ignores, adapted to the
 * server's dialect, and says what it dropped so nothing is silently unconstrained.
 */

// Annotations and identifiers OpenAI's strict mode refuses; ajv still sees them on the original.
const STRIPPED_KEYS = new Set(['$id', '$schema', '$comment', 'default', 'examples']);

/** Which constrained-decoding API a server speaks. */
import { DECODING_DIALECTS, type DecodingDialect } from '../config/config-schema.js';

export { DECODING_DIALECTS, type DecodingDialect };

interface DialectRules {
  /** Replace local $refs by their targets: some grammar compilers do not follow references. */
  readonly inlineRefs: boolean;
  /** Write `const: x` as `enum: [x]`, which every grammar compiler takes. */
  readonly constToEnum: boolean;
  /** Keywords the decoder is known to skip; the provider config adds its own. */
  readonly unsupported: readonly string[];
}

// llama.cpp's json-schema-to-grammar (also behind Ollama's `format`) skips these; our phase
// schemas use none of them, so the defaults only matter for new schemas.
const GRAMMAR_SKIPS = ['uniqueItems', 'contains', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas'];

const DIALECTS: Record<DecodingDialect, DialectRules> = {
  // Today's behaviour, unchanged: strict json_schema takes $ref and const as they are.
  openai: { inlineRefs: false, constToEnum: false, unsupported: [] },
  vllm: { inlineRefs: true, constToEnum: true, unsupported: [] },
  'vllm-guided': { inlineRefs: true, constToEnum: true, unsupported: [] },
  'llama.cpp': { inlineRefs: true, constToEnum: true, unsupported: GRAMMAR_SKIPS },
  ollama: { inlineRefs: true, constToEnum: true, unsupported: GRAMMAR_SKIPS },
};

export interface WireOptions {
  /** @default 'openai' */
  readonly dialect?: DecodingDialect;
  /** Keywords this server's decoder drops, on top of the dialect's (from the provider config). */
  readonly unsupportedKeywords?: readonly string[];
}

export interface DroppedKeyword {
  readonly keyword: string;
  /** JSON pointer, in the original schema, of the node that had it. */
  readonly path: string;
}

export interface WireSchema {
  readonly schema: object;
  /** Whether the schema meets strict mode's rules (every property required, no additional properties). */
  readonly strictCompatible: boolean;
  /** Why it is not, for a warning. */
  readonly strictProblem?: string;
  /** Constraints removed because the server would not enforce them: ajv (and early abort) still do. */
  readonly dropped: readonly DroppedKeyword[];
  /** What was rewritten for the dialect ("inlined $ref #/$defs/x", "const → enum at /a"). */
  readonly adapted: readonly string[];
}

const cache = new WeakMap<object, Map<string, WireSchema>>();

export function toWireSchema(schema: object, options: WireOptions = {}): WireSchema {
  const dialect = options.dialect ?? 'openai';
  const rules = DIALECTS[dialect];
  if (!rules) throw new Error(`unknown constrained-decoding dialect "${dialect}"; expected one of ${DECODING_DIALECTS.join(', ')}`);
  const unsupported = new Set([...rules.unsupported, ...(options.unsupportedKeywords ?? [])]);
  const key = `${dialect}|${[...unsupported].sort().join(',')}`;
  let perSchema = cache.get(schema);
  if (!perSchema) cache.set(schema, (perSchema = new Map()));
  let wire = perSchema.get(key);
  if (!wire) {
    wire = build(schema, rules, unsupported);
    perSchema.set(key, wire);
  }
  return wire;
}

function build(schema: object, rules: DialectRules, unsupported: ReadonlySet<string>): WireSchema {
  const problems: string[] = [];
  const dropped: DroppedKeyword[] = [];
  const adapted: string[] = [];
  const root = schema as Record<string, unknown>;
  let keptRefs = false;

  const resolveRef = (ref: string): unknown =>
    ref
      .slice(1)
      .split('/')
      .filter(Boolean)
      .reduce<any>((acc, k) => acc?.[decodeURIComponent(k).replace(/~1/g, '/').replace(/~0/g, '~')], root);

  const strip = (node: unknown, path: string, refsOpen: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((x, i) => strip(x, `${path}/${i}`, refsOpen));
    if (!node || typeof node !== 'object') return node;
    const src = node as Record<string, unknown>;
    if (rules.inlineRefs && typeof src.$ref === 'string' && src.$ref.startsWith('#')) {
      const ref = src.$ref;
      const target = resolveRef(ref);
      if (target === undefined) throw new Error(`wire schema: cannot resolve $ref ${ref} at ${path || '/'}`);
      if (refsOpen.includes(ref)) {
        // A recursive schema cannot be inlined; the server gets the reference as written.
        keptRefs = true;
        adapted.push(`kept recursive $ref ${ref} at ${path || '/'}`);
        return { $ref: ref };
      }
      adapted.push(`inlined $ref ${ref} at ${path || '/'}`);
      return strip(target, path, [...refsOpen, ref]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src)) {
      if (STRIPPED_KEYS.has(k)) continue;
      if (unsupported.has(k)) {
        dropped.push({ keyword: k, path: path || '/' });
        continue;
      }
      if (rules.inlineRefs && path === '' && (k === '$defs' || k === 'definitions')) continue;
      // Property names and enum values are data, not schema: copy them as they are.
      if (k === 'properties' && v && typeof v === 'object') {
        out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, strip(sub, `${path}/properties/${name}`, refsOpen)]));
      } else if (k === 'const' && rules.constToEnum && !('enum' in src)) {
        out.enum = [v];
        adapted.push(`const → enum at ${path || '/'}`);
      } else if (k === 'enum' || k === 'const' || k === 'required') {
        out[k] = v;
      } else {
        out[k] = strip(v, `${path}/${k}`, refsOpen);
      }
    }
    if (src.type === 'object' || src.properties) {
      const props = Object.keys((src.properties as object | undefined) ?? {});
      const required = new Set((src.required as string[] | undefined) ?? []);
      const optional = props.filter((p) => !required.has(p));
      if (optional.length) problems.push(`${path || '/'} has optional properties (${optional.join(', ')})`);
      if (src.additionalProperties !== false) problems.push(`${path || '/'} allows additional properties`);
    }
    return out;
  };

  const stripped = strip(schema, '', []) as Record<string, unknown>;
  // Recursive refs still point into $defs, so keep them for the server.
  if (keptRefs) for (const k of ['$defs', 'definitions']) if (root[k]) stripped[k] = strip(root[k], `/${k}`, []);
  return {
    schema: stripped,
    strictCompatible: problems.length === 0,
    ...(problems.length ? { strictProblem: problems.slice(0, 3).join('; ') } : {}),
    dropped,
    adapted,
  };
}

/** One warning per dropped keyword, naming the provider and where, for the result's warnings and the log. */
export function droppedKeywordWarnings(wire: WireSchema, schemaName: string, provider: string): string[] {
  const byKeyword = new Map<string, string[]>();
  for (const d of wire.dropped) byKeyword.set(d.keyword, [...(byKeyword.get(d.keyword) ?? []), d.path]);
  return [...byKeyword].map(
    ([keyword, paths]) =>
      `schema ${schemaName}: ${provider} does not enforce "${keyword}" (at ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? `, +${paths.length - 3} more` : ''}); dropped from the schema sent, still validated on the reply`,
  );
}

/** Providers want a json_schema name matching ^[a-zA-Z0-9_-]{1,64}$. */
export function wireSchemaName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64);
  return cleaned || 'output';
}
