/**
 * The copy of a JSON Schema we send to a provider. ajv always validates against the original;
 * this copy only drops what strict structured-output endpoints reject.
 */

// Annotations and identifiers OpenAI's strict mode refuses; ajv still sees them on the original.
const STRIPPED_KEYS = new Set(['$id', '$schema', '$comment', 'default', 'examples']);

export interface WireSchema {
  readonly schema: object;
  /** Whether the schema meets strict mode's rules (every property required, no additional properties). */
  readonly strictCompatible: boolean;
  /** Why it is not, for a warning. */
  readonly strictProblem?: string;
}

const cache = new WeakMap<object, WireSchema>();

export function toWireSchema(schema: object): WireSchema {
  let wire = cache.get(schema);
  if (!wire) {
    const problems: string[] = [];
    const stripped = strip(schema, '', problems);
    wire = { schema: stripped as object, strictCompatible: problems.length === 0, ...(problems.length ? { strictProblem: problems.slice(0, 3).join('; ') } : {}) };
    cache.set(schema, wire);
  }
  return wire;
}

function strip(node: unknown, path: string, problems: string[]): unknown {
  if (Array.isArray(node)) return node.map((x, i) => strip(x, `${path}/${i}`, problems));
  if (!node || typeof node !== 'object') return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (STRIPPED_KEYS.has(k)) continue;
    // Property names and enum values are data, not schema: copy them as they are.
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, strip(sub, `${path}/properties/${name}`, problems)]));
    } else if (k === 'enum' || k === 'const' || k === 'required') {
      out[k] = v;
    } else {
      out[k] = strip(v, `${path}/${k}`, problems);
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
}

/** Providers want a json_schema name matching ^[a-zA-Z0-9_-]{1,64}$. */
export function wireSchemaName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64);
  return cleaned || 'output';
}
