import { describe, expect, it } from 'vitest';
import { themesSchema } from '../phases/themes/schema.js';
import { pageSchema } from '../phases/assemble/schema.js';
import { toWireSchema, wireSchemaName } from './wire-schema.js';

describe('toWireSchema', () => {
  it('drops $id and defaults but keeps constraints, property names and enums', () => {
    const schema = {
      $id: 'x.v1',
      type: 'object',
      additionalProperties: false,
      required: ['$id', 'kind'],
      properties: { $id: { type: 'string', default: 'a' }, kind: { enum: ['default', 'b'], pattern: '^[a-z]+$' } },
    };
    const wire = toWireSchema(schema);
    expect(wire.schema).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['$id', 'kind'],
      properties: { $id: { type: 'string' }, kind: { enum: ['default', 'b'], pattern: '^[a-z]+$' } },
    });
    expect(wire.strictCompatible).toBe(true);
    expect(schema.$id).toBe('x.v1'); // the original is untouched
  });
  it('marks a phase schema written in the strict subset as strict-compatible', () => {
    const wire = toWireSchema(themesSchema);
    expect(wire.strictCompatible).toBe(true);
    expect(JSON.stringify(wire.schema)).not.toContain('$id');
    expect(toWireSchema(themesSchema)).toBe(wire); // computed once per schema
  });
  it('names the optional properties that keep a schema out of strict mode', () => {
    const wire = toWireSchema(pageSchema);
    expect(wire.strictCompatible).toBe(false);
    expect(wire.strictProblem).toMatch(/optional properties \(relevance, affinity, popularity\)/);
  });
});

describe('wireSchemaName', () => {
  it('keeps only the characters providers accept', () => {
    expect(wireSchemaName('hubgen.themes.v1')).toBe('hubgen_themes_v1');
    expect(wireSchemaName('x'.repeat(80))).toHaveLength(64);
    expect(wireSchemaName('...')).toBe('_');
  });
});
