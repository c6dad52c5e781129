import type { Catalogue, Dataset } from './types.js';
import type { CatalogueStats } from './stats-types.js';
import { buildCoPurchase } from './co-purchase.js';
import { buildUserNeighbours, neighboursDigest, orderCountsOf, type UserNeighbours } from './neighbours.js';

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
  const histories: string[][][] = [];
  const userIds: string[] = [];
  for (const [userId, orders] of dataset.ordersByUser) {
    if (excludeUsers?.has(userId)) continue;
    // Every order but the last (the held-out target) is history.
    histories.push(orders.slice(0, -1).map(({ lines }) => lines.map((l) => l.productId)));
    userIds.push(userId);
  }
  return statsOfHistories(histories, dataset.catalogue, userIds);
}

const shared = new WeakMap<Dataset, CatalogueStats>();
/** buildCatalogueStats(dataset), computed once per dataset object: the runtime and every user context share it. */
export function catalogueStatsOf(dataset: Dataset): CatalogueStats {
  let stats = shared.get(dataset);
  if (!stats) shared.set(dataset, (stats = buildCatalogueStats(dataset)));
  return stats;
}

/** The statistics of baskets, each treated as a different user's. */
export const statsOfBaskets = (baskets: readonly (readonly string[])[], catalogue: Catalogue): CatalogueStats => statsOfHistories(baskets.map((b) => [b]), catalogue);

/**
 * The statistics of users' histories (each a list of baskets of product ids); `userIds[i]` is whose
 * history `histories[i]` is (default "#1", "#2", …), so a user is never their own neighbour.
 */
export function statsOfHistories(histories: readonly (readonly (readonly string[])[])[], catalogue: Catalogue, userIds: readonly string[] = histories.map((_, i) => `#${i + 1}`)): CatalogueStats {
  const baskets = histories.flat();
  const productRepeat = new Map<string, { buyers: number; repeaters: number }>();
  // Orders holding each product: summed over the shoppers' own counts, which repeat rates and neighbours read too.
  const productOrders = new Map<string, number>();
  let buyers = 0;
  let repeaters = 0;
  const shopperHistories = histories.map((history, i) => ({ userId: userIds[i], orderCounts: orderCountsOf(history) }));
  for (const { orderCounts: orders } of shopperHistories) {
    for (const [id, n] of orders) {
      productOrders.set(id, (productOrders.get(id) ?? 0) + n);
      const r = productRepeat.get(id) ?? { buyers: 0, repeaters: 0 };
      r.buyers++;
      buyers++;
      if (n >= 2) {
        r.repeaters++;
        repeaters++;
      }
      productRepeat.set(id, r);
    }
  }
  const categoryLines = new Map<string, number>();
  const categoryOrders = new Map<string, number>();
  const categoryOf = (id: string) => catalogue.products.get(id)!.categoryId;
  for (const basket of baskets) {
    for (const id of basket) categoryLines.set(categoryOf(id), (categoryLines.get(categoryOf(id)) ?? 0) + 1);
    for (const c of new Set(basket.map(categoryOf))) categoryOrders.set(c, (categoryOrders.get(c) ?? 0) + 1);
  }
  let max = 0;
  for (const c of productOrders.values()) max = Math.max(max, c);
  const logMax = Math.log1p(max);
  // Built on first use: only discovery asks for the pool and only artefact keys for its digest, so
  // statistics made for other ends (calibration's, tests') never pay for either.
  let neighbours: UserNeighbours | undefined;
  let digest: string | undefined;
  const digestOnce = () => (digest ??= neighboursDigest(shopperHistories));
  return {
    productOrders,
    categoryLines,
    categoryOrders,
    totalOrders: baskets.length,
    shoppers: histories.length,
    popularity: (productId) => (logMax === 0 ? 0 : Math.log1p(productOrders.get(productId) ?? 0) / logMax),
    coPurchase: buildCoPurchase(baskets),
    productRepeat,
    repeatPrior: buyers === 0 ? 0 : repeaters / buyers,
    get neighboursDigest() {
      return digestOnce();
    },
    get neighbours() {
      return (neighbours ??= buildUserNeighbours(shopperHistories, digestOnce()));
    },
  };
}

/** Statistics of no orders at all: for a catalogue without purchase history, and a base for test fixtures. */
export const emptyStats = (): CatalogueStats => statsOfHistories([], { products: new Map(), categories: new Map(), departments: new Map() });
