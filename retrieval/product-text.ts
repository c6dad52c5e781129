import type { Catalogue, Product } from '../instacart/types.js';

/**
 * Version of productText, part of the products index digest and of the artefact keys of phases that
 * read product vectors: bump it whenever productText changes what it returns.
 */
export const PRODUCT_TEXT_RECIPE = 'product-name@1';

/** The text embedded for a product: its name with aisle and department, so "milk" finds dairy. */
export function productText(p: Product, catalogue: Catalogue): string {
  return `${p.name} (${catalogue.aisles.get(p.aisleId)?.name ?? ''}, ${catalogue.departments.get(p.departmentId)?.name ?? ''})`;
}
