import { normaliseText } from '../instacart/text.js';
import type { Embedder } from './embeddings/embedder.js';

/**
 * Version of how a product becomes a vector (productText, productVectors), part of the products
 * index digest and of the artefact keys of phases that read product vectors: bump it whenever
 * either changes what it returns.
 *   @1 the text `${name} (${aisle}, ${department})`
 *   @2 the name, normalised like the keyword corpus
 *   @3 the normalised name's vector plus AISLE_WEIGHT × its aisle's vector
 */
export const PRODUCT_TEXT_RECIPE = 'name-plus-aisle-vector@3';

/**
 * How much of its aisle a product's vector carries (see productVectors). Measured on 100 train
 * users' pages against @1: 0.5 and 0.8 both kept next-order recall (−0.5 and −0.3 points, ±1.9)
 * and beat @1 on product retrieval; 0.5 retrieved known matches a little better.
 */
export const AISLE_WEIGHT = 0.5;

/** What productVectors needs of a product and of the catalogue. */
export interface ProductLike {
  readonly name: string;
  readonly aisleId: number;
}
export interface AislesLike {
  readonly aisles: ReadonlyMap<number, { readonly name: string }>;
}

/**
 * The text embedded for a product: its name, normalised as the keyword corpus is (lower case, no
 * punctuation). USE-lite's 8K sentencepiece vocabulary is mostly lower case: "Chocolate Sandwich
 * Cookies" is 9 pieces ("▁Cho col ate ▁Sand wi ch …"), "chocolate sandwich cookies" 4, and Phases 2
 * and 4 query with lower-case corpus terms.
 */
export function productText(p: { readonly name: string }, _catalogue?: unknown): string {
  return normaliseText(p.name);
}

/** The text embedded for an aisle: its normalised name, which is also its keyword corpus term. */
export const aisleText = (name: string): string => normaliseText(name);

/** unit(name + weight × aisle): both inputs are unit vectors. */
export function composeProductVector(name: Float32Array, aisle: Float32Array, weight = AISLE_WEIGHT): Float32Array {
  const out = new Float32Array(name.length);
  let n = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = name[i] + weight * aisle[i];
    n += out[i] * out[i];
  }
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

/**
 * Product vectors as the index holds them and as phases compare them: the name's embedding plus
 * its aisle's. Embedding `${name} (${aisle}, ${department})` (@1) put a product's place in its
 * vector, which Phase 1 clusters a user's history on (with names alone, @2, pages' recall of the
 * next order fell from 41.5% to 36.5% on 100 train users), but it more than doubled every
 * product's tokens. Adding the aisle's vector keeps the place for the cost of 134 aisle names,
 * which the keyword corpus embeds anyway (41.0%, and better product retrieval than @1:
 * bench/results/retrieval.md).
 */
export async function productVectors(embedder: Embedder, products: readonly ProductLike[], catalogue: AislesLike): Promise<Float32Array[]> {
  const aisleIds = [...new Set(products.map((p) => p.aisleId))];
  // One embed call for names and aisles: callers (and their tests) count on one call per step.
  const vectors = await embedder.embed([...products.map((p) => productText(p)), ...aisleIds.map((id) => aisleText(catalogue.aisles.get(id)?.name ?? ''))]);
  const aisleVector = new Map(aisleIds.map((id, i) => [id, vectors[products.length + i]]));
  return products.map((p, i) => composeProductVector(vectors[i], aisleVector.get(p.aisleId)!));
}
