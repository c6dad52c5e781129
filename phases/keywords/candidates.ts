import type { Ctx } from '../../pipelines/context.js';
import { COLLECTIONS } from '../../pipelines/context.js';
import type { Catalogue } from '../../instacart/types.js';
import { normaliseText } from '../../instacart/text.js';
import type { KeywordKind } from '../../retrieval/corpus-types.js';
import type { SearchHit } from '../../retrieval/vectors/store.js';
import type { Theme } from '../themes/schema.js';
import type { Candidate, ThemeScope } from './features.js';

/** The form corpus terms are mined in (instacart normaliseText), so model-written text finds them. */
export const normaliseName = (s: string): string => normaliseText(s);

interface NameIndex {
  readonly aisles: ReadonlyMap<string, number>;
  readonly departments: ReadonlyMap<string, number>;
  /** Each aisle's department (the one most of its products are in). */
  readonly aisleDepartment: ReadonlyMap<number, number>;
}

const nameIndexes = new WeakMap<Catalogue, NameIndex>();

function nameIndex(catalogue: Catalogue): NameIndex {
  let idx = nameIndexes.get(catalogue);
  if (idx) return idx;
  const counts = new Map<number, Map<number, number>>();
  for (const p of catalogue.products.values()) {
    const byDept = counts.get(p.aisleId) ?? new Map<number, number>();
    byDept.set(p.departmentId, (byDept.get(p.departmentId) ?? 0) + 1);
    counts.set(p.aisleId, byDept);
  }
  const aisleDepartment = new Map<number, number>();
  for (const [aisle, byDept] of counts) aisleDepartment.set(aisle, [...byDept].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]);
  idx = {
    aisles: new Map([...catalogue.aisles.values()].map((a) => [normaliseName(a.name), a.id])),
    departments: new Map([...catalogue.departments.values()].map((d) => [normaliseName(d.name), d.id])),
    aisleDepartment,
  };
  nameIndexes.set(catalogue, idx);
  return idx;
}

/** Maps names to ids; names the catalogue doesn't have come back in `unknown` (models invent aisles). */
export function aisleIdsFor(catalogue: Catalogue, names: readonly string[]): { ids: number[]; unknown: string[] } {
  return mapNames(nameIndex(catalogue).aisles, names);
}

export function departmentIdsFor(catalogue: Catalogue, names: readonly string[]): { ids: number[]; unknown: string[] } {
  return mapNames(nameIndex(catalogue).departments, names);
}

function mapNames(index: ReadonlyMap<string, number>, names: readonly string[]): { ids: number[]; unknown: string[] } {
  const ids: number[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const id = index.get(normaliseName(n));
    if (id === undefined) unknown.push(n);
    else if (!ids.includes(id)) ids.push(id);
  }
  return { ids, unknown };
}

/**
 * A theme as the student sees it: aisle and department names resolved to ids. Departments of the
 * theme's aisles are added, since a theme naming "yogurt" is about "dairy eggs" too.
 */
export function themeScope(theme: Theme, catalogue: Catalogue): ThemeScope & { unknownNames: string[] } {
  const aisles = aisleIdsFor(catalogue, theme.aisles);
  const departments = departmentIdsFor(catalogue, theme.departments);
  const { aisleDepartment } = nameIndex(catalogue);
  const departmentIds = [...departments.ids];
  for (const a of aisles.ids) {
    const d = aisleDepartment.get(a);
    if (d !== undefined && !departmentIds.includes(d)) departmentIds.push(d);
  }
  return {
    id: theme.id,
    title: theme.title,
    description: theme.description,
    concepts: theme.concepts,
    aisleIds: aisles.ids,
    departmentIds,
    unknownNames: [...aisles.unknown, ...departments.unknown],
  };
}

/** The text a theme is embedded as: everything it says about itself. */
export const themeText = (theme: Pick<Theme, 'title' | 'description' | 'concepts'>): string =>
  `${theme.title}. ${theme.description} ${theme.concepts.join(', ')}`;

const numArray = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);

const KINDS: readonly KeywordKind[] = ['phrase', 'aisle', 'department', 'attribute'];

function hitToCandidate(hit: SearchHit): Omit<Candidate, 'rank'> {
  const p = hit.payload;
  if (typeof p.text !== 'string') throw new Error(`keywords collection point ${hit.id} has no text payload; re-index the keyword corpus`);
  const kind = KINDS.includes(p.kind as KeywordKind) ? (p.kind as KeywordKind) : 'phrase';
  return { id: hit.id, text: p.text, kind, df: typeof p.df === 'number' ? p.df : 0, aisles: numArray(p.aisles), departments: numArray(p.departments), similarity: hit.score };
}

/**
 * Vector search prunes the keyword corpus to `k` candidates for a theme. When the theme names
 * aisles, a quarter of the slots are reserved for the best terms found in those aisles, so a
 * description that drifts semantically cannot crowd out the aisles the theme asked for.
 */
export async function pruneCandidates(ctx: Pick<Ctx, 'vectors'>, vector: Float32Array, aisleIds: readonly number[], k: number): Promise<Candidate[]> {
  const reserve = aisleIds.length > 0 ? Math.ceil(k / 4) : 0;
  const [global, inAisles] = await Promise.all([
    ctx.vectors.search(COLLECTIONS.keywords, vector, { k }),
    reserve > 0 ? ctx.vectors.search(COLLECTIONS.keywords, vector, { k: reserve, filter: { must: [{ key: 'aisles', match: { any: [...aisleIds] } }] } }) : Promise.resolve([]),
  ]);
  const chosen = new Map<string, SearchHit>();
  for (const h of inAisles) chosen.set(h.id, h);
  for (const h of global) {
    if (chosen.size >= k) break;
    if (!chosen.has(h.id)) chosen.set(h.id, h);
  }
  return [...chosen.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .map((h, rank) => ({ ...hitToCandidate(h), rank }));
}
