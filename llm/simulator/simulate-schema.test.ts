import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import { hashSeed, promptWords, simulateFromSchema } from './simulate-schema.js';

const phasesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'phases');
const prompt = 'The shopper buys spaghetti, basil, parmesan, sourdough bread, oat milk and bananas every week; plan themes for their page.';

/** Every exported JSON Schema in phases/<phase>/schema.ts, found on disk so a new phase is covered too. */
async function phaseSchemas(): Promise<[string, object][]> {
  const out: [string, object][] = [];
  for (const phase of readdirSync(phasesDir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const file = join(phasesDir, phase.name, 'schema.ts');
    if (!existsSync(file)) continue;
    const mod: Record<string, unknown> = await import(pathToFileURL(file).href);
    for (const [name, value] of Object.entries(mod)) {
      if (name.endsWith('Schema') && value && typeof value === 'object' && 'type' in value) out.push([`${phase.name}.${name}`, value]);
    }
  }
  return out;
}

describe('simulateFromSchema', () => {
  it('produces a valid instance of every phase schema, for many seeds', async () => {
    const schemas = await phaseSchemas();
    expect(schemas.map(([n]) => n)).toEqual(expect.arrayContaining(['themes.themesSchema', 'keywords.keywordSelectionSchema', 'filter.judgeVerdictSchema', 'assemble.pageSchema']));
    for (const [name, schema] of schemas) {
      const validate = compileSchema(schema);
      for (let seed = 0; seed < 40; seed++) {
        const value = simulateFromSchema(schema, prompt, seed);
        if (!validate(value)) throw new Error(`${name} seed ${seed}: ${describeErrors(validate.errors)}\n${JSON.stringify(value)}`);
      }
    }
  });

  it('is deterministic in (schema, prompt, seed) and varies with the seed', async () => {
    const [, schema] = (await phaseSchemas()).find(([n]) => n === 'themes.themesSchema')!;
    expect(simulateFromSchema(schema, prompt, 7)).toEqual(simulateFromSchema(schema, prompt, 7));
    expect(simulateFromSchema(schema, prompt, 'seed-a')).toEqual(simulateFromSchema(schema, prompt, hashSeed('seed-a')));
    expect(simulateFromSchema(schema, prompt, 7)).not.toEqual(simulateFromSchema(schema, prompt, 8));
  });

  it('draws strings from the prompt words', () => {
    const schema = { type: 'object', additionalProperties: false, required: ['title'], properties: { title: { type: 'string', maxLength: 200 } } };
    const words = new Set(promptWords(prompt));
    for (let seed = 0; seed < 10; seed++) {
      const { title } = simulateFromSchema(schema, prompt, seed) as { title: string };
      for (const w of title.split(' ')) expect(words.has(w)).toBe(true);
    }
  });

  it('respects lengths, patterns, enums, ranges, formats, unions and refs', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['slug', 'code', 'kind', 'n', 'x', 'tags', 'when', 'maybe', 'ref', 'fixed'],
      properties: {
        slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
        code: { type: 'string', minLength: 30, maxLength: 32 },
        kind: { enum: ['theme', 'keyword'] },
        n: { type: 'integer', minimum: 5, maximum: 7 },
        x: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.01 },
        tags: { type: 'array', minItems: 2, maxItems: 3, uniqueItems: true, items: { type: 'string', maxLength: 12 } },
        when: { type: 'string', format: 'date-time' },
        maybe: { anyOf: [{ type: 'null' }, { type: 'integer', multipleOf: 5, minimum: 1, maximum: 30 }] },
        ref: { $ref: '#/$defs/pair' },
        fixed: { const: 'v1' },
      },
      $defs: { pair: { type: 'array', minItems: 2, maxItems: 2, items: { type: ['number', 'null'], minimum: -1, maximum: 1 } } },
    };
    const validate = compileSchema(schema);
    for (let seed = 0; seed < 30; seed++) {
      const value = simulateFromSchema(schema, prompt, seed);
      if (!validate(value)) throw new Error(`seed ${seed}: ${describeErrors(validate.errors)} ${JSON.stringify(value)}`);
    }
  });

  it('falls back to stock grocery words for an empty prompt', () => {
    expect(promptWords('')).toContain('pantry');
    expect(typeof simulateFromSchema({ type: 'string', minLength: 5 }, '', 1)).toBe('string');
  });

  it('says which pattern it could not satisfy', () => {
    expect(() => simulateFromSchema({ type: 'string', pattern: '^\\d{3}-[A-Z]{2}$' }, prompt, 1)).toThrow(/pattern/);
  });
});
