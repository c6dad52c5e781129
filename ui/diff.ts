import type { PageDiff, PageView, UsageView } from './model.js';

const delta = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : b - a);

const side = (p: PageView) => ({
  label: p.sourceLabel,
  source: p.source,
  status: p.status,
  cost: p.cost,
  themes: p.themes.length,
  products: p.themes.reduce((n, t) => n + t.products.length, 0),
});

/** Names of products in `from` and not in `other`, by product id, in page order. */
function missingFrom(from: PageView['themes'][number]['products'], other: ReadonlySet<string>): string[] {
  return from.filter((p) => !other.has(p.id)).map((p) => p.name);
}

const idsOf = (products: PageView['themes'][number]['products']): Set<string> => new Set(products.map((p) => p.id));

/**
 * What changed for one user between two pages (two runs, or two eval variants): themes matched by
 * id, since a theme's id is the slug of what it is about; products by id, per kept theme and over
 * the whole page; cost as b − a.
 */
export function diffPages(a: PageView, b: PageView): PageDiff {
  const inA = new Map(a.themes.map((t, i) => [t.id, { theme: t, position: i + 1 }]));
  const inB = new Map(b.themes.map((t, i) => [t.id, { theme: t, position: i + 1 }]));
  const allA = idsOf(a.themes.flatMap((t) => t.products));
  const allB = idsOf(b.themes.flatMap((t) => t.products));
  const costA: UsageView = a.cost;
  const costB: UsageView = b.cost;
  return {
    userId: a.userId,
    a: side(a),
    b: side(b),
    themesAdded: [...inB.values()].filter(({ theme }) => !inA.has(theme.id)).map(({ theme, position }) => ({ id: theme.id, title: theme.title, position })),
    themesRemoved: [...inA.values()].filter(({ theme }) => !inB.has(theme.id)).map(({ theme, position }) => ({ id: theme.id, title: theme.title, position })),
    themesKept: [...inA.values()]
      .filter(({ theme }) => inB.has(theme.id))
      .map(({ theme, position }) => {
        const other = inB.get(theme.id)!;
        return {
          id: theme.id,
          title: other.theme.title,
          positionA: position,
          positionB: other.position,
          productsAdded: missingFrom(other.theme.products, idsOf(theme.products)),
          productsRemoved: missingFrom(theme.products, idsOf(other.theme.products)),
        };
      }),
    productsAdded: missingFrom(b.themes.flatMap((t) => t.products), allA),
    productsRemoved: missingFrom(a.themes.flatMap((t) => t.products), allB),
    costDeltaUsd: delta(costA.costUsd, costB.costUsd),
    tokensDelta: { input: delta(costA.inputTokens, costB.inputTokens), output: delta(costA.outputTokens, costB.outputTokens) },
  };
}
