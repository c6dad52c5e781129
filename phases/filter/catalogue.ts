import { aisleLinks, NAME_FOLDS, PLACEHOLDER_NAMES, resolvePlacement } from '../../catalogue/names.js';
import type { Catalogue } from '../../catalogue/types.js';

// The filter has always matched names case- and white-space-insensitively (not punctuation-insensitively).
const norm = NAME_FOLDS.spaces;

/** Catalogue ids of a theme's aisle and department names; names not in the catalogue are dropped. */
export function resolveThemePlacement(
  theme: { readonly aisles: readonly string[]; readonly departments?: readonly string[] },
  catalogue: Catalogue,
): { aisleIds: number[]; departmentIds: number[]; unknown: string[] } {
  // An aisle implies its department, so department-level rules (alcohol) see it.
  return resolvePlacement(catalogue, theme.aisles, theme.departments ?? [], 'spaces');
}

/** True when the aisle is a real grocery aisle (known, and neither it nor its department a placeholder). */
export function isGroceryAisle(aisleId: number, catalogue: Catalogue): boolean {
  const name = catalogue.aisles.get(aisleId)?.name;
  if (!name || PLACEHOLDER_NAMES.has(norm(name))) return false;
  const dept = aisleLinks(catalogue).departmentOfAisle.get(aisleId);
  const deptName = dept === undefined ? undefined : catalogue.departments.get(dept)?.name;
  return deptName === undefined || !PLACEHOLDER_NAMES.has(norm(deptName));
}
