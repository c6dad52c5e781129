import type { Catalogue } from '../../instacart/types.js';

/** Words kept lower-case inside a title. */
const SMALL_WORDS = new Set(['and', 'or', 'of', 'in', 'on', 'the', 'for', 'with', 'a', 'to']);

/** Catalogue names are lower-case ("dairy eggs"); titles want "Dairy Eggs". */
export function titleCase(text: string): string {
  return text
    .split(' ')
    .filter(Boolean)
    .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

/** "a", "a and b", "a, b and c". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A schema-valid theme id from a title: lower-case words joined by dashes. */
export function slugify(text: string, maxLength = 48): string {
  const full = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (full.length <= maxLength) return full || 'theme';
  // Cut at a word boundary when there is one in the second half, so ids don't end mid-word.
  const cut = full.slice(0, maxLength);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > maxLength / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/g, '') || 'theme';
}

/** Makes ids unique by suffixing -2, -3… in order of appearance. */
export function uniqueIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    let candidate = id;
    for (let n = 2; seen.has(candidate); n++) candidate = `${id.slice(0, 60)}-${n}`;
    seen.add(candidate);
    return candidate;
  });
}

/** Catalogue placeholders ("missing", "other") that make poor theme names and poor discoveries. */
export const PLACEHOLDER_NAMES: ReadonlySet<string> = new Set(['missing', 'other']);

export interface CatalogueIndex {
  /** Lower-cased aisle/department name → canonical catalogue name. */
  readonly aisleByName: ReadonlyMap<string, string>;
  readonly departmentByName: ReadonlyMap<string, string>;
  /** Department of each aisle (the department most of its products sit in). */
  readonly departmentOfAisle: ReadonlyMap<number, number>;
  /** Products per aisle, for a popularity prior when there are no behavioural stats. */
  readonly productsPerAisle: ReadonlyMap<number, number>;
}

const indexCache = new WeakMap<Catalogue, CatalogueIndex>();

/** Name lookups and aisle→department links, computed once per catalogue object. */
export function catalogueIndex(catalogue: Catalogue): CatalogueIndex {
  const cached = indexCache.get(catalogue);
  if (cached) return cached;
  const deptVotes = new Map<number, Map<number, number>>();
  const productsPerAisle = new Map<number, number>();
  for (const p of catalogue.products.values()) {
    productsPerAisle.set(p.aisleId, (productsPerAisle.get(p.aisleId) ?? 0) + 1);
    const votes = deptVotes.get(p.aisleId) ?? new Map<number, number>();
    votes.set(p.departmentId, (votes.get(p.departmentId) ?? 0) + 1);
    deptVotes.set(p.aisleId, votes);
  }
  const departmentOfAisle = new Map<number, number>();
  for (const [aisleId, votes] of deptVotes) {
    const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    departmentOfAisle.set(aisleId, best[0]);
  }
  const index: CatalogueIndex = {
    aisleByName: new Map([...catalogue.aisles.values()].map((a) => [a.name.trim().toLowerCase(), a.name])),
    departmentByName: new Map([...catalogue.departments.values()].map((d) => [d.name.trim().toLowerCase(), d.name])),
    departmentOfAisle,
    productsPerAisle,
  };
  indexCache.set(catalogue, index);
  return index;
}
