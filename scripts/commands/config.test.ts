import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { editorSchema } from './config.js';

describe('hubgen.config.schema.json', () => {
  it('matches the schema the loader validates with (regenerate: hubgen config --schema > hubgen.config.schema.json)', () => {
    const committed = JSON.parse(readFileSync('hubgen.config.schema.json', 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(editorSchema())));
  });
});
