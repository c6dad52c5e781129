import { describe, expect, it } from 'vitest';
import { themesSchema } from '../phases/themes/schema.js';
import { pageSchema } from '../phases/assemble/schema.js';
import { decodingRequest, requestSchema } from './constrained-decoding.js';
import { droppedKeywordWarnings, toWireSchema, wireSchemaName } from './wire-schema.js';

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

describe('toWireSchema for other decoding dialects', () => {
  const withRefs = {
    $id: 'refs.v1',
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'item'],
    $defs: { item: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', maxLength: 20 } } } },
    properties: { kind: { const: 'list' }, item: { $ref: '#/$defs/item' } },
  };

  it('keeps today\'s wire schema for the default openai dialect', () => {
    const wire = toWireSchema(withRefs);
    expect(wire.schema).toMatchObject({ properties: { kind: { const: 'list' }, item: { $ref: '#/$defs/item' } }, $defs: { item: expect.any(Object) } });
    expect(wire).toMatchObject({ dropped: [], adapted: [] });
    expect(toWireSchema(withRefs, { dialect: 'openai' })).toBe(wire);
  });

  it('inlines $refs and writes const as a one-value enum for grammar-based servers', () => {
    const wire = toWireSchema(withRefs, { dialect: 'vllm' });
    expect(wire.schema).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'item'],
      properties: {
        kind: { enum: ['list'] },
        item: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', maxLength: 20 } } },
      },
    });
    expect(wire.adapted).toEqual(['const → enum at /properties/kind', 'inlined $ref #/$defs/item at /properties/item']);
    expect(withRefs.properties.item).toEqual({ $ref: '#/$defs/item' }); // the original is untouched
  });

  it('keeps a recursive $ref it cannot inline, and the $defs it points into', () => {
    const tree = { $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' };
    const wire = toWireSchema(tree, { dialect: 'llama.cpp' });
    expect(wire.schema).toMatchObject({ type: 'object', properties: { kids: { items: { $ref: '#/$defs/node' } } }, $defs: { node: expect.any(Object) } });
    expect(wire.adapted).toContain('kept recursive $ref #/$defs/node at /properties/kids/items');
  });

  it('drops the keywords the provider says its decoder ignores, and names each in a warning', () => {
    const wire = toWireSchema(themesSchema, { dialect: 'vllm', unsupportedKeywords: ['minLength', 'maxLength', 'pattern'] });
    const text = JSON.stringify(wire.schema);
    for (const k of ['minLength', 'maxLength', 'pattern']) expect(text).not.toContain(`"${k}"`);
    expect(text).toContain('"maxItems"');
    expect(wire.dropped).toContainEqual({ keyword: 'pattern', path: '/properties/themes/items/properties/id' });
    expect(wire.dropped.filter((d) => d.keyword === 'maxLength').map((d) => d.path)).toEqual([
      '/properties/pageTitle',
      '/properties/themes/items/properties/title',
      '/properties/themes/items/properties/description',
      '/properties/themes/items/properties/concepts/items',
      '/properties/themes/items/properties/categories/items',
      '/properties/themes/items/properties/departments/items',
    ]);
    const warnings = droppedKeywordWarnings(wire, 'hubgen_themes', 'provider "local-vllm" (vllm)');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toBe(
      'schema hubgen_themes: provider "local-vllm" (vllm) does not enforce "minLength" (at /properties/pageTitle, /properties/themes/items/properties/title, /properties/themes/items/properties/description, +3 more); dropped from the schema sent, still validated on the reply',
    );
  });

  it('drops what llama.cpp grammars skip by default, and nothing from the phase schemas', () => {
    const wire = toWireSchema({ type: 'array', uniqueItems: true, items: { type: 'string' } }, { dialect: 'llama.cpp' });
    expect(wire.schema).toEqual({ type: 'array', items: { type: 'string' } });
    expect(wire.dropped).toEqual([{ keyword: 'uniqueItems', path: '/' }]);
    expect(toWireSchema(themesSchema, { dialect: 'ollama' }).dropped).toEqual([]);
  });
});

describe('decodingRequest', () => {
  const wire = toWireSchema(themesSchema);
  it('puts the schema where each server reads it', () => {
    expect(decodingRequest('openai', 'hubgen.themes.v1', wire)).toEqual({ responseFormat: { type: 'json_schema', json_schema: { name: 'hubgen_themes_v1', strict: true, schema: wire.schema } } });
    expect(decodingRequest('ollama', 'x', wire).responseFormat?.type).toBe('json_schema');
    expect(decodingRequest('vllm', 'x', wire)).toEqual({ extraBody: { structured_outputs: { json: wire.schema } } });
    expect(decodingRequest('vllm-guided', 'x', wire)).toEqual({ extraBody: { guided_json: wire.schema } });
    expect(decodingRequest('llama.cpp', 'x', wire)).toEqual({ extraBody: { json_schema: wire.schema } });
    for (const d of ['openai', 'vllm', 'vllm-guided', 'llama.cpp'] as const) expect(requestSchema(decodingRequest(d, 'x', wire))).toBe(wire.schema);
  });
});
