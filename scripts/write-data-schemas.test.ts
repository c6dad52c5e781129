import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../base/ajv.js';
import { DATA_FORMAT_DIR, dataFormatSchemas, schemaText } from './write-data-schemas.js';

describe('docs/data-format', () => {
  it('holds the schemas the importer validates with (regenerate: npx tsx scripts/write-data-schemas.ts)', () => {
    for (const [name, schema] of Object.entries(dataFormatSchemas())) expect(readFileSync(join(DATA_FORMAT_DIR, name), 'utf8'), name).toBe(schemaText(schema));
  });

  it('publishes schemas a standard validator accepts, and that accept a documented example record', () => {
    const docs = dataFormatSchemas();
    const example: Record<string, object> = {
      'product.schema.json': { id: 'SKU-1', name: 'Greek Yogurt', category: 'Dairy & Eggs > Yogurt', price: 2.49, tags: ['organic'] },
      'user.schema.json': { id: 'C1', segment: 'loyalty', preferences: ['vegetarian'] },
      'event.schema.json': { user_id: 'C1', product_id: 'SKU-1', order_id: 'O1', timestamp: '2024-03-01T18:30:00Z' },
    };
    for (const [name, record] of Object.entries(example)) {
      const { $id: _id, ...schema } = docs[name] as { $id: string };
      expect(compileSchema(schema)(record), name).toBe(true);
    }
  });
});
