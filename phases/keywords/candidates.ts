import type { Ctx } from '../../kit/context.js';
import type { Catalogue } from '../../catalogue/types.js';
import { resolvePlacement, resolveNames } from '../../catalogue/names.js';
import { normaliseText } from '../../catalogue/text.js';
import type { KeywordKind } from '../../retrieval/corpus-types.js';
import type { SearchHit } from '../../retrieval/vectors/store.js';
import type { Theme } from '../themes/schema.js';
import type { Candidate, ThemeScope } from './features.js';
import { COLLECTIONS } from '../../retrieval/collections.js';

/** The form corpus terms are mined in (instacart normaliseText), so model-written text finds them. */
export const normaliseName = (s: string): string => normaliseText(s);

/**
 * Maps names to ids; names the catalogue doesn't have come back in `unknown` (models invent categories).
 * Names match in normaliseText form ('text'), the form candidates and keywords are compared in.
 */
export function categoryIdsFor(catalogue: Catalogue, names: readonly string[]): { ids: string[]; unknown: string[] } {
  const { ids, unknown } = resolveNames(catalogue, 'category', names, 'text');
  return { ids, unknown };
}

export function departmentIdsFor(catalogue: Catalogue, names: readonly string[]): { ids: string[]; unknown: string[] } {
  const { ids, unknown } = resolveNames(catalogue, 'department', names, 'text');
  return { ids, unknown };
}

/**
 * A theme as the student sees it: category and department names resolved to ids. Departments of the
 * theme's categories are added, since a theme naming "yogurt" is about "dairy eggs" too.
 */
export function themeScope(theme: Theme, catalogue: Catalogue): ThemeScope & { unknownNames: string[] } {
  const placement = resolvePlacement(catalogue, theme.categories, theme.departments, 'text');
  return {
    id: theme.id,
    title: theme.title,
    description: theme.description,
    concepts: theme.concepts,
    categoryIds: placement.categoryIds,
    departmentIds: placement.departmentIds,
    unknownNames: placement.unknown,
  };
}

const stringArray = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const KINDS: readonly KeywordKind[] = ['phrase', 'category', 'department', 'attribute'];

function hitToCandidate(hit: SearchHit): Omit<Candidate, 'rank'> {
  const p = hit.payload;
  if (typeof p.text !== 'string') throw new Error(`keywords collection point ${hit.id} has no text payload; re-index the keyword corpus`);
  const kind = KINDS.includes(p.kind as KeywordKind) ? (p.kind as KeywordKind) : 'phrase';
  return { id: hit.id, text: p.text, kind, df: typeof p.df === 'number' ? p.df : 0, categories: stringArray(p.categories), departments: stringArray(p.departments), similarity: hit.score };
}

/**
 * Vector search prunes the keyword corpus to `k` candidates for a theme. When the theme names
 * categories, a quarter of the slots are reserved for the best terms found in those categories, so a
 * description that drifts semantically cannot crowd out the categories the theme asked for.
 */
export async function pruneCandidates(ctx: Pick<Ctx, 'vectors'>, vector: Float32Array, categoryIds: readonly string[], k: number): Promise<Candidate[]> {
  const reserve = categoryIds.length > 0 ? Math.ceil(k / 4) : 0;
  const [global, inCategories] = await Promise.all([
    ctx.vectors.search(COLLECTIONS.keywords, vector, { k }),
    reserve > 0 ? ctx.vectors.search(COLLECTIONS.keywords, vector, { k: reserve, filter: { must: [{ key: 'categories', match: { any: [...categoryIds] } }] } }) : Promise.resolve([]),
  ]);
  const chosen = new Map<string, SearchHit>();
  for (const h of inCategories) chosen.set(h.id, h);
  for (const h of global) {
    if (chosen.size >= k) break;
    if (!chosen.has(h.id)) chosen.set(h.id, h);
  }
  return [...chosen.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .map((h, rank) => ({ ...hitToCandidate(h), rank }));
}
