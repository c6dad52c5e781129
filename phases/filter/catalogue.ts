import { categoryLinks, NAME_FOLDS, PLACEHOLDER_NAMES, resolvePlacement } from '../../catalogue/names.js';
import type { Catalogue } from '../../catalogue/types.js';

// The filter has always matched names case- and white-space-insensitively (not punctuation-insensitively).
const norm = NAME_FOLDS.spaces;

/** Catalogue ids of a theme's category and department names; names not in the catalogue are dropped. */
export function resolveThemePlacement(
  theme: { readonly categories: readonly string[]; readonly departments?: readonly string[] },
  catalogue: Catalogue,
): { categoryIds: string[]; departmentIds: string[]; unknown: string[] } {
  // A category implies its department, so department-level rules (alcohol) see it.
  return resolvePlacement(catalogue, theme.categories, theme.departments ?? [], 'spaces');
}

/** True when the category is a real grocery category (known, and neither it nor its department a placeholder). */
export function isGroceryCategory(categoryId: string, catalogue: Catalogue): boolean {
  const name = catalogue.categories.get(categoryId)?.name;
  if (!name || PLACEHOLDER_NAMES.has(norm(name))) return false;
  const dept = categoryLinks(catalogue).departmentOfCategory.get(categoryId);
  const deptName = dept === undefined ? undefined : catalogue.departments.get(dept)?.name;
  return deptName === undefined || !PLACEHOLDER_NAMES.has(norm(deptName));
}
