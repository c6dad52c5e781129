import type { Catalogue } from '../../catalogue/types.js';
import type { Theme, Themes } from './schema.js';
import { categoryLinks, resolveNames } from '../../catalogue/names.js';
import { uniqueIds } from './catalogue-names.js';
import { slugify } from '../../base/text.js';

export interface ThemeCountLimits {
  readonly minThemes: number;
  readonly maxThemes: number;
}

export interface PostProcessed {
  readonly themes: Themes;
  /** What was changed or dropped, for the attempt's notes and the confidence penalty. */
  readonly warnings: readonly string[];
  /** Category/department names that matched nothing in the catalogue. */
  readonly droppedNames: number;
}

/**
 * Grounds any tier's output in the catalogue: category and department names are mapped to the
 * catalogue's own spelling case-insensitively and unknown ones dropped; a theme naming categories but
 * no department gets its categories' departments; ids are made unique; the list is clamped to maxThemes.
 */
export function postProcessThemes(raw: Themes, catalogue: Catalogue, limits: ThemeCountLimits): PostProcessed {
  const { departmentOfCategory } = categoryLinks(catalogue);
  const deptNameOfCategory = new Map<string, string>();
  for (const a of catalogue.categories.values()) {
    const dept = catalogue.departments.get(departmentOfCategory.get(a.id) ?? '');
    if (dept) deptNameOfCategory.set(a.name, dept.name);
  }
  const warnings: string[] = [];
  let droppedNames = 0;
  // Names match trimmed and case-insensitively ('case'), and come back in the catalogue's spelling.
  const mapNames = (themeId: string, kind: 'category' | 'department', names: readonly string[]): string[] => {
    const { names: canonical, unknown } = resolveNames(catalogue, kind, names, 'case');
    for (const name of unknown) {
      droppedNames++;
      warnings.push(`theme "${themeId}": unknown ${kind} "${name}" dropped`);
    }
    return canonical;
  };

  let themes: Theme[] = raw.themes.map((t) => {
    const categories = mapNames(t.id, 'category', t.categories);
    let departments = mapNames(t.id, 'department', t.departments);
    if (departments.length === 0 && categories.length > 0) {
      departments = [...new Set(categories.map((a) => deptNameOfCategory.get(a)).filter((d): d is string => !!d))].slice(0, 4);
      if (departments.length > 0) warnings.push(`theme "${t.id}": departments filled in from its categories`);
    }
    return { ...t, categories, departments };
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
