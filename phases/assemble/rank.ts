import type { UserContext } from '../../instacart/user-context-types.js';

/**
 * Ranking weights. Each factor is bounded so no single one can zero out or swamp the others:
 * a product the user never bought still surfaces when it is relevant and popular.
 */
export interface RankingWeights {
  /** Share of relevance taken from the keyword hit score; the rest is theme-to-product cosine. */
  readonly hitWeight: number;
  /** Lift per unit of product affinity (share of the user's orders containing the product). */
  readonly productAffinity: number;
  /** Lift per unit of aisle affinity (share of the user's order lines in the product's aisle). */
  readonly aisleAffinity: number;
  /** Lift per unit of catalogue popularity (0..1). */
  readonly popularity: number;
}

export const DEFAULT_RANKING: RankingWeights = { hitWeight: 0.5, productAffinity: 1, aisleAffinity: 0.5, popularity: 0.25 };

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Relevance to the theme in [0,1]: a blend of the keyword's hit score and the theme/product cosine. */
export function relevance(hitScore: number, themeCosine: number, w: RankingWeights = DEFAULT_RANKING): number {
  return w.hitWeight * clamp01(hitScore) + (1 - w.hitWeight) * clamp01(themeCosine);
}

/** Personal lift in [1, 1 + productAffinity + aisleAffinity]; exactly 1 for a user with no signal. */
export function affinityFactor(
  user: Pick<UserContext, 'productAffinity' | 'aisleAffinity'>,
  productId: number,
  aisleId: number,
  w: RankingWeights = DEFAULT_RANKING,
): number {
  const p = clamp01(user.productAffinity[String(productId)] ?? 0);
  const a = clamp01(user.aisleAffinity[String(aisleId)] ?? 0);
  return 1 + w.productAffinity * p + w.aisleAffinity * a;
}

/** Popularity lift in [1, 1 + popularity weight]. */
export function popularityFactor(popularity: number, w: RankingWeights = DEFAULT_RANKING): number {
  return 1 + w.popularity * clamp01(popularity);
}

export interface Scored {
  readonly productId: number;
  readonly score: number;
}

/** Best first: higher score, then lower productId, so equal scores always order the same way. */
export function compareScored(a: Scored, b: Scored): number {
  return b.score - a.score || a.productId - b.productId;
}

/** Keeps the best-scoring entry per productId (a product several keywords retrieved counts once). */
export function bestPerProduct<T extends Scored>(items: readonly T[]): T[] {
  const best = new Map<number, T>();
  for (const it of items) {
    const cur = best.get(it.productId);
    if (!cur || compareScored(it, cur) < 0) best.set(it.productId, it);
  }
  return [...best.values()];
}

/**
 * The top `n` items, best first, skipping products already on the page. Pure: the caller
 * decides whether to claim the chosen products (a dropped theme must not claim any).
 */
export function pickTop<T extends Scored>(items: readonly T[], n: number, taken: ReadonlySet<number>): T[] {
  return bestPerProduct(items)
    .filter((it) => !taken.has(it.productId))
    .sort(compareScored)
    .slice(0, n);
}

/** Cosine of two L2-normalised vectors (a dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`vector length mismatch: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
