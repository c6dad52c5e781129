import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCycles, importGraph, importGraphFiles, isTestFile, layerViolations, type ImportEdge } from './import-graph.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const describeEdge = ({ from, to }: ImportEdge) => `${from} -> ${to}`;

describe('the repository import graph', () => {
  const edges = importGraph(ROOT);

  it('sees the imports (a broken reader would pass everything)', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({ from: 'kit/cascade.ts', to: 'llm/usage.ts' });
  });

  it('has no import from a lower layer to a higher one, and no production import of test support', () => {
    expect(layerViolations(edges).map((v) => `${describeEdge(v.edge)}: ${v.why}`)).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(importCycles(edges)).toEqual([]);
  });
});

describe('the provider seam', () => {
  it('no phase reads provider config or the environment: the model registry and the context answer for them', () => {
    const offenders: string[] = [];
    for (const file of importGraphFiles(ROOT).filter((f) => f.startsWith('phases/') && !isTestFile(f))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const pattern of [/config\.providers\b/, /\bprocess\.env\b/]) if (pattern.test(text)) offenders.push(`${file}: ${pattern.source}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('layerViolations', () => {
  it('flags an upward arrow, a production import of testing/, an unknown folder, and a phase schema used by production code below it', () => {
    const v = layerViolations([
      { from: 'kit/cascade.ts', to: 'pipelines/run.ts' },
      { from: 'phases/themes/run.ts', to: 'testing/test-context.ts' },
      { from: 'phases/themes/run.test.ts', to: 'testing/test-context.ts' },
      { from: 'phases/keywords/run.ts', to: 'phases/themes/schema.ts' },
      { from: 'phases/themes/run.ts', to: 'phases/keywords/schema.ts' },
      { from: 'mystery/x.ts', to: 'base/clock.ts' },
      { from: 'llm/structured.test.ts', to: 'phases/themes/schema.ts' },
      { from: 'llm/structured.ts', to: 'phases/themes/schema.ts' },
    ]);
    expect(v.map((x) => describeEdge(x.edge))).toEqual([
      'kit/cascade.ts -> pipelines/run.ts',
      'phases/themes/run.ts -> testing/test-context.ts',
      'phases/themes/run.ts -> phases/keywords/schema.ts',
      'mystery/x.ts -> base/clock.ts',
      'llm/structured.ts -> phases/themes/schema.ts',
    ]);
  });
});

describe('importCycles', () => {
  it('finds a cycle through three files and ignores a diamond', () => {
    const cycles = importCycles([
      { from: 'a.ts', to: 'b.ts' },
      { from: 'b.ts', to: 'c.ts' },
      { from: 'c.ts', to: 'a.ts' },
      { from: 'd.ts', to: 'e.ts' },
      { from: 'd.ts', to: 'f.ts' },
      { from: 'e.ts', to: 'g.ts' },
      { from: 'f.ts', to: 'g.ts' },
    ]);
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
