import { describe, expect, it } from 'vitest';
import { compileSchema } from './ajv.js';

const inner = { $id: 'test.ajv.inner', type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } } as const;
const outer = { $id: 'test.ajv.outer', type: 'object', properties: { verdict: inner } } as const;

describe('compileSchema', () => {
  it('validates a copy of a schema that was first registered nested inside another', () => {
    expect(compileSchema(outer)({ verdict: { ok: true } })).toBe(true);
    const copy = compileSchema(structuredClone(inner));
    expect(copy({ ok: true })).toBe(true);
    expect(copy({ ok: 'yes' })).toBe(false);
  });

  it('reuses the validator for an identical copy and keeps a differing schema under the same id apart', () => {
    const a = { $id: 'test.ajv.same', type: 'string' };
    expect(compileSchema(structuredClone(a))).toBe(compileSchema(a));
    const differing = compileSchema({ $id: 'test.ajv.same', type: 'number' });
    expect(differing(3)).toBe(true);
    expect(differing('x')).toBe(false);
  });
});
