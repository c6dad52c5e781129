import type { Catalogue } from './types.js';

/**
 * Where alcohol sits in a catalogue, by name, so any Instacart-shaped catalogue works. Phase 3's
 * policy removes themes and keywords placed there; Phase 1 and Phase 4 keep such products off a
 * page in the first place (a "buy it again" row holding the user's beer would lose the whole row).
 */
export const ALCOHOL_DEPARTMENTS: ReadonlySet<string> = new Set(['alcohol']);
export const ALCOHOL_CATEGORIES: ReadonlySet<string> = new Set(['beers coolers', 'red wines', 'white wines', 'spirits', 'specialty wines champagnes']);

export interface RestrictionPolicy {
  readonly allowAlcohol: boolean;
}

export function isAlcoholCategory(catalogue: Catalogue, categoryId: string): boolean {
  return ALCOHOL_CATEGORIES.has(catalogue.categories.get(categoryId)?.name.toLowerCase() ?? '');
}

export function isAlcoholDepartment(catalogue: Catalogue, departmentId: string): boolean {
  return ALCOHOL_DEPARTMENTS.has(catalogue.departments.get(departmentId)?.name.toLowerCase() ?? '');
}

/** A product that may go on a page: orderable now, and not in a category the policy keeps off pages. */
export function isPlaceable(catalogue: Catalogue, productId: string, policy: RestrictionPolicy): boolean {
  const p = catalogue.products.get(productId);
  if (!p || !p.available) return false;
  return policy.allowAlcohol || (!isAlcoholCategory(catalogue, p.categoryId) && !isAlcoholDepartment(catalogue, p.departmentId));
}
