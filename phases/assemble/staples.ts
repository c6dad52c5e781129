/** Where a theme admits products: its categories when it names any, else its departments, else anywhere. */
export interface Shelf {
  readonly categoryIds: readonly string[];
  readonly departmentIds: readonly string[];
}

export function admits(shelf: Shelf, product: { readonly categoryId: string; readonly departmentId: string }): boolean {
  if (shelf.categoryIds.length) return shelf.categoryIds.includes(product.categoryId);
  if (shelf.departmentIds.length) return shelf.departmentIds.includes(product.departmentId);
  return true;
}

export interface Staple {
  readonly productId: string;
  readonly categoryId: string;
  readonly departmentId: string;
}

/**
 * Fills a page's staples themes together. Products come likeliest-to-be-reordered first; each is
 * placed in a theme that admits it, trying the best-fitting (`fit`) first; when every admitting theme
 * is full, an earlier product is moved to another theme that admits it, if one has room (an
 * augmenting path, as in bipartite matching). Taking products in order of propensity this way places
 * the likeliest set of staples the themes can hold between them, however a tier split the plan into
 * themes; a product no theme can take is passed over. Returns each theme's products, likeliest first.
 */
export function assignStaples(staples: readonly Staple[], shelves: readonly Shelf[], capacity: number, fit: (theme: number, productId: string) => number): string[][] {
  const held: number[][] = shelves.map(() => []);
  const prefs = new Map<number, number[]>();
  const prefsOf = (p: number): number[] => {
    let list = prefs.get(p);
    if (!list) {
      const f = new Map<number, number>();
      shelves.forEach((shelf, t) => admits(shelf, staples[p]) && f.set(t, fit(t, staples[p].productId)));
      list = [...f.keys()].sort((a, b) => f.get(b)! - f.get(a)! || a - b);
      prefs.set(p, list);
    }
    return list;
  };
  const place = (p: number, visited: Set<number>): boolean => {
    for (const t of prefsOf(p)) {
      if (visited.has(t)) continue;
      visited.add(t);
      if (held[t].length < capacity) {
        held[t].push(p);
        return true;
      }
      for (const q of held[t]) {
        if (place(q, visited)) {
          held[t] = [...held[t].filter((x) => x !== q), p];
          return true;
        }
      }
    }
    return false;
  };
  let room = shelves.length * capacity;
  for (let p = 0; p < staples.length && room > 0; p++) if (place(p, new Set())) room--;
  return held.map((ps) => ps.sort((a, b) => a - b).map((p) => staples[p].productId));
}
