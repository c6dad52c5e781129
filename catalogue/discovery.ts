import { readFileSync } from 'node:fs';
import { canonicalJson, sha256 } from '../base/hash.js';
import type { LogisticFit } from '../base/logistic.js';
import { compareIds, type Catalogue } from './types.js';
import type { CatalogueStats } from './stats-types.js';
import { scoreLogistic } from './propensity.js';
import type { UserContext } from './user-context-types.js';

/**
 * Discovery: the probability that a product the user has never bought is in their next order, from
 * catalogue-wide purchase statistics (history orders only):
 *
 *   P(new j) = σ(b + a₁·log lift(j) + a₂·log popularity(j) + a₃·log popularity of j in its category
 *                 + a₄·log the user's share of lines in j's category + a₅·their share in j's department
 *                 + a₆·log lift(j) beside their most recent products + a₇·log share of shoppers who bought j
 *                 + a₈·log the user's share of new items + a₉·log co-purchase(j)
 *                 + a₁₀·log knn(j), what shoppers like this one buy)
 *
 * i.e. for the small probabilities involved, lift^a₁ × popularity^a₂ × (popularity in the user's
 * categories)^… — the product of co-purchase lift and popularity in the user's categories, with
 * exponents fitted on calibration users (catalogue/calibration.ts) rather than guessed. Lift is the
 * user's co-purchase profile: Σ_i w_i·P(j | i) ÷ Σ_i w_i over the products i they own, weighted by
 * their reorder propensity, divided by P(j). Version 2 adds what v1 could not see: what goes with
 * the user's latest baskets rather than their whole history, how many different shoppers try j (a
 * product many households buy is tried more than one a few buy every week), and how much this user
 * explores at all, which sets how their discovery compares with their staples. Version 3 adds what
 * the shoppers most like this one buy (catalogue/neighbours.ts), which co-purchase, seeing one owned
 * product at a time, misses; their products are candidates too.
 */

export interface DiscoveryFeatures {
  readonly productId: string;
  /** Weighted mean P(j | owned product) over the user's products. */
  readonly coPurchase: number;
  /** coPurchase ÷ P(j). */
  readonly lift: number;
  /** Share of history orders containing j. */
  readonly popularity: number;
  /** Orders containing j ÷ orders containing anything from its category. */
  readonly popularityInCategory: number;
  /** The user's share of history lines in j's category and department. */
  readonly categoryAffinity: number;
  readonly departmentAffinity: number;
  /** Mean P(j | product) over the user's most recent products, ÷ P(j). */
  readonly recentLift: number;
  /** Share of shoppers in the statistics who bought j at least once. */
  readonly buyerShare: number;
  /** Share of the user's history lines that were products new to them (1 − their reorder rate). */
  readonly newItemShare: number;
  /** knn(j): the similarity-weighted mean weight of j among the shoppers most like this one. */
  readonly neighbourScore: number;
}

export const DISCOVERY_INPUTS = {
  log_lift: (f) => Math.log(f.lift + 0.05),
  log_popularity: (f) => Math.log(f.popularity + 1e-5),
  log_popularity_in_category: (f) => Math.log(f.popularityInCategory + 1e-4),
  log_category_affinity: (f) => Math.log(f.categoryAffinity + 1e-3),
  department_affinity: (f) => f.departmentAffinity,
  log_recent_lift: (f) => Math.log(f.recentLift + 0.05),
  log_buyer_share: (f) => Math.log(f.buyerShare + 1e-4),
  log_new_item_share: (f) => Math.log(f.newItemShare + 0.01),
  log_co_purchase: (f) => Math.log(f.coPurchase + 1e-5),
  log_neighbours: (f) => Math.log(f.neighbourScore + 1e-3),
} satisfies Record<string, (f: DiscoveryFeatures) => number>;
export type DiscoveryInput = keyof typeof DISCOVERY_INPUTS;

export interface DiscoveryWeights extends LogisticFit {
  readonly version: string;
  readonly inputs: readonly DiscoveryInput[];
}

/** What discovery reads about the user: what they own (with weights), what they bought last, where their lines fall. */
export interface DiscoveryUser {
  /** Who they are, so that they are never their own neighbour. */
  readonly userId?: string;
  /** History orders holding each owned product, for finding the shoppers most like them. */
  readonly orderCounts: ReadonlyMap<string, number>;
  /** Owned products → weight in the co-purchase profile (their reorder propensity). */
  readonly owned: ReadonlyMap<string, number>;
  /** Share of history lines per category. */
  readonly categoryAffinity: Readonly<Record<string, number>>;
  /** Products of their latest orders (UserContext.recentProducts), each weighing the same. */
  readonly recent: readonly string[];
  /** Share of their history lines that were reorders (UserContext.reorderRate). */
  readonly reorderRate: number;
}

export function discoveryVector(f: DiscoveryFeatures, inputs: readonly DiscoveryInput[]): number[] {
  return inputs.map((name) => DISCOVERY_INPUTS[name](f));
}

/** Department shares from category shares. */
function departmentShares(user: DiscoveryUser, catalogue: Catalogue): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, share] of Object.entries(user.categoryAffinity)) {
    const dept = catalogue.categories.get(id)?.departmentId;
    if (dept) out.set(dept, (out.get(dept) ?? 0) + share);
  }
  return out;
}

/**
 * Features of any product for one user, with their co-purchase profiles and neighbours computed once:
 * `profile` holds every product co-bought with one of theirs, `neighbourScores` every product the
 * shoppers most like them bought; `features` is undefined for one they own or the catalogue lacks.
 */
export function discoveryFeatureMaker(
  user: DiscoveryUser,
  stats: CatalogueStats,
  catalogue: Catalogue,
): { profile: ReadonlyMap<string, number>; neighbourScores: ReadonlyMap<string, number>; features: (productId: string) => DiscoveryFeatures | undefined } {
  const profile = stats.coPurchase.conditional(user.owned);
  const neighbourScores = stats.neighbours.productScores({ userId: user.userId, orderCounts: user.orderCounts });
  const recentProfile = stats.coPurchase.conditional(new Map(user.recent.map((id) => [id, 1])));
  const depts = departmentShares(user, catalogue);
  const total = Math.max(1, stats.totalOrders);
  const shoppers = Math.max(1, stats.shoppers);
  const newItemShare = Math.min(1, Math.max(0, 1 - user.reorderRate));
  const features = (productId: string): DiscoveryFeatures | undefined => {
    const p = catalogue.products.get(productId);
    if (!p || user.owned.has(productId)) return undefined;
    const orders = stats.productOrders.get(productId) ?? 0;
    const popularity = orders / total;
    const coPurchase = profile.get(productId) ?? 0;
    return {
      productId,
      coPurchase,
      lift: popularity > 0 ? coPurchase / popularity : 0,
      popularity,
      popularityInCategory: orders / Math.max(1, stats.categoryOrders.get(p.categoryId) ?? 0),
      categoryAffinity: user.categoryAffinity[p.categoryId] ?? 0,
      departmentAffinity: depts.get(p.departmentId) ?? 0,
      recentLift: popularity > 0 ? (recentProfile.get(productId) ?? 0) / popularity : 0,
      buyerShare: (stats.productRepeat.get(productId)?.buyers ?? 0) / shoppers,
      newItemShare,
      neighbourScore: neighbourScores.get(productId) ?? 0,
    };
  };
  return { profile, neighbourScores, features };
}

/** The products discovery ranks for a user: every one co-bought with theirs or bought by their neighbours. */
const candidatesOf = (profile: ReadonlyMap<string, number>, neighbourScores: ReadonlyMap<string, number>): Set<string> => new Set([...profile.keys(), ...neighbourScores.keys()]);

/**
 * Features of a set of products for one user; `productIds` default to every product co-bought with
 * something the user owns or bought by their neighbours. Owned products are never candidates.
 */
export function discoveryFeatures(user: DiscoveryUser, stats: CatalogueStats, catalogue: Catalogue, productIds?: Iterable<string>): DiscoveryFeatures[] {
  const { profile, neighbourScores, features } = discoveryFeatureMaker(user, stats, catalogue);
  return [...(productIds ?? candidatesOf(profile, neighbourScores))].map(features).filter((f): f is DiscoveryFeatures => f !== undefined);
}

/** P(new j in the next order) for each product, by id. */
export function discoveryScores(user: DiscoveryUser, stats: CatalogueStats, catalogue: Catalogue, productIds?: Iterable<string>, weights: DiscoveryWeights = discoveryWeights()): Map<string, number> {
  return new Map(discoveryFeatures(user, stats, catalogue, productIds).map((f) => [f.productId, scoreLogistic(weights, discoveryVector(f, weights.inputs))]));
}

/** One user's discovery, for a page: any product's probability on demand, and the co-bought products ranked. */
export interface DiscoveryScorer {
  /** P(new j in the next order); 0 for a product the user owns or the catalogue lacks. */
  score(productId: string): number;
  /** Every product co-bought with one of theirs or bought by their neighbours, likeliest first (ties: lower id). */
  ranked(): readonly { readonly productId: string; readonly score: number }[];
}

export function discoveryScorer(user: DiscoveryUser, stats: CatalogueStats, catalogue: Catalogue, weights: DiscoveryWeights = discoveryWeights()): DiscoveryScorer {
  const { profile, neighbourScores, features } = discoveryFeatureMaker(user, stats, catalogue);
  const memo = new Map<string, number>();
  const score = (productId: string): number => {
    let s = memo.get(productId);
    if (s === undefined) {
      const f = features(productId);
      s = f ? scoreLogistic(weights, discoveryVector(f, weights.inputs)) : 0;
      memo.set(productId, s);
    }
    return s;
  };
  let ranked: { productId: string; score: number }[] | undefined;
  return {
    score,
    ranked: () =>
      (ranked ??= [...candidatesOf(profile, neighbourScores)]
        .map((productId) => ({ productId, score: score(productId) }))
        .filter((x) => x.score > 0)
        .sort((a, b) => b.score - a.score || compareIds(a.productId, b.productId))),
  };
}

/**
 * What discovery reads from a UserContext: who they are, its products weighted by reorder propensity
 * and the history orders holding each (productAffinity × historyOrders), its latest products, its
 * category shares and reorder rate.
 */
export function discoveryUserOf(user: Pick<UserContext, 'userId' | 'historyOrders' | 'productAffinity' | 'reorderPropensity' | 'categoryAffinity' | 'recentProducts' | 'reorderRate'>): DiscoveryUser {
  const orderCounts = new Map(Object.entries(user.productAffinity).map(([id, share]) => [id, Math.round(share * user.historyOrders)]));
  return {
    userId: user.userId,
    orderCounts,
    owned: new Map(Object.entries(user.reorderPropensity)),
    categoryAffinity: user.categoryAffinity,
    recent: user.recentProducts.map((p) => p.id),
    reorderRate: user.reorderRate,
  };
}

/** The model the bundled weights are for; `hubgen train-propensity` writes `weights/<version>.json`. */
export const DISCOVERY_VERSION = 'discovery-v3';
export const DISCOVERY_WEIGHTS_URL = new URL(`./weights/${DISCOVERY_VERSION}.json`, import.meta.url);

let bundled: DiscoveryWeights | undefined;
/** The bundled weights (weights/discovery-v3.json), read once. */
export function discoveryWeights(): DiscoveryWeights {
  return (bundled ??= parseDiscoveryWeights(JSON.parse(readFileSync(DISCOVERY_WEIGHTS_URL, 'utf8')), DISCOVERY_WEIGHTS_URL.pathname));
}

/** Digest of the bundled discovery weights, for artefact keys of phases that score with them. */
export function discoveryWeightsDigest(weights: DiscoveryWeights = discoveryWeights()): string {
  return sha256(canonicalJson({ version: weights.version, inputs: weights.inputs, mean: weights.mean, std: weights.std, weights: weights.weights, bias: weights.bias }));
}

export function parseDiscoveryWeights(raw: unknown, source: string): DiscoveryWeights {
  const w = raw as Partial<DiscoveryWeights>;
  if (typeof w.version !== 'string' || !Array.isArray(w.inputs) || !Array.isArray(w.weights) || typeof w.bias !== 'number') throw new Error(`${source}: not discovery weights`);
  const unknown = w.inputs.filter((i) => !(i in DISCOVERY_INPUTS));
  if (unknown.length) throw new Error(`${source}: unknown inputs ${unknown.join(', ')}`);
  if (w.weights.length !== w.inputs.length) throw new Error(`${source}: ${w.inputs.length} inputs but ${w.weights.length} weights`);
  return w as DiscoveryWeights;
}
