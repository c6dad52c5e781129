import { compareIds, type Order } from './types.js';
import type { CatalogueStats } from './stats-types.js';

/**
 * What a user's history says about one product they have bought, as of their next order. Built from
 * history orders only: the next order (an eval's target) is never an argument, so neither its
 * products nor its date can reach a feature.
 */
export interface PropensityFeatures {
  readonly productId: string;
  /** History orders containing it. */
  readonly orders: number;
  /** orders ÷ history orders: how often it is in the basket. */
  readonly share: number;
  /** History orders placed after the last one containing it (0: it was in the last order). */
  readonly ordersSinceLast: number;
  /** Share of the last RECENT_ORDERS history orders that contain it. */
  readonly recentShare: number;
  /**
   * Orders since its first purchase that contain it again, smoothed toward REPURCHASE_PRIOR: how
   * reliably the user comes back to it once they have found it.
   */
  readonly repurchaseRate: number;
  /**
   * Days from its last purchase to the next order, counting the user's mean gap between orders as the
   * time until that order; undefined when the data has no days.
   */
  readonly daysSinceLast: number | undefined;
  /** The user's mean days between consecutive purchases of it; undefined with one purchase or no days. */
  readonly typicalGapDays: number | undefined;
  /** The same two in orders, which every dataset has: orders since last purchase + 1, and mean orders between purchases. */
  readonly ordersToNext: number;
  readonly typicalGapOrders: number | undefined;
  /** Of the other users who bought it, the share who bought it again (smoothed; see ProductPriors). */
  readonly productRepeat: number;
}

/**
 * What other shoppers' histories say about a product: how often a first purchase of it is followed
 * by another (milk is, a birthday candle is not). Smoothed toward the catalogue-wide rate with
 * PRIOR_BUYERS pseudo-buyers. When the statistics include this user's own history, their own
 * purchase is taken out (leave-one-out), so the feature says what *others* did, exactly as it did
 * in calibration, where the user's orders were left out of the statistics altogether.
 */
export interface ProductPriors {
  repeatRate(productId: string, ownOrders: number): number;
}

export const PRIOR_BUYERS = 5;
/** The catalogue-wide repeat rate the bundled weights were fitted around, for contexts built without statistics. */
export const DEFAULT_REPEAT_RATE = 0.4;

export function productPriors(stats: Pick<CatalogueStats, 'productRepeat' | 'repeatPrior'>, { includesUser }: { readonly includesUser: boolean }): ProductPriors {
  return {
    repeatRate(productId, ownOrders) {
      const r = stats.productRepeat.get(productId) ?? { buyers: 0, repeaters: 0 };
      const buyers = Math.max(0, r.buyers - (includesUser ? 1 : 0));
      const repeaters = Math.max(0, r.repeaters - (includesUser && ownOrders >= 2 ? 1 : 0));
      return (repeaters + PRIOR_BUYERS * stats.repeatPrior) / (buyers + PRIOR_BUYERS);
    },
  };
}

/** Without statistics every product gets the same prior: the feature is then a constant. */
export const flatPriors: ProductPriors = { repeatRate: () => DEFAULT_REPEAT_RATE };

/** The user-level facts each product's features sit beside. */
export interface HistorySummary {
  readonly historyOrders: number;
  /** Mean days between consecutive history orders; undefined when the data has no days or there is one order. */
  readonly meanOrderGapDays: number | undefined;
  /** Mean distinct products per history order. */
  readonly meanBasket: number;
  /** Distinct products in the history. */
  readonly distinctProducts: number;
}

/** How many of the latest orders count as "recent". */
export const RECENT_ORDERS = 5;
/** Beta prior of the repurchase rate (a pseudo-order each way), so one lucky reorder is not a certainty. */
export const REPURCHASE_PRIOR = { hits: 1, misses: 1 } as const;

/** Every day in the history is known: a partial calendar would mix real and invented gaps. */
const daysKnown = (orders: readonly Order[]): boolean => orders.length > 0 && orders.every((o) => o.day !== undefined);

export function summariseHistory(orders: readonly Order[]): HistorySummary {
  const n = orders.length;
  const distinct = new Set<string>();
  let basket = 0;
  for (const o of orders) {
    const inOrder = new Set(o.lines.map((l) => l.productId));
    basket += inOrder.size;
    for (const id of inOrder) distinct.add(id);
  }
  const days = daysKnown(orders) && n >= 2 ? (orders[n - 1].day! - orders[0].day!) / (n - 1) : undefined;
  return { historyOrders: n, meanOrderGapDays: days, meanBasket: n ? basket / n : 0, distinctProducts: distinct.size };
}

/**
 * Features for every product in the history, ascending by product id. Positions are order indices
 * (0 = first history order), so the features need nothing but the orders' sequence, plus their days
 * when every one is known.
 */
export function propensityFeatures(orders: readonly Order[], priors: ProductPriors = flatPriors): PropensityFeatures[] {
  const n = orders.length;
  if (n === 0) return [];
  const withDays = daysKnown(orders);
  const summary = summariseHistory(orders);
  // Where the next order is expected to fall: one mean gap after the last history order.
  const nextDay = withDays && summary.meanOrderGapDays !== undefined ? orders[n - 1].day! + summary.meanOrderGapDays : undefined;
  const positions = new Map<string, number[]>();
  orders.forEach((o, i) => {
    for (const id of new Set(o.lines.map((l) => l.productId))) {
      const list = positions.get(id);
      if (list) list.push(i);
      else positions.set(id, [i]);
    }
  });
  const recentFrom = Math.max(0, n - RECENT_ORDERS);
  const recentCount = n - recentFrom;
  return [...positions.keys()].sort(compareIds).map((productId) => {
    const at = positions.get(productId)!;
    const first = at[0];
    const last = at[at.length - 1];
    const count = at.length;
    const later = n - first - 1;
    const gapOrders = count >= 2 ? (last - first) / (count - 1) : undefined;
    const gapDays = withDays && count >= 2 ? (orders[last].day! - orders[first].day!) / (count - 1) : undefined;
    return {
      productId,
      orders: count,
      share: count / n,
      ordersSinceLast: n - 1 - last,
      recentShare: at.filter((i) => i >= recentFrom).length / recentCount,
      repurchaseRate: (count - 1 + REPURCHASE_PRIOR.hits) / (later + REPURCHASE_PRIOR.hits + REPURCHASE_PRIOR.misses),
      daysSinceLast: nextDay === undefined ? undefined : nextDay - orders[last].day!,
      typicalGapDays: gapDays,
      ordersToNext: n - last,
      typicalGapOrders: gapOrders,
      productRepeat: priors.repeatRate(productId, count),
    };
  });
}
