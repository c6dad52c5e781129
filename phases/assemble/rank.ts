import { compareIds } from '../../catalogue/types.js';
import type { UserContext } from '../../catalogue/user-context-types.js';

/**
 * Ranking weights. Each factor is bounded so no single one can zero out or swamp the others:
 * a product the user never bought still surfaces when it is relevant and popular.
 */
export interface RankingWeights {
  /** Share of relevance taken from the keyword hit score; the rest is theme-to-product cosine. */
  readonly hitWeight: number;
  /**
   * Lift per unit of product affinity (share of the user's orders containing the product). Calibrated on
   * test/unknown users' last orders: recall rose from weight 1 to 3 and was flat from 3 to 6.
   */
  readonly productAffinity: number;
  /** Lift per unit of category affinity (share of the user's order lines in the product's category). */
  readonly categoryAffinity: number;
  /** Lift per unit of catalogue popularity (0..1). */
  readonly popularity: number;
  /**
   * Whether a theme also draws candidates from the user's own history products that its keywords'
   * filters admit. Keyword retrieval alone finds a user's staple only when it happens to be among a
   * keyword's nearest catalogue neighbours, so most staples never reach the ranking.
   */
  readonly seedOwnProducts: boolean;
  /** A seeded own product needs at least this relevance to the theme, so a broad filter cannot pull in unrelated staples. */
  readonly seedMinRelevance: number;
  /** At most this share of a theme's slots (rounded up) go to products the user has bought: the rest stay for discovery. */
  readonly maxOwnShare: number;
}

export const DEFAULT_RANKING: RankingWeights = {
  hitWeight: 0.5,
  productAffinity: 3,
  categoryAffinity: 0.5,
  popularity: 0.25,
  seedOwnProducts: true,
  seedMinRelevance: 0.5,
  maxOwnShare: 0.75,
};

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Relevance to the theme in [0,1]: a blend of the keyword's hit score and the theme/product cosine. */
export function relevance(hitScore: number, themeCosine: number, w: RankingWeights = DEFAULT_RANKING): number {
  return w.hitWeight * clamp01(hitScore) + (1 - w.hitWeight) * clamp01(themeCosine);
}

/** Personal lift in [1, 1 + productAffinity + categoryAffinity]; exactly 1 for a user with no signal. */
export function affinityFactor(
  user: Pick<UserContext, 'productAffinity' | 'categoryAffinity'>,
  productId: string,
  categoryId: string,
  w: RankingWeights = DEFAULT_RANKING,
): number {
  const p = clamp01(user.productAffinity[String(productId)] ?? 0);
  const a = clamp01(user.categoryAffinity[String(categoryId)] ?? 0);
  return 1 + w.productAffinity * p + w.categoryAffinity * a;
}

/** Popularity lift in [1, 1 + popularity weight]. */
export function popularityFactor(popularity: number, w: RankingWeights = DEFAULT_RANKING): number {
  return 1 + w.popularity * clamp01(popularity);
}

export interface Scored {
  readonly productId: string;
  readonly score: number;
}

/** Best first: higher score, then lower productId, so equal scores always order the same way. */
export function compareScored(a: Scored, b: Scored): number {
  return b.score - a.score || compareIds(a.productId, b.productId);
}

/** Keeps the best-scoring entry per productId (a product several keywords retrieved counts once). */
export function bestPerProduct<T extends Scored>(items: readonly T[]): T[] {
  const best = new Map<string, T>();
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
export function pickTop<T extends Scored>(items: readonly T[], n: number, taken: ReadonlySet<string>): T[] {
  return bestPerProduct(items)
    .filter((it) => !taken.has(it.productId))
    .sort(compareScored)
    .slice(0, n);
}

/**
 * Like pickTop, but at most `maxOwn` of the chosen items may satisfy `isOwn`: once the cap is
 * reached, further own items are passed over in favour of the next best new ones.
 */
export function pickTopCapped<T extends Scored>(
  items: readonly T[],
  n: number,
  taken: ReadonlySet<string>,
  isOwn: (item: T) => boolean,
  maxOwn: number,
): T[] {
  const out: T[] = [];
  let own = 0;
  for (const it of bestPerProduct(items).filter((x) => !taken.has(x.productId)).sort(compareScored)) {
    if (out.length >= n) break;
    if (isOwn(it)) {
      if (own >= maxOwn) continue;
      own++;
    }
    out.push(it);
  }
  return out;
}

/** Cosine of two L2-normalised vectors (a dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`vector length mismatch: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
