import { createHash } from 'node:crypto';
import { compareIds } from './types.js';
import { idCodes } from './id-codes.js';

/**
 * Item-item co-purchase statistics over a set of orders (history orders only, never an eval's
 * target): which products are bought in the same basket as which. Stored as two compressed lists
 * (orders → products, products → orders) over integer codes, so the 270K history lines of the
 * bundled sample take about 2 MB and a user's co-purchase profile is computed on demand, in
 * milliseconds, instead of materialising every pair.
 */
export interface CoPurchase {
  /** Orders counted. */
  readonly totalOrders: number;
  /** Digest of the baskets, for artefact keys. */
  readonly digest: string;
  /** Orders containing the product. */
  ordersOf(productId: string): number;
  /**
   * For weighted products (a user's, say), every other product's weighted mean conditional
   * probability of being in a basket with them: Σ_i w_i · P(j | i) ÷ Σ_i w_i, where P(j | i) is the
   * share of baskets holding i that also hold j. The weighted products themselves are left out.
   */
  conditional(weights: ReadonlyMap<string, number>): Map<string, number>;
  /** conditional(j) ÷ P(j): how much more likely j is beside these products than in any basket. */
  lift(conditionalProbability: number, productId: string): number;
}

/** Baskets as lists of product ids; duplicates within a basket count once. */
export function buildCoPurchase(baskets: Iterable<readonly string[]>): CoPurchase {
  const { code, ids, codeOf } = idCodes();
  const orderStart: number[] = [0];
  const items: number[] = [];
  for (const basket of baskets) {
    for (const id of new Set(basket)) items.push(codeOf(id));
    orderStart.push(items.length);
  }
  const totalOrders = orderStart.length - 1;
  const orderOffsets = Int32Array.from(orderStart);
  const orderItems = Int32Array.from(items);

  // products → orders, by counting sort.
  const counts = new Int32Array(ids.length);
  for (const c of orderItems) counts[c]++;
  const productOffsets = new Int32Array(ids.length + 1);
  for (let p = 0; p < ids.length; p++) productOffsets[p + 1] = productOffsets[p] + counts[p];
  const fill = productOffsets.slice(0, ids.length);
  const productOrders = new Int32Array(orderItems.length);
  for (let o = 0; o < totalOrders; o++) {
    for (let k = orderOffsets[o]; k < orderOffsets[o + 1]; k++) productOrders[fill[orderItems[k]]++] = o;
  }

  // The baskets in a canonical spelling (sorted ids), so the digest does not depend on input order.
  const hash = createHash('sha256');
  const canonical: string[] = [];
  for (let o = 0; o < totalOrders; o++) {
    const basket: string[] = [];
    for (let k = orderOffsets[o]; k < orderOffsets[o + 1]; k++) basket.push(ids[orderItems[k]]);
    canonical.push(basket.sort(compareIds).join(','));
  }
  for (const b of canonical.sort()) hash.update(b).update('\n');
  const digest = hash.digest('hex');

  const scratch = new Float64Array(ids.length);
  return {
    totalOrders,
    digest,
    ordersOf: (id) => {
      const c = code.get(id);
      return c === undefined ? 0 : counts[c];
    },
    conditional(weights) {
      const owned = new Set<number>();
      let totalWeight = 0;
      for (const [id, w] of weights) {
        const c = code.get(id);
        if (c !== undefined && w > 0) owned.add(c);
        if (w > 0) totalWeight += w;
      }
      const touched: number[] = [];
      for (const [id, w] of weights) {
        const i = code.get(id);
        if (i === undefined || !(w > 0)) continue;
        const per = w / counts[i];
        for (let k = productOffsets[i]; k < productOffsets[i + 1]; k++) {
          const o = productOrders[k];
          for (let m = orderOffsets[o]; m < orderOffsets[o + 1]; m++) {
            const j = orderItems[m];
            if (owned.has(j)) continue;
            if (scratch[j] === 0) touched.push(j);
            scratch[j] += per;
          }
        }
      }
      const out = new Map<string, number>();
      for (const j of touched.sort((a, b) => a - b)) {
        out.set(ids[j], scratch[j] / totalWeight);
        scratch[j] = 0;
      }
      return out;
    },
    lift(p, id) {
      const c = code.get(id);
      return c === undefined || totalOrders === 0 ? 0 : p / (counts[c] / totalOrders);
    },
  };
}
