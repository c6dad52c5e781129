import { createHash } from 'node:crypto';
import { compareIds } from './types.js';
import { idCodes } from './id-codes.js';

/**
 * Shoppers like this one: user-based nearest neighbours over history orders (never an eval's target).
 * Item-item co-purchase sees each owned product on its own; a neighbour sees the whole household —
 * what shoppers whose baskets look like this user's, taken together, buy that this one has not tried.
 * On the discovery task it is the one signal that added clearly to co-purchase, popularity and the
 * user's category shares (catalogue/weights/README.md).
 *
 * A shopper is a vector over products: w_vj = ln(1 + orders of v holding j) × (ln(shoppers ÷ buyers
 * of j) + 0.1), scaled to length 1, so a product everyone buys says little about who is alike.
 * Similarity is the cosine; the score of a product for user u is the similarity-weighted mean of the
 * neighbours' weights on it, over the k most similar *other* shoppers:
 *
 *   knn(j) = Σ_v sim(u,v) · w_vj ÷ Σ_v sim(u,v)
 *
 * Stored as compressed lists (shoppers → products, products → shoppers) over integer codes; a query
 * walks the lists of the user's own products only, about a millisecond per user on the bundled sample.
 * Memory and query time grow with the number of shoppers: a catalogue with millions of them would
 * want the pool sampled.
 */
export interface UserNeighbours {
  /** Shoppers in the pool. */
  readonly shoppers: number;
  /** Digest of who bought what in how many orders, for artefact keys. */
  readonly digest: string;
  /**
   * knn(j) for every product a neighbour bought (the user's own included: a caller that wants new
   * products leaves them out). `query.userId` is never its own neighbour.
   */
  productScores(query: NeighbourQuery, k?: number): Map<string, number>;
}

export interface NeighbourQuery {
  /** The shopper asking, when they are in the pool: left out of their own neighbours. */
  readonly userId?: string;
  /** Their history: product → number of history orders holding it. */
  readonly orderCounts: ReadonlyMap<string, number>;
}

/** One shopper's history for the pool: product → number of history orders holding it. */
export interface ShopperHistory {
  readonly userId: string;
  readonly orderCounts: ReadonlyMap<string, number>;
}

/** Neighbours per query: the measured optimum was flat from 50 to 500 on the bundled sample; 200 it is. */
export const DEFAULT_NEIGHBOURS = 200;

/** Orders per product of one history (baskets of product ids; a product counts once per basket). */
export function orderCountsOf(baskets: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const basket of baskets) for (const id of new Set(basket)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/**
 * The digest of a pool, cheap enough to take without building it (every run keys its pages on it):
 * one streamed hash over the shoppers in id order, each one's products in code-unit order (any
 * fixed order is canonical).
 */
export function neighboursDigest(histories: readonly ShopperHistory[]): string {
  const hash = createHash('sha256');
  for (const h of [...histories].sort((a, b) => compareIds(a.userId, b.userId))) {
    const products = [...h.orderCounts.keys()].sort().map((id) => `${JSON.stringify(id)}=${h.orderCounts.get(id)}`);
    hash.update(`${JSON.stringify(h.userId)}:${products.join(',')}\n`);
  }
  return hash.digest('hex');
}

export function buildUserNeighbours(histories: readonly ShopperHistory[], digest = neighboursDigest(histories)): UserNeighbours {
  const shoppers = [...histories].filter((h) => h.orderCounts.size > 0).sort((a, b) => compareIds(a.userId, b.userId));
  const { code, ids, codeOf } = idCodes();
  const userIndex = new Map<string, number>();
  const userStart = new Int32Array(shoppers.length + 1);
  const items: number[] = [];
  const counts: number[] = [];
  shoppers.forEach((h, u) => {
    userIndex.set(h.userId, u);
    for (const [id, n] of h.orderCounts) {
      items.push(codeOf(id));
      counts.push(n);
    }
    userStart[u + 1] = items.length;
  });
  const buyers = new Int32Array(ids.length);
  for (const c of items) buyers[c]++;
  const idf = Float64Array.from(buyers, (b) => Math.log(shoppers.length / b) + 0.1);

  // Each shopper's weights, scaled to length 1.
  const weight = new Float64Array(items.length);
  for (let u = 0; u < shoppers.length; u++) {
    let norm = 0;
    for (let m = userStart[u]; m < userStart[u + 1]; m++) {
      weight[m] = Math.log1p(counts[m]) * idf[items[m]];
      norm += weight[m] ** 2;
    }
    norm = Math.sqrt(norm) || 1;
    for (let m = userStart[u]; m < userStart[u + 1]; m++) weight[m] /= norm;
  }

  // products → (shopper, weight), by counting sort.
  const productStart = new Int32Array(ids.length + 1);
  for (let p = 0; p < ids.length; p++) productStart[p + 1] = productStart[p] + buyers[p];
  const fill = productStart.slice(0, ids.length);
  const productUsers = new Int32Array(items.length);
  const productWeights = new Float64Array(items.length);
  for (let u = 0; u < shoppers.length; u++) {
    for (let m = userStart[u]; m < userStart[u + 1]; m++) {
      const at = fill[items[m]]++;
      productUsers[at] = u;
      productWeights[at] = weight[m];
    }
  }

  // Scratch for one query at a time (queries are synchronous), reset after each.
  const similarity = new Float64Array(shoppers.length);
  const score = new Float64Array(ids.length);

  return {
    shoppers: shoppers.length,
    digest,
    productScores({ userId, orderCounts }, k = DEFAULT_NEIGHBOURS) {
      const touched: number[] = [];
      for (const [id, n] of orderCounts) {
        const p = code.get(id);
        if (p === undefined || n <= 0) continue;
        // The query's own length scales every similarity alike, and knn(j) is a weighted mean: it cancels.
        const w = Math.log1p(n) * idf[p];
        for (let m = productStart[p]; m < productStart[p + 1]; m++) {
          const v = productUsers[m];
          if (similarity[v] === 0) touched.push(v);
          similarity[v] += w * productWeights[m];
        }
      }
      const self = userId === undefined ? undefined : userIndex.get(userId);
      const neighbours = touched.filter((v) => v !== self && similarity[v] > 0).sort((a, b) => similarity[b] - similarity[a] || a - b).slice(0, k);
      let total = 0;
      const products: number[] = [];
      for (const v of neighbours) {
        const sim = similarity[v];
        total += sim;
        for (let m = userStart[v]; m < userStart[v + 1]; m++) {
          const p = items[m];
          if (score[p] === 0) products.push(p);
          score[p] += sim * weight[m];
        }
      }
      const out = new Map<string, number>();
      for (const p of products) {
        out.set(ids[p], score[p] / total);
        score[p] = 0;
      }
      for (const v of touched) similarity[v] = 0;
      return out;
    },
  };
}
