import type { Ctx } from '../../kit/context.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { compareIds, type Catalogue } from '../../catalogue/types.js';
import { isPlaceable } from '../../catalogue/restricted.js';
import { discoveryScorer, discoveryUserOf } from '../../catalogue/discovery.js';

/**
 * The page's mix, decided before any theme is written, so every tier (local and LLM) plans the same
 * page: "buy it again" themes holding the user's products by reorder propensity, then discovery
 * themes of products new to them. Config: phases.themes.plan (how many of each) and
 * phases.assemble.productsPerTheme (how many products a theme holds).
 */
export interface PlannedProduct {
  readonly id: string;
  readonly name: string;
  readonly categoryId: string;
  readonly departmentId: string;
  /** Reorder propensity (staples) or discovery probability (new products). */
  readonly score: number;
}

export interface PagePlan {
  readonly staplesThemes: number;
  readonly discoveryThemes: number;
  readonly productsPerTheme: number;
  /** The owned products the staples themes hold: the likeliest to be reordered, at most staplesThemes × productsPerTheme. */
  readonly staples: readonly PlannedProduct[];
  /** Products new to the user, likeliest to be bought first: what discovery themes are built around. */
  readonly discovery: readonly PlannedProduct[];
}

export type PlanDeps = Pick<Ctx, 'config' | 'catalogue' | 'stats'>;

/** New products the plan considers: enough to name a few themes, few enough to stay cheap. */
export const DISCOVERY_POOL = 200;

/** Everything planPage reads from config, for the themes artefact key. */
export function planConfig(deps: Pick<Ctx, 'config'>) {
  const { plan, maxThemes } = deps.config.phases.themes;
  const { productsPerTheme, minProductsPerTheme } = deps.config.phases.assemble;
  return { ...plan, maxThemes, productsPerTheme, minProductsPerTheme, allowAlcohol: deps.config.phases.filter.policy.allowAlcohol };
}

export function planPage(user: UserContext, deps: PlanDeps): PagePlan {
  const { staplesThemes, discoveryThemes, maxThemes, productsPerTheme, minProductsPerTheme, allowAlcohol } = planConfig(deps);
  const placeable = (id: string) => isPlaceable(deps.catalogue, id, { allowAlcohol });
  const owned = Object.entries(user.reorderPropensity)
    .filter(([id]) => placeable(id))
    .sort(([a, x], [b, y]) => y - x || compareIds(a, b));
  // Every staple the user has goes on the page, up to staplesThemes full themes, except a remainder too
  // small to make a theme (Phase 4 would drop it); the slots they cannot fill go to discovery.
  const remainder = owned.length % productsPerTheme;
  const fillable = Math.floor(owned.length / productsPerTheme) + (remainder > 0 && remainder >= Math.max(1, minProductsPerTheme) ? 1 : 0);
  const staplesCount = Math.min(staplesThemes, maxThemes, fillable);
  const discoveryCount = Math.max(0, Math.min(maxThemes - staplesCount, discoveryThemes + (staplesThemes - staplesCount)));
  const staples = owned.slice(0, staplesCount * productsPerTheme).map(([id, score]) => planned(deps.catalogue, id, score));
  const discovery =
    discoveryCount === 0 || owned.length === 0
      ? []
      : discoveryScorer(discoveryUserOf(user), deps.stats, deps.catalogue)
          .ranked()
          .filter((x) => placeable(x.productId))
          .slice(0, DISCOVERY_POOL)
          .map((x) => planned(deps.catalogue, x.productId, x.score));
  return { staplesThemes: staplesCount, discoveryThemes: discoveryCount, productsPerTheme, staples, discovery };
}

function planned(catalogue: Catalogue, id: string, score: number): PlannedProduct {
  const p = catalogue.products.get(id)!;
  return { id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, score };
}

/** Sum of scores per key, for ordering groups by how much they hold. */
function mass(products: readonly PlannedProduct[], key: (p: PlannedProduct) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of products) out.set(key(p), (out.get(key(p)) ?? 0) + p.score);
  return out;
}

/**
 * Splits products into `themes` groups of `size` that read as themes: ordered by department, then
 * category (each by total score), then score, and cut into runs, so a group spans few categories;
 * groups come back likeliest first (by total score).
 */
export function groupProducts(products: readonly PlannedProduct[], themes: number, size: number): PlannedProduct[][] {
  if (themes <= 0 || products.length === 0) return [];
  const dept = mass(products, (p) => p.departmentId);
  const cat = mass(products, (p) => p.categoryId);
  const ordered = [...products].sort(
    (a, b) =>
      dept.get(b.departmentId)! - dept.get(a.departmentId)! ||
      compareIds(a.departmentId, b.departmentId) ||
      cat.get(b.categoryId)! - cat.get(a.categoryId)! ||
      compareIds(a.categoryId, b.categoryId) ||
      b.score - a.score ||
      compareIds(a.id, b.id),
  );
  const groups: PlannedProduct[][] = [];
  for (let i = 0; i < themes && i * size < ordered.length; i++) groups.push(ordered.slice(i * size, (i + 1) * size));
  const total = (g: readonly PlannedProduct[]) => g.reduce((s, p) => s + p.score, 0);
  return groups.sort((a, b) => total(b) - total(a) || compareIds(a[0].id, b[0].id));
}

/** The staples themes' products: the plan's staples, grouped (groupProducts). */
export const groupStaples = (plan: Pick<PagePlan, 'staples' | 'staplesThemes' | 'productsPerTheme'>): PlannedProduct[][] => groupProducts(plan.staples, plan.staplesThemes, plan.productsPerTheme);

/**
 * The discovery themes' products: the user's likeliest new products, as many as the themes hold,
 * grouped the same way. A theme then names the categories its group spans, so Phase 4, which fills
 * it with the likeliest new products in those categories, shows close to the page's likeliest new
 * products overall (grouping one category at a time gave up about a fifth of them).
 */
export const groupDiscovery = (plan: Pick<PagePlan, 'discovery' | 'discoveryThemes' | 'productsPerTheme'>): PlannedProduct[][] =>
  groupProducts(plan.discovery.slice(0, plan.discoveryThemes * plan.productsPerTheme), plan.discoveryThemes, plan.productsPerTheme);
