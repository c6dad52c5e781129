/**
 * The model's own confidence, read from the fields a phase schema asks it to fill: a top-level
 * `confidence` (keywords, judge) or one per item (`themes[].confidence`). The schema, not the
 * answer, says where they are, so a field the model left out is noticed rather than skipped.
 */

type SchemaNode = Record<string, any>;

/** A path to a confidence field: property names, with '*' for "every array item". */
export type ConfidencePath = readonly string[];

/** Every path in a schema to a numeric property named `field` (no $ref resolution: phase schemas inline). */
export function confidencePaths(schema: object, field = 'confidence'): ConfidencePath[] {
  const out: ConfidencePath[] = [];
  const walk = (node: SchemaNode | undefined, path: string[], depth: number) => {
    if (!node || typeof node !== 'object' || depth > 16) return;
    for (const [name, sub] of Object.entries<SchemaNode>(node.properties ?? {})) {
      const types = [sub?.type].flat();
      if (name === field && (types.includes('number') || types.includes('integer'))) out.push([...path, name]);
      else walk(sub, [...path, name], depth + 1);
    }
    if (node.items && typeof node.items === 'object') walk(node.items, [...path, '*'], depth + 1);
  };
  walk(schema as SchemaNode, [], 0);
  return out;
}

/** The values at a path; '*' fans out over array items. A missing field yields undefined. */
function valuesAt(value: unknown, path: ConfidencePath): unknown[] {
  if (path.length === 0) return [value];
  const [head, ...rest] = path;
  if (head === '*') return Array.isArray(value) ? value.flatMap((v) => valuesAt(v, rest)) : [];
  if (value && typeof value === 'object' && !Array.isArray(value)) return valuesAt((value as Record<string, unknown>)[head], rest);
  return [undefined];
}

export interface SelfReportedConfidence {
  /** Mean or minimum of the reported values, 0..1 (clamped: a model can write 1.2). */
  readonly confidence: number;
  /** How many values were read. */
  readonly count: number;
  /** Fields the schema has but the answer left out or filled with something not a number. */
  readonly missing: number;
}

export interface SelfReportedOptions {
  /** mean: the overall impression; min: the least sure item decides (stricter for pages). @default 'mean' */
  readonly reduce?: 'mean' | 'min';
  /** Only the first n items of each list count (e.g. the themes that fill the page). */
  readonly firstItems?: number;
  /** @default 'confidence' */
  readonly field?: string;
}

/** The self-reported confidence of an answer, or undefined when the schema has no such field or the answer none filled. */
export function selfReportedConfidence(answer: unknown, schema: object, options: SelfReportedOptions = {}): SelfReportedConfidence | undefined {
  const { reduce = 'mean', firstItems, field = 'confidence' } = options;
  const paths = confidencePaths(schema, field);
  if (paths.length === 0) return undefined;
  const trimmed = firstItems === undefined ? answer : truncateLists(answer, firstItems);
  const raw = paths.flatMap((p) => valuesAt(trimmed, p));
  const numbers = raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).map((v) => Math.min(1, Math.max(0, v)));
  if (numbers.length === 0) return undefined;
  const confidence = reduce === 'min' ? Math.min(...numbers) : numbers.reduce((s, v) => s + v, 0) / numbers.length;
  return { confidence, count: numbers.length, missing: raw.length - numbers.length };
}

function truncateLists(value: unknown, n: number): unknown {
  if (Array.isArray(value)) return value.slice(0, n).map((v) => truncateLists(v, n));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, truncateLists(v, n)]));
  return value;
}
