import { attributesOf } from './attributes.js';
import type { Catalogue, OrderLine, UserHistory } from './types.js';
import type { UserContext } from './user-context-types.js';

/** List caps that keep the context prompt-sized. */
export const USER_CONTEXT_LIMITS = { aisles: 8, departments: 6, frequent: 25, recent: 15, preferences: 6 } as const;

/** Rounded so contexts (and the artefact keys hashed from them) are compact and stable. */
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function increment<K>(counts: Map<K, number>, key: K, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Most common key; ties go to the smallest. undefined when empty. */
function mode(counts: Map<number, number>): number | undefined {
  let best: number | undefined;
  for (const [k, c] of counts) if (best === undefined || c > counts.get(best)! || (c === counts.get(best)! && k < best)) best = k;
  return best;
}

function topShares<T>(counts: Map<number, number>, total: number, cap: number, describe: (id: number) => T): (T & { share: number })[] {
  return [...counts]
    .sort(([a, ca], [b, cb]) => cb - ca || a - b)
    .slice(0, cap)
    .map(([id, c]) => ({ ...describe(id), share: round4(c / total) }));
}

/**
 * The compact view of a user that phases see, built from history orders only: the target order is
 * never read, so nothing an eval scores against can leak into a page. Deterministic for the same input.
 */
export function buildUserContext(history: UserHistory, catalogue: Catalogue): UserContext {
  const orders = history.history;
  const lines: OrderLine[] = orders.flatMap((o) => o.lines);
  const product = (id: number) => {
    const p = catalogue.products.get(id);
    if (!p) throw new RangeError(`user ${history.userId}: product ${id} in their history is not in the catalogue`);
    return p;
  };

  const aisleLines = new Map<number, number>();
  const departmentLines = new Map<number, number>();
  const attributeLines = new Map<string, number>();
  let reorders = 0;
  for (const line of lines) {
    const p = product(line.productId);
    increment(aisleLines, p.aisleId);
    increment(departmentLines, p.departmentId);
    for (const term of attributesOf(p.name)) increment(attributeLines, term);
    if (line.reordered) reorders++;
  }

  // Orders containing each product, and the latest history position it appeared at (for tie-breaks).
  const productOrders = new Map<number, number>();
  const lastSeen = new Map<number, number>();
  orders.forEach(({ lines: orderLines }, i) => {
    for (const id of new Set(orderLines.map((l) => l.productId))) {
      increment(productOrders, id);
      lastSeen.set(id, i);
    }
  });
  // A product bought once is not "frequent" unless the history is a single order.
  const minOrders = Math.min(2, orders.length);
  const frequentProducts = [...productOrders]
    .filter(([, n]) => n >= minOrders)
    .sort(([a, na], [b, nb]) => nb - na || lastSeen.get(b)! - lastSeen.get(a)! || a - b)
    .slice(0, USER_CONTEXT_LIMITS.frequent)
    .map(([id, n]) => ({ id, name: product(id).name, aisleId: product(id).aisleId, orders: n }));

  const recentIds: number[] = [];
  for (let i = orders.length - 1; i >= 0 && recentIds.length < USER_CONTEXT_LIMITS.recent; i--) {
    for (const line of orders[i].lines) {
      if (recentIds.length === USER_CONTEXT_LIMITS.recent) break;
      if (!recentIds.includes(line.productId)) recentIds.push(line.productId);
    }
  }

  const dows = new Map<number, number>();
  const hours = new Map<number, number>();
  const gaps: number[] = [];
  for (const { order } of orders) {
    increment(dows, order.dow);
    increment(hours, order.hour);
    if (order.daysSincePrior !== undefined && order.number > 1) gaps.push(order.daysSincePrior);
  }

  const total = lines.length;
  const preferences = [...attributeLines]
    .filter(([, n]) => n >= 2)
    .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : 1))
    .slice(0, USER_CONTEXT_LIMITS.preferences)
    .map(([term, n]) => ({ term, share: round4(n / total) }));

  const productAffinity: Record<string, number> = {};
  for (const [id, n] of [...productOrders].sort(([a], [b]) => a - b)) productAffinity[String(id)] = round4(n / orders.length);
  const aisleAffinity: Record<string, number> = {};
  for (const [id, n] of [...aisleLines].sort(([a], [b]) => a - b)) aisleAffinity[String(id)] = round4(n / total);

  return {
    userId: history.userId,
    historyOrders: orders.length,
    topAisles: topShares(aisleLines, total, USER_CONTEXT_LIMITS.aisles, (id) => ({ id, name: catalogue.aisles.get(id)?.name ?? `aisle ${id}` })),
    topDepartments: topShares(departmentLines, total, USER_CONTEXT_LIMITS.departments, (id) => ({ id, name: catalogue.departments.get(id)?.name ?? `department ${id}` })),
    frequentProducts,
    recentProducts: recentIds.map((id) => ({ id, name: product(id).name, aisleId: product(id).aisleId })),
    reorderRate: total === 0 ? 0 : round4(reorders / total),
    habits: {
      topDow: mode(dows) ?? 0,
      topHour: mode(hours) ?? 0,
      meanDaysBetween: gaps.length === 0 ? undefined : Math.round((gaps.reduce((a, b) => a + b, 0) / gaps.length) * 10) / 10,
    },
    preferences,
    productAffinity,
    aisleAffinity,
  };
}

const pct = (share: number): string => `${Math.round(share * 100)}%`;
const listOr = (items: readonly string[]): string => (items.length === 0 ? 'none' : items.join('; '));

/**
 * The context as a few lines of plain text, the same for local and LLM tiers. Affinity maps are left
 * out: they are for ranking, and everything they say at prompt scale is in the lists.
 */
export function renderUserContext(uc: UserContext): string {
  const { topDow, topHour, meanDaysBetween } = uc.habits;
  const cadence = meanDaysBetween === undefined ? '' : `, about every ${meanDaysBetween} days`;
  return [
    // Instacart never published which order_dow is Sunday, so the day stays a number.
    `Shopper ${uc.userId}: ${uc.historyOrders} past orders, usually on day ${topDow} of the week (0-6) around ${String(topHour).padStart(2, '0')}:00${cadence}; ${pct(uc.reorderRate)} of items are reorders.`,
    `Top aisles: ${listOr(uc.topAisles.map((a) => `${a.name} ${pct(a.share)}`))}`,
    `Top departments: ${listOr(uc.topDepartments.map((d) => `${d.name} ${pct(d.share)}`))}`,
    `Buys often: ${listOr(uc.frequentProducts.map((p) => `${p.name} (${p.orders} orders)`))}`,
    `Recently bought: ${listOr(uc.recentProducts.map((p) => p.name))}`,
    `Leans towards: ${listOr(uc.preferences.map((p) => `${p.term} ${pct(p.share)}`))}`,
  ].join('\n');
}
