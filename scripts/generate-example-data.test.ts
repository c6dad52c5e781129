import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNeutralFiles } from '../datasets/neutral/files.js';
import { loadNeutralFiles } from '../datasets/neutral/load.js';
import { EXAMPLE_DIR, exampleFiles } from './generate-example-data.js';

describe('data/example', () => {
  it('is what the seeded generator writes (regenerate: npx tsx scripts/generate-example-data.ts)', () => {
    for (const [name, text] of Object.entries(exampleFiles())) expect(readFileSync(join(EXAMPLE_DIR, name), 'utf8'), name).toBe(text);
  });

  it('loads cleanly and has what the tests rely on: mixed depths, cold start, single order, seq-only users', async () => {
    const { dataset, report } = await loadNeutralFiles(findNeutralFiles(EXAMPLE_DIR));
    expect(report.skipped).toEqual([]);
    expect(dataset.name).toBe('example');
    const { products, categories } = dataset.catalogue;
    expect(products.size).toBeGreaterThanOrEqual(200);
    const depths = new Set([...categories.values()].map((c) => c.path.length));
    expect([...depths].sort()).toEqual([1, 2, 3]);
    expect([...products.values()].filter((p) => !p.available).length).toBeGreaterThan(0);
    expect(dataset.users.size).toBe(30);
    expect(dataset.ordersByUser.has('C1030')).toBe(false);
    expect(dataset.ordersByUser.get('C1029')).toHaveLength(1);
    for (const seqOnly of ['C1026', 'C1027', 'C1028']) expect(dataset.ordersByUser.get(seqOnly)!.every((o) => o.day === undefined && o.hour === undefined)).toBe(true);
    expect(dataset.ordersByUser.get('C1001')!.every((o) => o.day !== undefined && o.hour !== undefined)).toBe(true);
    expect([...dataset.users.values()].filter((u) => u.preferences.length).length).toBeGreaterThan(3);
  });
});
