import type { Catalogue, Dataset } from './types.js';
import type { CatalogueStats } from './stats-types.js';
import { buildCoPurchase } from './co-purchase.js';

export interface CatalogueStatsOptions {
  /**
   * Users whose orders are left out entirely. Calibration leaves out its own users, so a model
   * fitted on their later orders never reads statistics those very orders contributed to.
   */
  readonly excludeUsers?: ReadonlySet<string>;
}

/**
 * Product and category counts, and item-item co-purchase, over every user's history orders. Target
 * orders are left out so that nothing an eval scores against leaks into ranking or local models.
 */
export function buildCatalogueStats(dataset: Dataset, { excludeUsers }: CatalogueStatsOptions = {}): CatalogueStats {
  const baskets: string[][] = [];
  for (const [userId, orders] of dataset.ordersByUser) {
    if (excludeUsers?.has(userId)) continue;
    // Every order but the last (the held-out target) is history.
    for (const { lines } of orders.slice(0, -1)) baskets.push(lines.map((l) => l.productId));
  }
  return statsOfBaskets(baskets, dataset.catalogue);
}

/** The statistics of a list of baskets (product ids per order). */
export function statsOfBaskets(baskets: readonly (readonly string[])[], catalogue: Catalogue): CatalogueStats {
  const productOrders = new Map<string, number>();
  const categoryLines = new Map<string, number>();
  const categoryOrders = new Map<string, number>();
  const categoryOf = (id: string) => catalogue.products.get(id)!.categoryId;
  for (const basket of baskets) {
    for (const id of basket) categoryLines.set(categoryOf(id), (categoryLines.get(categoryOf(id)) ?? 0) + 1);
    for (const id of new Set(basket)) productOrders.set(id, (productOrders.get(id) ?? 0) + 1);
    for (const c of new Set(basket.map(categoryOf))) categoryOrders.set(c, (categoryOrders.get(c) ?? 0) + 1);
  }
  let max = 0;
  for (const c of productOrders.values()) max = Math.max(max, c);
  const logMax = Math.log1p(max);
  return {
    productOrders,
    categoryLines,
    categoryOrders,
    totalOrders: baskets.length,
    popularity: (productId) => (logMax === 0 ? 0 : Math.log1p(productOrders.get(productId) ?? 0) / logMax),
    coPurchase: buildCoPurchase(baskets),
  };
}
