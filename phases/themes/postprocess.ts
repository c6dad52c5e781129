import type { Catalogue } from '../../instacart/types.js';
import type { Theme, Themes } from './schema.js';
import { catalogueIndex, slugify, uniqueIds } from './catalogue-names.js';

export interface ThemeCountLimits {
  readonly minThemes: number;
  readonly maxThemes: number;
}

export interface PostProcessed {
  readonly themes: Themes;
  /** What was changed or dropped, for the attempt's notes and the confidence penalty. */
  readonly warnings: readonly string[];
  /** Aisle/department names that matched nothing in the catalogue. */
  readonly droppedNames: number;
}

/**
 * Grounds any tier's output in the catalogue: aisle and department names are mapped to the
 * catalogue's own spelling case-insensitively and unknown ones dropped; a theme naming aisles but
 * no department gets its aisles' departments; ids are made unique; the list is clamped to maxThemes.
 */
export function postProcessThemes(raw: Themes, catalogue: Catalogue, limits: ThemeCountLimits): PostProcessed {
  const index = catalogueIndex(catalogue);
  const deptNameOfAisle = new Map<string, string>();
  for (const a of catalogue.aisles.values()) {
    const dept = catalogue.departments.get(index.departmentOfAisle.get(a.id) ?? -1);
    if (dept) deptNameOfAisle.set(a.name, dept.name);
  }
  const warnings: string[] = [];
  let droppedNames = 0;
  const mapNames = (themeId: string, kind: string, names: readonly string[], known: ReadonlyMap<string, string>): string[] => {
    const out: string[] = [];
    for (const name of names) {
      const canonical = known.get(name.trim().toLowerCase());
      if (!canonical) {
        droppedNames++;
        warnings.push(`theme "${themeId}": unknown ${kind} "${name}" dropped`);
      } else if (!out.includes(canonical)) {
        out.push(canonical);
      }
    }
    return out;
  };

  let themes: Theme[] = raw.themes.map((t) => {
    const aisles = mapNames(t.id, 'aisle', t.aisles, index.aisleByName);
    let departments = mapNames(t.id, 'department', t.departments, index.departmentByName);
    if (departments.length === 0 && aisles.length > 0) {
      departments = [...new Set(aisles.map((a) => deptNameOfAisle.get(a)).filter((d): d is string => !!d))].slice(0, 4);
      if (departments.length > 0) warnings.push(`theme "${t.id}": departments filled in from its aisles`);
    }
    return { ...t, aisles, departments };
  });

  if (themes.length > limits.maxThemes) {
    warnings.push(`${themes.length} themes clamped to maxThemes ${limits.maxThemes}`);
    themes = themes.slice(0, limits.maxThemes);
  }
  if (themes.length < limits.minThemes) warnings.push(`only ${themes.length} themes, fewer than minThemes ${limits.minThemes}`);

  const ids = uniqueIds(themes.map((t) => (/^[a-z0-9][a-z0-9-]{0,63}$/.test(t.id) ? t.id : slugify(t.title))));
  themes = themes.map((t, i) => {
    if (ids[i] !== t.id) warnings.push(`theme id "${t.id}" renamed to "${ids[i]}" to keep ids unique`);
    return { ...t, id: ids[i] };
  });
  return { themes: { pageTitle: raw.pageTitle, themes }, warnings, droppedNames };
}
