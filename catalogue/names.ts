import { normaliseText } from './text.js';
import type { Aisle, Catalogue, Department } from './types.js';

/**
 * Catalogue name → id resolution and aisle→department links, shared by every phase that turns
 * model-written aisle/department names into catalogue ids. Everything is computed once per
 * Catalogue object (WeakMap), so a phase calling this per theme costs a map lookup.
 */

/** Instacart's placeholder aisles/departments ("missing", "other"): real rows that place nothing anywhere real. */
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

export interface AisleLinks {
  /** Each aisle's department: the one most of its products sit in (the lower id on a tie). */
  readonly departmentOfAisle: ReadonlyMap<number, number>;
  /** Products per aisle, e.g. for a popularity prior when there are no behavioural stats. */
  readonly productsPerAisle: ReadonlyMap<number, number>;
}

interface NameMaps {
  readonly aisles: ReadonlyMap<string, Aisle>;
  readonly departments: ReadonlyMap<string, Department>;
}

interface Memo {
  links?: AisleLinks;
  readonly names: Map<NameFold, NameMaps>;
}

const memos = new WeakMap<Catalogue, Memo>();

function memo(catalogue: Catalogue): Memo {
  let m = memos.get(catalogue);
  if (!m) memos.set(catalogue, (m = { names: new Map() }));
  return m;
}

/** Aisle→department links and aisle sizes, from one pass over the products. */
export function aisleLinks(catalogue: Catalogue): AisleLinks {
  const m = memo(catalogue);
  if (m.links) return m.links;
  const votes = new Map<number, Map<number, number>>();
  const productsPerAisle = new Map<number, number>();
  for (const p of catalogue.products.values()) {
    productsPerAisle.set(p.aisleId, (productsPerAisle.get(p.aisleId) ?? 0) + 1);
    const v = votes.get(p.aisleId) ?? new Map<number, number>();
    v.set(p.departmentId, (v.get(p.departmentId) ?? 0) + 1);
    votes.set(p.aisleId, v);
  }
  const departmentOfAisle = new Map<number, number>();
  for (const [aisle, v] of votes) departmentOfAisle.set(aisle, [...v].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]);
  return (m.links = { departmentOfAisle, productsPerAisle });
}

function nameMaps(catalogue: Catalogue, fold: NameFold): NameMaps {
  const m = memo(catalogue);
  let maps = m.names.get(fold);
  if (!maps) {
    const f = NAME_FOLDS[fold];
    // On a fold collision the later row wins, as Map construction always did at every site.
    maps = {
      aisles: new Map([...catalogue.aisles.values()].map((a) => [f(a.name), a])),
      departments: new Map([...catalogue.departments.values()].map((d) => [f(d.name), d])),
    };
    m.names.set(fold, maps);
  }
  return maps;
}

export interface ResolvedNames {
  /** Catalogue ids of the names found, each once, in the order first named. */
  readonly ids: number[];
  /** The catalogue's own spelling of each id in `ids`. */
  readonly names: string[];
  /** Names the catalogue does not have, as written (models invent aisles). */
  readonly unknown: string[];
}

/** Maps written aisle or department names to catalogue ids; unknown names are reported, never guessed. */
export function resolveNames(catalogue: Catalogue, kind: 'aisle' | 'department', names: readonly string[], fold: NameFold): ResolvedNames {
  const byName = kind === 'aisle' ? nameMaps(catalogue, fold).aisles : nameMaps(catalogue, fold).departments;
  const f = NAME_FOLDS[fold];
  const ids: number[] = [];
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
  readonly aisleIds: number[];
  /** The named departments, then the departments of the named aisles (a theme naming "yogurt" is about "dairy eggs" too). */
  readonly departmentIds: number[];
  /** Unknown aisle names, then unknown department names, as written. */
  readonly unknown: string[];
}

/** Where a theme's aisle and department names place it in the catalogue. */
export function resolvePlacement(catalogue: Catalogue, aisles: readonly string[], departments: readonly string[], fold: NameFold): Placement {
  const a = resolveNames(catalogue, 'aisle', aisles, fold);
  const d = resolveNames(catalogue, 'department', departments, fold);
  const { departmentOfAisle } = aisleLinks(catalogue);
  const departmentIds = [...d.ids];
  for (const aisle of a.ids) {
    const dept = departmentOfAisle.get(aisle);
    if (dept !== undefined && !departmentIds.includes(dept)) departmentIds.push(dept);
  }
  return { aisleIds: a.ids, departmentIds, unknown: [...a.unknown, ...d.unknown] };
}
