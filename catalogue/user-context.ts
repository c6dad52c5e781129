import { attributesOf } from './attributes.js';
import { compareIds, type Catalogue, type Dataset, type OrderLine, type User, type UserHistory } from './types.js';
import { userHistory } from './history.js';
import type { UserContext } from './user-context-types.js';
import { reorderPropensity, type PropensityWeights } from './propensity.js';
import { productPriors, type ProductPriors } from './propensity-features.js';
import { catalogueStatsOf } from './stats.js';

/** List caps that keep the context prompt-sized. */
export const USER_CONTEXT_LIMITS = { categories: 8, departments: 6, frequent: 25, recent: 15, preferences: 6 } as const;

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

function topShares<T>(counts: Map<string, number>, total: number, cap: number, describe: (id: string) => T): (T & { share: number })[] {
  return [...counts]
    .sort(([a, ca], [b, cb]) => cb - ca || compareIds(a, b))
    .slice(0, cap)
    .map(([id, c]) => ({ ...describe(id), share: round4(c / total) }));
}

/**
 * The compact view of a user that phases see, built from history orders only: the target order is
 * never read, so nothing an eval scores against can leak into a page. Deterministic for the same input.
 */
export function buildUserContext(history: UserHistory, catalogue: Catalogue, user?: Pick<User, 'preferences'>, priors?: ProductPriors, propensity?: PropensityWeights): UserContext {
  const orders = history.history;
  const lines: OrderLine[] = orders.flatMap((o) => o.lines);
  const product = (id: string) => {
    const p = catalogue.products.get(id);
    if (!p) throw new RangeError(`user ${history.userId}: product ${id} in their history is not in the catalogue`);
    return p;
  };

  const categoryLines = new Map<string, number>();
  const departmentLines = new Map<string, number>();
  const attributeLines = new Map<string, number>();
  let reorders = 0;
  for (const line of lines) {
    const p = product(line.productId);
    increment(categoryLines, p.categoryId);
    increment(departmentLines, p.departmentId);
    for (const term of attributesOf(p.name)) increment(attributeLines, term);
    if (line.reordered) reorders++;
  }

  // Orders containing each product, and the latest history position it appeared at (for tie-breaks).
  const productOrders = new Map<string, number>();
  const lastSeen = new Map<string, number>();
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
    .sort(([a, na], [b, nb]) => nb - na || lastSeen.get(b)! - lastSeen.get(a)! || compareIds(a, b))
    .slice(0, USER_CONTEXT_LIMITS.frequent)
    .map(([id, n]) => ({ id, name: product(id).name, categoryId: product(id).categoryId, orders: n }));

  const recentIds: string[] = [];
  for (let i = orders.length - 1; i >= 0 && recentIds.length < USER_CONTEXT_LIMITS.recent; i--) {
    for (const line of orders[i].lines) {
      if (recentIds.length === USER_CONTEXT_LIMITS.recent) break;
      if (!recentIds.includes(line.productId)) recentIds.push(line.productId);
    }
  }

  const dows = new Map<number, number>();
  const hours = new Map<number, number>();
  const gaps: number[] = [];
  orders.forEach((order, i) => {
    if (order.dow !== undefined) increment(dows, order.dow);
    if (order.hour !== undefined) increment(hours, order.hour);
    const previous = orders[i - 1];
    if (previous?.day !== undefined && order.day !== undefined) gaps.push(order.day - previous.day);
  });

  const total = lines.length;
  const preferences = [...attributeLines]
    .filter(([, n]) => n >= 2)
    .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : 1))
    .slice(0, USER_CONTEXT_LIMITS.preferences)
    .map(([term, n]) => ({ term, share: round4(n / total) }));

  const productAffinity: Record<string, number> = {};
  for (const [id, n] of [...productOrders].sort(([a], [b]) => compareIds(a, b))) productAffinity[id] = round4(n / orders.length);
  const reorder: Record<string, number> = {};
  for (const [id, p] of reorderPropensity(orders, propensity, priors)) reorder[id] = round4(p);
  const categoryAffinity: Record<string, number> = {};
  for (const [id, n] of [...categoryLines].sort(([a], [b]) => compareIds(a, b))) categoryAffinity[id] = round4(n / total);

  return {
    userId: history.userId,
    historyOrders: orders.length,
    topCategories: topShares(categoryLines, total, USER_CONTEXT_LIMITS.categories, (id) => ({ id, name: catalogue.categories.get(id)?.name ?? `category ${id}` })),
    topDepartments: topShares(departmentLines, total, USER_CONTEXT_LIMITS.departments, (id) => ({ id, name: catalogue.departments.get(id)?.name ?? `department ${id}` })),
    frequentProducts,
    recentProducts: recentIds.map((id) => ({ id, name: product(id).name, categoryId: product(id).categoryId })),
    reorderRate: total === 0 ? 0 : round4(reorders / total),
    habits: {
      topDow: mode(dows),
      topHour: mode(hours),
      meanDaysBetween: gaps.length === 0 ? undefined : Math.round((gaps.reduce((a, b) => a + b, 0) / gaps.length) * 10) / 10,
    },
    statedPreferences: [...(user?.preferences ?? [])],
    preferences,
    productAffinity,
    reorderPropensity: reorder,
    categoryAffinity,
  };
}

// Some datasets never published which day number is Sunday, so the day stays a number.
const when = (dow: number | undefined, hour: number | undefined): string =>
  dow === undefined || hour === undefined ? '' : `, usually on day ${dow} of the week (0-6) around ${String(hour).padStart(2, '0')}:00`;

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
    `Shopper ${uc.userId}: ${uc.historyOrders} past orders${when(topDow, topHour)}${cadence}; ${pct(uc.reorderRate)} of items are reorders.`,
    `Top categories: ${listOr(uc.topCategories.map((a) => `${a.name} ${pct(a.share)}`))}`,
    `Top departments: ${listOr(uc.topDepartments.map((d) => `${d.name} ${pct(d.share)}`))}`,
    `Buys often: ${listOr(uc.frequentProducts.map((p) => `${p.name} (${p.orders} orders)`))}`,
    `Recently bought: ${listOr(uc.recentProducts.map((p) => p.name))}`,
    `Leans towards: ${listOr(uc.preferences.map((p) => `${p.term} ${pct(p.share)}`))}`,
    // Only when there are any, so a dataset without stated preferences keeps its prompts unchanged.
    ...(uc.statedPreferences.length ? [`Says they like or avoid: ${uc.statedPreferences.join('; ')}`] : []),
  ].join('\n');
}

/**
 * A user's history (with the held-out target) and the context phases see, built from the history
 * only: the one way runs, evals and the library turn a user id into phase input.
 */
export function contextOfUser(dataset: Dataset, userId: string): { readonly history: UserHistory; readonly context: UserContext } {
  const history = userHistory(dataset, userId);
  // The dataset's statistics hold this user's history too: priors leave it out (leave-one-out).
  const priors = productPriors(catalogueStatsOf(dataset), { includesUser: true });
  return { history, context: buildUserContext(history, dataset.catalogue, dataset.users.get(userId), priors) };
}

/** The phases' input for one user (see contextOfUser). */
export const userContextFor = (dataset: Dataset, userId: string): UserContext => contextOfUser(dataset, userId).context;
