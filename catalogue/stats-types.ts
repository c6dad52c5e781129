import type { CoPurchase } from './co-purchase.js';
import type { UserNeighbours } from './neighbours.js';

/** Behavioural statistics over every user's *history* orders (never target orders), for ranking and local models. */
export interface CatalogueStats {
  /** Number of history orders containing the product. */
  readonly productOrders: ReadonlyMap<string, number>;
  /** Number of history order lines per category. */
  readonly categoryLines: ReadonlyMap<string, number>;
  /** Number of history orders with at least one product of the category. */
  readonly categoryOrders: ReadonlyMap<string, number>;
  readonly totalOrders: number;
  /** Shoppers whose history orders are counted. */
  readonly shoppers: number;
  /** popularity in [0,1]: log-scaled productOrders relative to the most-ordered product. */
  popularity(productId: string): number;
  /** Which products are bought in the same baskets (item-item co-occurrence over the same orders). */
  readonly coPurchase: CoPurchase;
  /** Per product: users who bought it in a history order, and how many of them bought it in two or more. */
  readonly productRepeat: ReadonlyMap<string, { readonly buyers: number; readonly repeaters: number }>;
  /** repeaters ÷ buyers over every product: the prior a product with few buyers is smoothed toward. */
  readonly repeatPrior: number;
  /** Shoppers like a given one (user-based nearest neighbours over the same histories), built on first use. */
  readonly neighbours: UserNeighbours;
  /** Digest of the shoppers' histories behind `neighbours`, known without building it (taken on first use). */
  readonly neighboursDigest: string;
}
