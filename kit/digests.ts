import { compareIds, type Catalogue } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { canonicalJson, sha256 } from '../base/hash.js';

// Hashing 50K products takes a few ms; a nightly run asks once per user, so remember per object.
const catalogueDigests = new WeakMap<Catalogue, string>();
const statsDigests = new WeakMap<CatalogueStats, string>();

/** Digest of the catalogue's products, categories and departments, for artefact keys that read it. */
export function catalogueDigest(catalogue: Catalogue): string {
  let d = catalogueDigests.get(catalogue);
  if (!d) {
    const byId = <T extends { id: string }>(m: ReadonlyMap<string, T>) => [...m.values()].sort((a, b) => compareIds(a.id, b.id));
    d = sha256(canonicalJson({ products: byId(catalogue.products), categories: byId(catalogue.categories), departments: byId(catalogue.departments) }));
    catalogueDigests.set(catalogue, d);
  }
  return d;
}

/** Digest of the order statistics behind product popularity (indexed into the product payloads). */
export function statsDigest(stats: CatalogueStats): string {
  let d = statsDigests.get(stats);
  if (!d) {
    const orders = [...stats.productOrders.entries()].sort((a, b) => compareIds(a[0], b[0]));
    // The baskets' digest covers co-purchase, which the per-product counts alone do not pin down; the
    // shoppers' digest covers whose baskets they were, which user neighbours read.
    d = sha256(canonicalJson({ totalOrders: stats.totalOrders, orders, baskets: stats.coPurchase.digest, shoppers: stats.neighboursDigest }));
    statsDigests.set(stats, d);
  }
  return d;
}

export const userDigest = (user: UserContext): string => sha256(canonicalJson(user));
