import type { Dataset } from './types.js';
import type { CatalogueStats } from './stats-types.js';

/**
 * Product and category counts over every user's history orders. Target orders are left out so
 * that nothing an eval scores against leaks into ranking or local models.
 */
export function buildCatalogueStats(dataset: Dataset): CatalogueStats {
  const productOrders = new Map<string, number>();
  const categoryLines = new Map<string, number>();
  let totalOrders = 0;
  for (const orders of dataset.ordersByUser.values()) {
    // Every order but the last (the held-out target) is history.
    for (const { lines } of orders.slice(0, -1)) {
      totalOrders++;
      const inOrder = new Set<string>();
      for (const line of lines) {
        inOrder.add(line.productId);
        const categoryId = dataset.catalogue.products.get(line.productId)!.categoryId;
        categoryLines.set(categoryId, (categoryLines.get(categoryId) ?? 0) + 1);
      }
      for (const id of inOrder) productOrders.set(id, (productOrders.get(id) ?? 0) + 1);
    }
  }
  let max = 0;
  for (const c of productOrders.values()) max = Math.max(max, c);
  const logMax = Math.log1p(max);
  return {
    productOrders,
    categoryLines,
    totalOrders,
    popularity: (productId) => (logMax === 0 ? 0 : Math.log1p(productOrders.get(productId) ?? 0) / logMax),
  };
}
