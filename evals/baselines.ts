import type { CatalogueStats } from '../catalogue/stats-types.js';
import { compareIds, type UserHistory } from '../catalogue/types.js';

/**
 * Non-generative baselines: a page made of a fixed product list, scored against the target
 * order exactly as a generated page is. They tell whether generation beats "show what sells"
 * and "show what this user always buys".
 */
export const BASELINE_KINDS = ['popularity', 'own-reorders'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** Every product ordered in any history order, most ordered first (ties: lower id first, for determinism). */
export function popularityRanking(stats: CatalogueStats): string[] {
  return [...stats.productOrders.entries()]
    .filter(([, orders]) => orders > 0)
    .sort(([a, x], [b, y]) => y - x || compareIds(a, b))
    .map(([id]) => id);
}

/**
 * The user's history products, by the number of history orders containing each; ties go to the
 * product bought most recently, then to the lower id. Only history orders: never the target.
 */
export function ownReordersRanking(history: Pick<UserHistory, 'history'>): string[] {
  const orders = new Map<string, number>();
  const lastOrder = new Map<string, number>();
  for (const { seq, lines } of history.history) {
    for (const productId of new Set(lines.map((l) => l.productId))) {
      orders.set(productId, (orders.get(productId) ?? 0) + 1);
      lastOrder.set(productId, Math.max(lastOrder.get(productId) ?? 0, seq));
    }
  }
  return [...orders.keys()].sort((a, b) => orders.get(b)! - orders.get(a)! || lastOrder.get(b)! - lastOrder.get(a)! || compareIds(a, b));
}
