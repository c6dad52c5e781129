import type { Catalogue } from '../../catalogue/types.js';
import type { Theme, Themes } from './schema.js';
import { aisleLinks, resolveNames } from '../../catalogue/names.js';
import { slugify, uniqueIds } from './catalogue-names.js';

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
  const { departmentOfAisle } = aisleLinks(catalogue);
  const deptNameOfAisle = new Map<string, string>();
  for (const a of catalogue.aisles.values()) {
    const dept = catalogue.departments.get(departmentOfAisle.get(a.id) ?? -1);
    if (dept) deptNameOfAisle.set(a.name, dept.name);
  }
  const warnings: string[] = [];
  let droppedNames = 0;
  // Names match trimmed and case-insensitively ('case'), and come back in the catalogue's spelling.
  const mapNames = (themeId: string, kind: 'aisle' | 'department', names: readonly string[]): string[] => {
    const { names: canonical, unknown } = resolveNames(catalogue, kind, names, 'case');
    for (const name of unknown) {
      droppedNames++;
      warnings.push(`theme "${themeId}": unknown ${kind} "${name}" dropped`);
    }
    return canonical;
  };

  let themes: Theme[] = raw.themes.map((t) => {
    const aisles = mapNames(t.id, 'aisle', t.aisles);
    let departments = mapNames(t.id, 'department', t.departments);
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
