import type { Catalogue } from '../../instacart/types.js';

interface NameIndex {
  readonly aisleIdByName: ReadonlyMap<string, number>;
  readonly departmentIdByName: ReadonlyMap<string, number>;
  /** The department most of an aisle's products sit in. */
  readonly departmentOfAisle: ReadonlyMap<number, number>;
}

const norm = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');
const cache = new WeakMap<Catalogue, NameIndex>();

function index(catalogue: Catalogue): NameIndex {
  let idx = cache.get(catalogue);
  if (idx) return idx;
  const votes = new Map<number, Map<number, number>>();
  for (const p of catalogue.products.values()) {
    const v = votes.get(p.aisleId) ?? new Map<number, number>();
    v.set(p.departmentId, (v.get(p.departmentId) ?? 0) + 1);
    votes.set(p.aisleId, v);
  }
  const departmentOfAisle = new Map<number, number>();
  for (const [aisle, v] of votes) departmentOfAisle.set(aisle, [...v].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]);
  idx = {
    aisleIdByName: new Map([...catalogue.aisles.values()].map((a) => [norm(a.name), a.id])),
    departmentIdByName: new Map([...catalogue.departments.values()].map((d) => [norm(d.name), d.id])),
    departmentOfAisle,
  };
  cache.set(catalogue, idx);
  return idx;
}

/** Catalogue ids of a theme's aisle and department names; names not in the catalogue are dropped. */
export function resolveThemePlacement(
  theme: { readonly aisles: readonly string[]; readonly departments?: readonly string[] },
  catalogue: Catalogue,
): { aisleIds: number[]; departmentIds: number[]; unknown: string[] } {
  const idx = index(catalogue);
  const aisleIds: number[] = [];
  const departmentIds: number[] = [];
  const unknown: string[] = [];
  const add = (list: number[], id: number) => {
    if (!list.includes(id)) list.push(id);
  };
  for (const name of theme.aisles) {
    const id = idx.aisleIdByName.get(norm(name));
    if (id === undefined) unknown.push(name);
    else add(aisleIds, id);
  }
  for (const name of theme.departments ?? []) {
    const id = idx.departmentIdByName.get(norm(name));
    if (id === undefined) unknown.push(name);
    else add(departmentIds, id);
  }
  // An aisle implies its department, so department-level rules (alcohol) see it.
  for (const a of aisleIds) {
    const d = idx.departmentOfAisle.get(a);
    if (d !== undefined) add(departmentIds, d);
  }
  return { aisleIds, departmentIds, unknown };
}

/** Placeholder aisles/departments ("missing", "other") that do not place an item anywhere real. */
export const PLACEHOLDER_NAMES: ReadonlySet<string> = new Set(['missing', 'other']);

/** True when the aisle is a real grocery aisle (known, and neither it nor its department a placeholder). */
export function isGroceryAisle(aisleId: number, catalogue: Catalogue): boolean {
  const name = catalogue.aisles.get(aisleId)?.name;
  if (!name || PLACEHOLDER_NAMES.has(norm(name))) return false;
  const dept = index(catalogue).departmentOfAisle.get(aisleId);
  const deptName = dept === undefined ? undefined : catalogue.departments.get(dept)?.name;
  return deptName === undefined || !PLACEHOLDER_NAMES.has(norm(deptName));
}
