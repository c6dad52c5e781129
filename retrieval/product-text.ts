import { normaliseText } from '../instacart/text.js';

/**
 * Version of productText, part of the products index digest and of the artefact keys of phases that
 * read product vectors: bump it whenever productText changes what it returns.
 *   @1 `${name} (${aisle}, ${department})`
 *   @2 the name, normalised like the keyword corpus
 */
export const PRODUCT_TEXT_RECIPE = 'normalised-name@2';

/**
 * The text embedded for a product: its name, normalised as the keyword corpus is (lower case, no
 * punctuation). Why not the name as written, with "(aisle, department)" as before:
 * - USE-lite's 8K sentencepiece vocabulary is mostly lower case: "Chocolate Sandwich Cookies" is 9
 *   pieces ("▁Cho col ate ▁Sand wi ch …"), "chocolate sandwich cookies" 4, and Phase 2 and 4 query
 *   with lower-case corpus terms. Retrieval got better, not worse (bench/results/retrieval.md).
 * - The suffix doubled the tokens of every product, and embedding time grows with tokens; retrieval
 *   filters by aisle and department anyway.
 * Takes only the name so the recipe does not depend on how the catalogue models categories.
 */
export function productText(p: { readonly name: string }, _catalogue?: unknown): string {
  return normaliseText(p.name);
}
