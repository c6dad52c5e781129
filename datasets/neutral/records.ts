import type { ErrorObject } from 'ajv';
import { compileSchema } from '../../base/ajv.js';
import { DataError, type DataProblem } from '../../catalogue/data-error.js';
import { slug, splitCategoryPath } from './category-ids.js';
import { RECORD_SCHEMAS, type EventRecord, type ProductRecord, type RecordKind, type UserRecord } from './schema.js';
import { parseTimestamp } from './timestamp.js';
import type { FileFormat } from './read-rows.js';

/** A product as the rest of the importer sees it: validated, trimmed, its category path split. */
export interface ProductRow {
  readonly id: string;
  readonly name: string;
  readonly path: readonly string[];
  readonly brand?: string;
  readonly price?: number;
  readonly size?: string;
  readonly tags: readonly string[];
  readonly available: boolean;
}

export interface UserRow {
  readonly id: string;
  readonly segment?: string;
  readonly preferences: readonly string[];
}

export interface EventRow {
  readonly userId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly orderId?: string;
  /** Epoch milliseconds. */
  readonly time?: number;
  readonly seq?: number;
}

export interface RowOfKind {
  products: ProductRow;
  users: UserRow;
  events: EventRow;
}

/** A row that passed, or the one problem that rejects it (and, for products and users, its id when readable). */
export type ParsedRecord<K extends RecordKind> = { readonly row: RowOfKind[K] } | { readonly problem: DataProblem; readonly id?: string };

type Schema = { readonly properties: Record<string, { readonly type?: string | readonly string[] }>; readonly required: readonly string[] };
const schemaOf = (kind: RecordKind): Schema => RECORD_SCHEMAS[kind] as unknown as Schema;
const fieldsOf = (kind: RecordKind): string[] => Object.keys(schemaOf(kind).properties);

/** Event files say which order a line belongs to with at least one of these columns. */
const GROUPING_FIELDS = ['order_id', 'seq', 'timestamp'] as const;

/**
 * A CSV header must name every required field and nothing the format does not know (a misspelt
 * optional column would otherwise be dropped without a word). Whole-file problems: they throw.
 */
export function checkHeader(kind: RecordKind, file: string, columns: readonly string[]): void {
  const known = fieldsOf(kind);
  const unknown = columns.find((c) => !known.includes(c));
  if (unknown !== undefined) throw new DataError({ file, line: 1, field: unknown, reason: `unknown column "${unknown}" (${kind} columns: ${known.join(', ')})` });
  const missing = schemaOf(kind).required.find((f) => !columns.includes(f));
  if (missing !== undefined) throw new DataError({ file, line: 1, field: missing, reason: `header is missing required column "${missing}" (found: ${columns.join(',')})` });
  if (kind === 'events' && !GROUPING_FIELDS.some((f) => columns.includes(f))) {
    throw new DataError({ file, line: 1, reason: `an events file needs at least one of the columns ${GROUPING_FIELDS.join(', ')} to group lines into orders (found: ${columns.join(',')})` });
  }
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/** A CSV cell as the JSON value the schema expects; a cell that does not convert stays text, so the schema names what is wrong. */
function fromCsv(type: string | readonly string[] | undefined, cell: string): unknown | undefined {
  const v = cell.trim();
  if (type === 'number') return DECIMAL.test(v) ? Number(v) : v;
  if (type === 'integer') return INTEGER.test(v) ? Number(v) : v;
  if (type === 'boolean') return BOOLEANS[v.toLowerCase()] ?? v;
  if (type === 'array') {
    const items = v.split('|').map((s) => s.trim()).filter(Boolean);
    // "|" alone lists nothing: not given, like a blank cell.
    return items.length ? items : undefined;
  }
  return v;
}

const isBlank = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** The value as a problem report shows it: text as written, anything else as JSON. */
const shown = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * One row's fields → a validated, normalised row, or the problem that rejects it. Blank text and
 * null mean "not given" in both formats; CSV cells are converted by the field's schema type first.
 */
export function parseRecord<K extends RecordKind>(kind: K, file: string, line: number, fields: Readonly<Record<string, unknown>>, format: FileFormat): ParsedRecord<K> {
  const schema = schemaOf(kind);
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const given = isBlank(value) ? undefined : format === 'csv' ? fromCsv(schema.properties[field]?.type, value as string) : value;
    if (given !== undefined) record[field] = given;
  }
  const idField = kind === 'events' ? undefined : 'id';
  const idOf = () => (idField && (typeof fields[idField] === 'string' || typeof fields[idField] === 'number') ? String(fields[idField]).trim() || undefined : undefined);
  const fail = (field: string | undefined, reason: string) => {
    const value = field === undefined ? undefined : shown(fields[field]);
    const id = idOf();
    return { problem: { file, line, ...(field !== undefined ? { field } : {}), ...(value !== undefined ? { value } : {}), reason }, ...(id !== undefined ? { id } : {}) };
  };

  const validate = compileSchema(RECORD_SCHEMAS[kind]);
  if (!validate(record)) {
    const { field, reason } = describeFirst(kind, validate.errors ?? [], fields, format);
    return fail(field, reason);
  }
  return (NORMALISE[kind] as Normaliser<K>)(record, fail);
}

const TYPE_WORDS: Record<string, string> = { number: 'a number', integer: 'a whole number', boolean: 'true or false', string: 'text', array: 'a list' };

/** The one error worth reporting for a row, in the field order of the schema, in words a data owner can act on. */
function describeFirst(kind: RecordKind, errors: readonly ErrorObject[], fields: Readonly<Record<string, unknown>>, format: FileFormat): { field?: string; reason: string } {
  const order = fieldsOf(kind);
  const fieldOf = (e: ErrorObject): string | undefined => {
    if (e.keyword === 'required') return (e.params as { missingProperty: string }).missingProperty;
    if (e.keyword === 'additionalProperties') return (e.params as { additionalProperty: string }).additionalProperty;
    return e.instancePath.split('/')[1] || undefined;
  };
  // Errors inside an anyOf branch only say why that branch failed; the anyOf error itself says it better.
  const candidates = errors.filter((e) => !/\/anyOf\/\d+\//.test(e.schemaPath));
  const rank = (e: ErrorObject) => {
    const f = fieldOf(e);
    return f === undefined ? -1 : order.includes(f) ? order.indexOf(f) : order.length;
  };
  const e = [...candidates].sort((a, b) => rank(a) - rank(b))[0] ?? errors[0];
  const field = fieldOf(e);
  switch (e.keyword) {
    case 'required':
      return { field, reason: field !== undefined && field in fields ? 'required field is empty' : 'required field is missing' };
    case 'additionalProperties':
      return { field, reason: `unknown field (${kind} fields: ${order.join(', ')})` };
    case 'anyOf':
      return field === 'category'
        ? { field, reason: 'must be a category path: "Dairy & Eggs > Yogurt" or ["Dairy & Eggs", "Yogurt"]' }
        : { reason: `an event needs at least one of ${GROUPING_FIELDS.join(', ')} to say which order it belongs to` };
    case 'type': {
      const types = ([] as string[]).concat((e.params as { type: string | string[] }).type);
      const words = field === 'available' && format === 'csv' ? 'true, false, 1 or 0' : types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      return { field, reason: `must be ${words}${e.instancePath.split('/').length > 2 ? ' in every item' : ''}` };
    }
    case 'pattern':
      return { field, reason: field === 'timestamp' ? 'not an ISO 8601 date or date-time (e.g. 2024-03-01 or 2024-03-01T18:30:00Z)' : 'must not be blank' };
    case 'minimum':
      return { field, reason: `must be >= ${(e.params as { limit: number }).limit}` };
    case 'minItems':
      return { field, reason: 'must not be empty' };
    default:
      return { field, reason: e.message ?? e.keyword };
  }
}

const trimmedSet = (items: readonly string[] | undefined, fold: (s: string) => string = (s) => s): string[] => [...new Set((items ?? []).map((s) => fold(s.trim())).filter(Boolean))];

type Fail = (field: string, reason: string) => { readonly problem: DataProblem; readonly id?: string };
type Normaliser<K extends RecordKind> = (record: Record<string, unknown>, fail: Fail) => ParsedRecord<K>;

/** After the schema: trim, split the category path, fold tags, parse the timestamp. Rules a schema cannot say fail here. */
const NORMALISE: { readonly [K in RecordKind]: Normaliser<K> } = {
  products(record, fail) {
    const r = record as ProductRecord;
    const path = typeof r.category === 'string' ? splitCategoryPath(r.category) : r.category.map((n) => n.trim());
    if (path.some((n) => n === '')) return fail('category', 'has an empty level (expected e.g. "Dairy & Eggs > Yogurt")');
    const nameless = path.find((n) => slug(n) === '');
    if (nameless !== undefined) return fail('category', `level "${nameless}" has no letters or digits, so it cannot be given an id`);
    const row: ProductRow = {
      id: String(r.id).trim(),
      name: r.name.trim(),
      path,
      ...(r.brand !== undefined ? { brand: r.brand.trim() } : {}),
      ...(r.price !== undefined ? { price: r.price } : {}),
      ...(r.size !== undefined ? { size: r.size.trim() } : {}),
      tags: trimmedSet(r.tags, (s) => s.toLowerCase()),
      available: r.available ?? true,
    };
    return { row };
  },
  users(record) {
    const r = record as UserRecord;
    return { row: { id: String(r.id).trim(), ...(r.segment !== undefined ? { segment: r.segment.trim() } : {}), preferences: trimmedSet(r.preferences) } };
  },
  events(record, fail) {
    const r = record as EventRecord;
    let time: number | undefined;
    if (r.timestamp !== undefined) {
      time = parseTimestamp(r.timestamp);
      if (time === undefined) return fail('timestamp', 'not a real date and time');
    }
    const row: EventRow = {
      userId: String(r.user_id).trim(),
      productId: String(r.product_id).trim(),
      quantity: r.quantity ?? 1,
      ...(r.order_id !== undefined ? { orderId: String(r.order_id).trim() } : {}),
      ...(time !== undefined ? { time } : {}),
      ...(r.seq !== undefined ? { seq: r.seq } : {}),
    };
    return { row };
  },
};
