import { normaliseText } from './text.js';
import type { Category, Catalogue } from './types.js';

/**
 * Catalogue name → id resolution and category→department links, shared by every phase that turns
 * model-written category/department names into catalogue ids. Everything is computed once per
 * Catalogue object (WeakMap), so a phase calling this per theme costs a map lookup.
 */

/** Instacart's placeholder categories/departments ("missing", "other"): real rows that place nothing anywhere real. */
export const PLACEHOLDER_NAMES: ReadonlySet<string> = new Set(['missing', 'other']);

/**
 * How loosely a written name may match a catalogue name. The sites that grew up separately match
 * with different rules, and a rule decides which model-written names are kept, so each keeps its own:
 * - `text`: instacart normaliseText, punctuation and accents dropped ("Dairy & Eggs" → "dairy eggs");
 *   the form the keyword corpus is mined in.
 * - `spaces`: trimmed, lower case, runs of white space folded to one ("Dairy  Eggs" → "dairy eggs").
 * - `case`: trimmed and lower case only.
 */
export const NAME_FOLDS = {
  text: normaliseText,
  spaces: (name: string): string => name.trim().toLowerCase().replace(/\s+/g, ' '),
  case: (name: string): string => name.trim().toLowerCase(),
} as const satisfies Record<string, (name: string) => string>;

export type NameFold = keyof typeof NAME_FOLDS;

export interface CategoryLinks {
  /** Each category's department: the top level of its path. */
  readonly departmentOfCategory: ReadonlyMap<string, string>;
  /** Products per category, e.g. for a popularity prior when there are no behavioural stats. */
  readonly productsPerCategory: ReadonlyMap<string, number>;
}

interface NameMaps {
  readonly categories: ReadonlyMap<string, Category>;
  readonly departments: ReadonlyMap<string, Category>;
}

interface Memo {
  links?: CategoryLinks;
  readonly names: Map<NameFold, NameMaps>;
}

const memos = new WeakMap<Catalogue, Memo>();

function memo(catalogue: Catalogue): Memo {
  let m = memos.get(catalogue);
  if (!m) memos.set(catalogue, (m = { names: new Map() }));
  return m;
}

/** Category→department links and category sizes, from one pass over the products. */
export function categoryLinks(catalogue: Catalogue): CategoryLinks {
  const m = memo(catalogue);
  if (m.links) return m.links;
  const productsPerCategory = new Map<string, number>();
  for (const p of catalogue.products.values()) productsPerCategory.set(p.categoryId, (productsPerCategory.get(p.categoryId) ?? 0) + 1);
  const departmentOfCategory = new Map<string, string>();
  for (const c of catalogue.categories.values()) departmentOfCategory.set(c.id, c.departmentId);
  return (m.links = { departmentOfCategory, productsPerCategory });
}

function nameMaps(catalogue: Catalogue, fold: NameFold): NameMaps {
  const m = memo(catalogue);
  let maps = m.names.get(fold);
  if (!maps) {
    const f = NAME_FOLDS[fold];
    // On a fold collision the later row wins, as Map construction always did at every site.
    maps = {
      categories: new Map([...catalogue.categories.values()].map((a) => [f(a.name), a])),
      departments: new Map([...catalogue.departments.values()].map((d) => [f(d.name), d])),
    };
    m.names.set(fold, maps);
  }
  return maps;
}

export interface ResolvedNames {
  /** Catalogue ids of the names found, each once, in the order first named. */
  readonly ids: string[];
  /** The catalogue's own spelling of each id in `ids`. */
  readonly names: string[];
  /** Names the catalogue does not have, as written (models invent categories). */
  readonly unknown: string[];
}

/** Maps written category or department names to catalogue ids; unknown names are reported, never guessed. */
export function resolveNames(catalogue: Catalogue, kind: 'category' | 'department', names: readonly string[], fold: NameFold): ResolvedNames {
  const byName = kind === 'category' ? nameMaps(catalogue, fold).categories : nameMaps(catalogue, fold).departments;
  const f = NAME_FOLDS[fold];
  const ids: string[] = [];
  const canonical: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const row = byName.get(f(name));
    if (row === undefined) unknown.push(name);
    else if (!ids.includes(row.id)) {
      ids.push(row.id);
      canonical.push(row.name);
    }
  }
  return { ids, names: canonical, unknown };
}

export interface Placement {
  readonly categoryIds: string[];
  /** The named departments, then the departments of the named categories (a theme naming "yogurt" is about "dairy eggs" too). */
  readonly departmentIds: string[];
  /** Unknown category names, then unknown department names, as written. */
  readonly unknown: string[];
}

/** Where a theme's category and department names place it in the catalogue. */
export function resolvePlacement(catalogue: Catalogue, categories: readonly string[], departments: readonly string[], fold: NameFold): Placement {
  const a = resolveNames(catalogue, 'category', categories, fold);
  const d = resolveNames(catalogue, 'department', departments, fold);
  const { departmentOfCategory } = categoryLinks(catalogue);
  const departmentIds = [...d.ids];
  for (const category of a.ids) {
    const dept = departmentOfCategory.get(category);
    if (dept !== undefined && !departmentIds.includes(dept)) departmentIds.push(dept);
  }
  return { categoryIds: a.ids, departmentIds, unknown: [...a.unknown, ...d.unknown] };
}
