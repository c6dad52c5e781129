import { compareIds } from '../../catalogue/types.js';

/**
 * Ranking weights. A product's score is its relevance to the theme (raised to relevanceExponent)
 * times the user's own probability of buying it next: its reorder propensity when they have bought
 * it, its discovery probability when it is new to them (catalogue/propensity.ts, discovery.ts).
 * Both are calibrated probabilities, so a theme that may hold either compares them like with like.
 */
export interface RankingWeights {
  /** Share of relevance taken from the keyword hit score; the rest is theme-to-product cosine. */
  readonly hitWeight: number;
  /**
   * How much relevance to the theme counts against the user's probability of buying: 0 ranks a
   * theme's admitted products by probability alone, 1 multiplies by relevance.
   */
  readonly relevanceExponent: number;
  /**
   * Discovery and mixed themes also draw the user's likeliest new products (by discovery probability)
   * that the theme admits, this many per theme, beside what the keywords retrieve: a product they are
   * likely to try is rarely among a keyword's nearest catalogue neighbours.
   */
  readonly discoverySeeds: number;
  /**
   * Whether a mixed theme (one no plan made, e.g. single-step's) also draws candidates from the user's
   * own history products that its keywords' filters admit.
   */
  readonly seedOwnProducts: boolean;
  /** A seeded product needs at least this relevance to the theme, so a broad filter cannot pull in unrelated products. */
  readonly seedMinRelevance: number;
  /** In a mixed theme, at most this share of the slots (rounded up) go to products the user has bought: the rest stay for discovery. */
  readonly maxOwnShare: number;
}

/** The config defaults (config-schema phases.assemble.ranking), for code and tests that rank without a config. */
export const DEFAULT_RANKING: RankingWeights = {
  hitWeight: 0.5,
  relevanceExponent: 0.5,
  discoverySeeds: 36,
  seedOwnProducts: true,
  seedMinRelevance: 0.5,
  maxOwnShare: 0.75,
};

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Relevance to the theme in [0,1]: a blend of the keyword's hit score and the theme/product cosine. */
export function relevance(hitScore: number, themeCosine: number, w: RankingWeights = DEFAULT_RANKING): number {
  return w.hitWeight * clamp01(hitScore) + (1 - w.hitWeight) * clamp01(themeCosine);
}

/** relevance^exponent × probability: the score a product is ranked by within a theme. */
export function rankScore(rel: number, probability: number, w: RankingWeights = DEFAULT_RANKING): number {
  return clamp01(rel) ** w.relevanceExponent * clamp01(probability);
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
