import type { Dataset } from '../datasets/instacart/load.js';
import { userHistory } from './history.js';
import type { CatalogueStats } from './stats-types.js';

/**
 * Product and aisle counts over every manifest user's history orders. Target orders are left out so
 * that nothing an eval scores against leaks into ranking or local models.
 */
export function buildCatalogueStats(dataset: Dataset): CatalogueStats {
  const productOrders = new Map<number, number>();
  const aisleLines = new Map<number, number>();
  let totalOrders = 0;
  for (const user of dataset.users) {
    for (const { lines } of userHistory(dataset, user.userId).history) {
      totalOrders++;
      const inOrder = new Set<number>();
      for (const line of lines) {
        inOrder.add(line.productId);
        const aisleId = dataset.catalogue.products.get(line.productId)!.aisleId;
        aisleLines.set(aisleId, (aisleLines.get(aisleId) ?? 0) + 1);
      }
      for (const id of inOrder) productOrders.set(id, (productOrders.get(id) ?? 0) + 1);
    }
  }
  let max = 0;
  for (const c of productOrders.values()) max = Math.max(max, c);
  const logMax = Math.log1p(max);
  return {
    productOrders,
    aisleLines,
    totalOrders,
    popularity: (productId) => (logMax === 0 ? 0 : Math.log1p(productOrders.get(productId) ?? 0) / logMax),
  };
}
