import { normaliseText } from '../catalogue/text.js';
import type { Embedder } from './embeddings/embedder.js';

/**
 * Version of how a product becomes a vector (productText, productVectors), part of the products
 * index digest and of the artefact keys of phases that read product vectors: bump it whenever
 * either changes what it returns.
 *   @1 the text `${name} (${category}, ${department})`
 *   @2 the name, normalised like the keyword corpus
 *   @3 the normalised name's vector plus CATEGORY_WEIGHT × its category's vector (the leaf of its
 *      category path: on Instacart the aisle; first spelled name-plus-aisle-vector@3)
 */
export const PRODUCT_TEXT_RECIPE = 'name-plus-category-vector@3';

/**
 * How much of its category a product's vector carries (see productVectors). Measured on 100
 * Instacart train users' pages against @1 (category = aisle): 0.5 and 0.8 both kept next-order
 * recall (−0.5 and −0.3 points, ±1.9) and beat @1 on product retrieval; 0.5 retrieved known matches
 * a little better.
 */
export const CATEGORY_WEIGHT = 0.5;

/** What productVectors needs of a product and of the catalogue. */
export interface ProductLike {
  readonly name: string;
  readonly categoryId: string;
}
export interface CategoriesLike {
  readonly categories: ReadonlyMap<string, { readonly name: string }>;
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

/** The text embedded for a category: its normalised name, which is also its keyword corpus term. */
export const categoryText = (name: string): string => normaliseText(name);

/** unit(name + weight × category): both inputs are unit vectors. */
export function composeProductVector(name: Float32Array, category: Float32Array, weight = CATEGORY_WEIGHT): Float32Array {
  const out = new Float32Array(name.length);
  let n = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = name[i] + weight * category[i];
    n += out[i] * out[i];
  }
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

/**
 * Product vectors as the index holds them and as phases compare them: the name's embedding plus
 * its category's. Embedding `${name} (${category}, ${department})` (@1) put a product's place in its
 * vector, which Phase 1 clusters a user's history on (with names alone, @2, pages' recall of the
 * next order fell from 41.5% to 36.5% on 100 Instacart train users), but it more than doubled
 * every product's tokens. Adding the category's vector keeps the place for the cost of the
 * category names (134 Instacart aisles), which the keyword corpus embeds anyway (41.0%, and better
 * product retrieval than @1: bench/results/retrieval.md).
 */
export async function productVectors(embedder: Embedder, products: readonly ProductLike[], catalogue: CategoriesLike): Promise<Float32Array[]> {
  const categoryIds = [...new Set(products.map((p) => p.categoryId))];
  // One embed call for names and categories: callers (and their tests) count on one call per step.
  const vectors = await embedder.embed([...products.map((p) => productText(p)), ...categoryIds.map((id) => categoryText(catalogue.categories.get(id)?.name ?? ''))]);
  const categoryVector = new Map(categoryIds.map((id, i) => [id, vectors[products.length + i]]));
  return products.map((p, i) => composeProductVector(vectors[i], categoryVector.get(p.categoryId)!));
}
