import type { FromSchema } from 'json-schema-to-ts';

/**
 * hubgen's input format for a retailer's own data: one JSON Schema per record kind. Records come one
 * per line (JSONL) or one per row (CSV, header naming the fields). These schemas are what the importer
 * validates with (base/ajv.ts) and what docs/data-format/*.schema.json publish.
 *
 * Both formats read blank text and JSON null as "not given" (a CSV cell cannot tell the two apart),
 * and the importer drops such fields before validating, so a schema sees only fields with a value.
 */

/** The version written to dataset.json; bump it when a record's meaning changes. */
export const FORMAT_VERSION = 1;

const text = { type: 'string', pattern: '\\S' } as const;

/** Retailers' exports often write numeric ids as JSON numbers; they are read as their decimal string. */
const recordId = { type: ['string', 'integer'], pattern: '\\S' } as const;

/** ISO 8601 date or date-time; without a zone it is read as UTC. Calendar validity is checked in code. */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}(?:[Tt ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:[Zz]|[+-]\\d{2}(?::?\\d{2})?)?)?$';

const list = (description: string) => ({ type: 'array', items: text, description }) as const;

export const productRecordSchema = {
  $id: 'hubgen.data.product',
  title: 'hubgen product record',
  description: 'One catalogue product. File: products.jsonl or products.csv.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'category'],
  properties: {
    id: { ...recordId, description: "The retailer's product id (SKU), unique in the catalogue." },
    name: { ...text, description: 'Display name.' },
    category: {
      description:
        'The category path from the top level down, any depth >= 1: "Dairy & Eggs > Yogurt" (JSONL or CSV) or ["Dairy & Eggs", "Yogurt"] (JSONL). The first level is the department; the product sits in the last.',
      anyOf: [text, { type: 'array', minItems: 1, items: text }],
    },
    brand: { ...text, description: 'Brand name.' },
    price: { type: 'number', minimum: 0, description: 'Unit price in the catalogue currency.' },
    size: { ...text, description: 'Pack size as the retailer writes it ("500 g", "12 x 330 ml").' },
    tags: list('Attributes such as "organic" or "gluten free"; CSV: "organic|gluten free". Read in lower case.'),
    available: { type: 'boolean', default: true, description: 'false: listed but not orderable, never placed on a page. CSV: true, false, 1 or 0.' },
  },
} as const;

export const userRecordSchema = {
  $id: 'hubgen.data.user',
  title: 'hubgen user record',
  description: 'One shopper. File (optional): users.jsonl or users.csv. Without one, the users are those the events name.',
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { ...recordId, description: "The retailer's customer id, unique." },
    segment: { ...text, description: 'A group the retailer assigns ("loyalty", "new"); `--users sample:N:<segment>` selects by it.' },
    preferences: list('What the shopper told the retailer they like or avoid ("vegetarian", "no pork"); CSV: "vegetarian|no pork".'),
  },
} as const;

export const eventRecordSchema = {
  $id: 'hubgen.data.event',
  title: 'hubgen purchase event',
  description:
    'One product line of one purchase. File: events.*, orders.* or purchases.* (.jsonl or .csv). Lines group into an order by order_id, else by seq, else by timestamp; at least one of the three is required. A user\'s orders are ordered by timestamp when all of them have one, else by seq when all have one, else by first appearance.',
  type: 'object',
  additionalProperties: false,
  required: ['user_id', 'product_id'],
  anyOf: [{ required: ['order_id'] }, { required: ['timestamp'] }, { required: ['seq'] }],
  properties: {
    user_id: { ...recordId, description: 'Who bought; must be in the users file when there is one.' },
    product_id: { ...recordId, description: 'What was bought; must be in the products file.' },
    quantity: { type: 'integer', minimum: 1, default: 1, description: 'Units bought.' },
    order_id: { ...recordId, description: 'The order (basket) this line belongs to; one order belongs to one user.' },
    timestamp: { type: 'string', pattern: TIMESTAMP_PATTERN, description: 'When: ISO 8601 date or date-time ("2024-03-01", "2024-03-01T18:30:00Z"); no zone means UTC.' },
    seq: { type: 'integer', minimum: 1, description: "The order's position among the user's orders (1 = first)." },
  },
} as const;

export const RECORD_SCHEMAS = { products: productRecordSchema, users: userRecordSchema, events: eventRecordSchema } as const;
export type RecordKind = keyof typeof RECORD_SCHEMAS;

export type ProductRecord = FromSchema<typeof productRecordSchema>;
export type UserRecord = FromSchema<typeof userRecordSchema>;
export type EventRecord = FromSchema<typeof eventRecordSchema>;

const count = { type: 'integer', minimum: 0 } as const;

/** dataset.json: what `hubgen import` wrote, from what, and a digest the loader checks the files against. */
export const datasetManifestSchema = {
  $id: 'hubgen.data.manifest',
  title: 'hubgen imported dataset manifest (dataset.json)',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'version', 'name', 'importedAt', 'files', 'counts', 'digest', 'sources', 'lenient', 'skipped'],
  properties: {
    format: { const: 'hubgen-dataset' },
    version: { const: FORMAT_VERSION },
    name: text,
    importedAt: { type: 'string', format: 'date-time' },
    /** The normalised files, relative to dataset.json. */
    files: {
      type: 'object',
      additionalProperties: false,
      required: ['products', 'users', 'events'],
      properties: { products: text, users: text, events: text },
    },
    counts: {
      type: 'object',
      additionalProperties: false,
      required: ['products', 'categories', 'departments', 'users', 'usersWithOrders', 'orders', 'events'],
      properties: { products: count, categories: count, departments: count, users: count, usersWithOrders: count, orders: count, events: count },
    },
    /** sha256 of the normalised files' bytes, in the order products, users, events. */
    digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
    sources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['file', 'kind', 'rows', 'skipped', 'sha256'],
        properties: {
          file: text,
          kind: { enum: ['products', 'users', 'events'] },
          /** Rows kept. */
          rows: count,
          skipped: count,
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
    },
    lenient: { type: 'boolean' },
    /** Rows --lenient dropped (bad, or referring to a dropped row). */
    skipped: count,
  },
} as const;

export type DatasetManifest = FromSchema<typeof datasetManifestSchema>;
