/**
 * Writes the neutral input format's JSON Schemas, and the page export's, to docs/data-format/, for
 * people and editors to read: `npx tsx scripts/write-data-schemas.ts`. The importer validates with
 * the same objects (datasets/neutral/schema.ts), as the export does with its own
 * (pipelines/export.ts); a test fails when the committed files drift from them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { datasetManifestSchema, eventRecordSchema, productRecordSchema, userRecordSchema } from '../datasets/neutral/schema.js';
import { pageExportSchema } from '../pipelines/export.js';

export const DATA_FORMAT_DIR = fileURLToPath(new URL('../docs/data-format/', import.meta.url));

const BLANK_NOTE = 'Fields that are null or blank text count as not given (as an empty CSV cell does) and are dropped before validation.';

/** File name → schema document, as published. */
export function dataFormatSchemas(): Record<string, object> {
  const publish = (schema: { readonly $id: string; readonly description?: string }, note?: string) => ({
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...schema,
    ...(note ? { description: `${schema.description ?? ''} ${note}`.trim() } : {}),
  });
  return {
    'product.schema.json': publish(productRecordSchema, BLANK_NOTE),
    'user.schema.json': publish(userRecordSchema, BLANK_NOTE),
    'event.schema.json': publish(eventRecordSchema, BLANK_NOTE),
    'dataset-manifest.schema.json': publish(datasetManifestSchema),
    'page-export.schema.json': publish(pageExportSchema),
  };
}

export const schemaText = (schema: object): string => JSON.stringify(schema, null, 2) + '\n';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync(DATA_FORMAT_DIR, { recursive: true });
  for (const [name, schema] of Object.entries(dataFormatSchemas())) writeFileSync(join(DATA_FORMAT_DIR, name), schemaText(schema));
  console.log(`wrote ${Object.keys(dataFormatSchemas()).join(', ')} to ${DATA_FORMAT_DIR}`);
}
