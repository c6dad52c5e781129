import { describe, expect, it } from 'vitest';
import { chunkRequests, prepareBatchRequest, toJsonl } from './lines.js';

const schema = { type: 'object', additionalProperties: false, required: ['t'], properties: { t: { type: 'string' } } };
const prep = (id: string, text = 'x') => prepareBatchRequest({ customId: id, schema, schemaName: 's', messages: [{ role: 'user', content: text }] }, { model: 'm', structuredOutputs: true });

describe('chunkRequests', () => {
  it('splits at the request limit and at the byte limit, keeping order', () => {
    const ps = ['a', 'b', 'c', 'd', 'e'].map((id) => prep(id));
    expect(chunkRequests(ps, { maxRequests: 2 }).map((c) => c.map((p) => p.request.customId))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const size = Buffer.byteLength(ps[0].text) + 1;
    expect(chunkRequests(ps, { maxBytes: size * 3 }).map((c) => c.length)).toEqual([3, 2]);
    expect(() => chunkRequests([prep('big', 'y'.repeat(1000))], { maxBytes: 500 })).toThrow(/request big is \d+ bytes, over the 500-byte/);
  });
});

describe('prepareBatchRequest', () => {
  it('writes one POST line per request, with json_object and the schema in the prompt for servers without structured outputs', () => {
    const line = JSON.parse(toJsonl([prep('a')]).trim());
    expect(line).toMatchObject({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', response_format: { type: 'json_schema' } } });
    const plain = prepareBatchRequest({ customId: 'b', schema, schemaName: 's', messages: [{ role: 'user', content: 'x' }] }, { model: 'm', structuredOutputs: false });
    expect(plain.line.body.response_format).toEqual({ type: 'json_object' });
    expect(plain.line.body.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('"required":["t"]') });
  });
});
