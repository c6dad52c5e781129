import { describe, expect, it } from 'vitest';
import { diffPages } from './diff.js';
import type { PageView, ProductView } from './model.js';

const product = (id: string): ProductView => ({
  id,
  name: `Product ${id}`,
  category: { id: '1', name: 'yogurt' },
  department: { id: '16', name: 'dairy eggs' },
  keyword: 'yogurt',
  score: 1,
  relevance: undefined,
  affinity: undefined,
  popularity: undefined,
  inTarget: undefined,
});

const page = (label: string, costUsd: number | undefined, themes: [string, string[]][]): PageView => ({
  source: { kind: 'run', runId: label },
  sourceLabel: label,
  userId: '7',
  status: 'ok',
  error: undefined,
  title: 'Your page',
  themes: themes.map(([id, products]) => ({ id, title: id.toUpperCase(), description: '', keywords: [], products: products.map(product) })),
  dropped: [],
  history: undefined,
  target: undefined,
  cost: { inputTokens: costUsd === undefined ? undefined : 100, outputTokens: 10, costUsd, calls: 1 },
  wallMs: 1,
  themesCascade: undefined,
  trails: [],
  artefacts: [],
});

describe('diffPages', () => {
  const a = page('A', 0.001, [
    ['yogurt', ['1', '2', '3']],
    ['snacks', ['4', '5']],
  ]);
  const b = page('B', 0.004, [
    ['pasta', ['9']],
    ['yogurt', ['1', '3', '6']],
  ]);
  const d = diffPages(a, b);

  it('themesAdded / themesRemoved: by id, with their position on their page', () => {
    expect(d.themesAdded).toEqual([{ id: 'pasta', title: 'PASTA', position: 1 }]);
    expect(d.themesRemoved).toEqual([{ id: 'snacks', title: 'SNACKS', position: 2 }]);
  });

  it('themesKept: position on each side and the products that changed inside the theme', () => {
    expect(d.themesKept).toEqual([{ id: 'yogurt', title: 'YOGURT', positionA: 1, positionB: 2, productsAdded: ['Product 6'], productsRemoved: ['Product 2'] }]);
  });

  it('productsAdded / productsRemoved: over the whole page, whatever theme they moved to', () => {
    expect(d.productsAdded).toEqual(['Product 9', 'Product 6']);
    expect(d.productsRemoved).toEqual(['Product 2', 'Product 4', 'Product 5']);
  });

  it('costDeltaUsd: b − a, unknown when either side is unknown', () => {
    expect(d.costDeltaUsd).toBeCloseTo(0.003);
    expect(d.tokensDelta).toEqual({ input: 0, output: 0 });
    expect(diffPages(a, page('C', undefined, [])).costDeltaUsd).toBeUndefined();
  });

  it('an identical page has no changes', () => {
    const same = diffPages(a, a);
    expect([same.themesAdded, same.themesRemoved, same.productsAdded, same.productsRemoved]).toEqual([[], [], [], []]);
    expect(same.themesKept.every((t) => t.productsAdded.length === 0 && t.productsRemoved.length === 0)).toBe(true);
  });
});
