import type { CatalogueStats } from '../catalogue/stats-types.js';
import { compareIds, type Catalogue, type UserHistory } from '../catalogue/types.js';
import { discoveryScorer, discoveryUserOf } from '../catalogue/discovery.js';
import { orderCountsOf } from '../catalogue/neighbours.js';
import type { UserContext } from '../catalogue/user-context-types.js';

/**
 * Non-generative baselines: a page made of a fixed product list, scored against the target
 * order exactly as a generated page is. They tell whether generation beats "show what sells"
 * and "show what this user always buys", and whether its discovery beats the two standard ways to
 * recommend products new to the user: popular ones they have not bought, and ones bought together
 * with theirs.
 */
export const BASELINE_KINDS = ['popularity', 'own-reorders', 'popularity-unseen', 'co-purchase', 'discovery-only'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];
/**
 * The kinds made only of products new to the user. Besides the page's size, they also stand at the
 * number of new products the page shows, so its discovery slots compare with as many of theirs.
 * `discovery-only` is not a rival but a ceiling: the page's own discovery model (catalogue/discovery.ts)
 * given every slot, i.e. the most new-item recall that model can buy at that size.
 */
export const NEW_ITEM_BASELINE_KINDS: readonly BaselineKind[] = ['popularity-unseen', 'co-purchase', 'discovery-only'];

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

/** The most popular products the user has never bought: what "show what sells" offers as discovery. */
export function popularityUnseenRanking(popular: readonly string[], owned: ReadonlySet<string>, n: number): string[] {
  const out: string[] = [];
  for (const id of popular) {
    if (out.length >= n) break;
    if (!owned.has(id)) out.push(id);
  }
  return out;
}

/**
 * Item-item co-purchase for new products, the standard "bought together" recommender: every product
 * the user has not bought, by Σ_i share_i · P(j | i) over the products i they have, where share_i is
 * the share of their history orders containing i and P(j | i) the share of all history baskets with
 * i that also hold j. Ties (and the tail no basket links) go to popularity, then the lower id.
 */
export function coPurchaseRanking(history: Pick<UserHistory, 'history'>, stats: CatalogueStats, n: number, popular: readonly string[] = popularityRanking(stats)): string[] {
  const orders = orderCountsOf(history.history.map(({ lines }) => lines.map((l) => l.productId)));
  const share = new Map([...orders].map(([id, c]) => [id, c / Math.max(1, history.history.length)]));
  const scores = stats.coPurchase.conditional(share);
  const ranked = [...scores]
    .filter(([, s]) => s > 0)
    .sort(([a, x], [b, y]) => y - x || (stats.productOrders.get(b) ?? 0) - (stats.productOrders.get(a) ?? 0) || compareIds(a, b))
    .map(([id]) => id);
  return withPopularTail(ranked, new Set(share.keys()), n, popular);
}

/**
 * The page's own discovery model ranking every product new to the user: the products co-bought with
 * theirs by discovery probability, then (the tail no basket links) the most popular unbought ones.
 */
export function discoveryOnlyRanking(context: UserContext, stats: CatalogueStats, catalogue: Catalogue, n: number, popular: readonly string[] = popularityRanking(stats)): string[] {
  const ranked = discoveryScorer(discoveryUserOf(context), stats, catalogue)
    .ranked()
    .map((x) => x.productId);
  return withPopularTail(ranked, new Set(Object.keys(context.reorderPropensity)), n, popular);
}

/** The first n of a new-item ranking, its tail (when short) the most popular products neither owned nor already in it. */
function withPopularTail(ranked: readonly string[], owned: ReadonlySet<string>, n: number, popular: readonly string[]): string[] {
  if (ranked.length >= n) return ranked.slice(0, n);
  return [...ranked, ...popularityUnseenRanking(popular, new Set([...owned, ...ranked]), n - ranked.length)];
}
