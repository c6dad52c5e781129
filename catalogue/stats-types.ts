/** Behavioural statistics over every user's *history* orders (never target orders), for ranking and local models. */
export interface CatalogueStats {
  /** Number of history orders containing the product. */
  readonly productOrders: ReadonlyMap<string, number>;
  /** Number of history order lines per category. */
  readonly categoryLines: ReadonlyMap<string, number>;
  readonly totalOrders: number;
  /** popularity in [0,1]: log-scaled productOrders relative to the most-ordered product. */
  popularity(productId: string): number;
}
