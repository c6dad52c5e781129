import type { Catalogue } from '../../catalogue/types.js';
import { aisleLinks, PLACEHOLDER_NAMES } from '../../catalogue/names.js';
import { tokens } from '../../catalogue/text.js';
import type { Dataset } from '../../datasets/instacart/load.js';
import { seededRandom, shuffled } from '../../base/random.js';
import type { KeywordKind } from '../../retrieval/corpus-types.js';
import type { Theme } from '../themes/schema.js';
import type { Ctx } from '../../kit/context.js';
import { contextOf, type ThemeScope } from './features.js';
import { pruneCandidates, themeScope, themeText } from './candidates.js';
import type { LabelledRow } from './distill.js';

/**
 * Silver labels for the v1 student, made from the real catalogue with no teacher: themes are built
 * from real aisles (and aisle pairs that real orders buy together), and a candidate term is a
 * keyword for the theme when most of the products it matches by name sit in the theme's aisles.
 */

/** Names split into words as the corpus miner does, so matching is whole-word and agrees with it. */
const words = tokens;

/** Departments whose aisles make no theme: the placeholders "missing" and "other" are catalogue leftovers. */
const SKIP_DEPARTMENTS = PLACEHOLDER_NAMES;

export interface SilverTheme {
  readonly theme: Theme;
  /** The aisles that define the label; the student may or may not be shown them. */
  readonly targetAisleIds: readonly number[];
  /** What the student sees (aisles hidden for some themes, as upstream themes sometimes name none). */
  readonly scope: ThemeScope;
}

/** Whole-word phrase → products index over the catalogue names. */
export interface PhraseMatcher {
  /** Product counts per aisle for products whose name contains the phrase as whole words. */
  aisleCounts(phrase: string): Map<number, number>;
}

export function phraseMatcher(catalogue: Catalogue): PhraseMatcher {
  const names = new Map<number, string>();
  const postings = new Map<string, number[]>();
  for (const p of catalogue.products.values()) {
    const w = words(p.name);
    names.set(p.id, ` ${w.join(' ')} `);
    for (const x of new Set(w)) {
      const list = postings.get(x);
      if (list) list.push(p.id);
      else postings.set(x, [p.id]);
    }
  }
  const memo = new Map<string, Map<number, number>>();
  return {
    aisleCounts(phrase) {
      const w = words(phrase);
      const key = w.join(' ');
      const hit = memo.get(key);
      if (hit) return hit;
      const counts = new Map<number, number>();
      const lists = w.map((x) => postings.get(x) ?? []).sort((a, b) => a.length - b.length);
      if (lists.length && lists[0].length) {
        const needle = ` ${key} `;
        for (const id of lists[0]) {
          if (!names.get(id)!.includes(needle)) continue;
          const aisle = catalogue.products.get(id)!.aisleId;
          counts.set(aisle, (counts.get(aisle) ?? 0) + 1);
        }
      }
      memo.set(key, counts);
      return counts;
    },
  };
}

export interface LabelInput {
  readonly text: string;
  readonly kind: KeywordKind;
  readonly aisles: readonly number[];
  readonly departments: readonly number[];
}

/**
 * A candidate is a keyword for the theme when at least `share` of the products it retrieves by name
 * are in the theme's target aisles. Aisle terms are keywords of their own aisle; department terms
 * when the department is mostly the target aisles; a term matching no product name is not one.
 */
export function silverLabel(c: LabelInput, targets: ReadonlySet<number>, matcher: PhraseMatcher, catalogue: Catalogue, share = 0.5): boolean {
  if (c.kind === 'aisle') return c.aisles.length > 0 && targets.has(c.aisles[0]);
  let counts: Map<number, number>;
  if (c.kind === 'department') {
    counts = new Map();
    const dept = c.departments[0];
    for (const p of catalogue.products.values()) if (p.departmentId === dept) counts.set(p.aisleId, (counts.get(p.aisleId) ?? 0) + 1);
  } else {
    counts = matcher.aisleCounts(c.text);
  }
  let total = 0;
  let inTarget = 0;
  for (const [aisle, n] of counts) {
    total += n;
    if (targets.has(aisle)) inTarget += n;
  }
  return total > 0 && inTarget / total >= share;
}

/** Two-word phrases that are frequent in the given aisles and rare elsewhere: the aisles' vocabulary. */
export function aisleVocabulary(catalogue: Catalogue, aisleIds: readonly number[], limit: number): string[] {
  const targets = new Set(aisleIds);
  const inside = new Map<string, number>();
  const everywhere = new Map<string, number>();
  for (const p of catalogue.products.values()) {
    const w = words(p.name).filter((x) => !/^\d/.test(x));
    const grams = new Set([...w.slice(1).map((x, i) => `${w[i]} ${x}`), ...w.filter((x) => x.length > 3)]);
    for (const g of grams) {
      everywhere.set(g, (everywhere.get(g) ?? 0) + 1);
      if (targets.has(p.aisleId)) inside.set(g, (inside.get(g) ?? 0) + 1);
    }
  }
  return [...inside]
    .filter(([, n]) => n >= 3)
    .map(([g, n]) => ({ g, score: n * (n / everywhere.get(g)!) }))
    .sort((a, b) => b.score - a.score || (a.g < b.g ? -1 : 1))
    .slice(0, limit)
    .map((x) => x.g);
}

/** Aisle pairs bought together more than chance (lift), with enough orders to trust it. */
export function aislePairs(dataset: Pick<Dataset, 'catalogue' | 'linesByOrder'>, { minOrders = 40, limit = 60 } = {}): [number, number][] {
  const aisleOrders = new Map<number, number>();
  const pairOrders = new Map<string, number>();
  let orders = 0;
  for (const lines of dataset.linesByOrder.values()) {
    const aisles = [...new Set(lines.map((l) => dataset.catalogue.products.get(l.productId)?.aisleId).filter((a): a is number => a !== undefined))].sort((a, b) => a - b);
    orders++;
    for (const a of aisles) aisleOrders.set(a, (aisleOrders.get(a) ?? 0) + 1);
    for (let i = 0; i < aisles.length; i++) for (let j = i + 1; j < aisles.length; j++) pairOrders.set(`${aisles[i]},${aisles[j]}`, (pairOrders.get(`${aisles[i]},${aisles[j]}`) ?? 0) + 1);
  }
  return [...pairOrders]
    .filter(([, n]) => n >= minOrders)
    .map(([k, n]) => {
      const [a, b] = k.split(',').map(Number);
      return { pair: [a, b] as [number, number], lift: (n * orders) / (aisleOrders.get(a)! * aisleOrders.get(b)!) };
    })
    .filter((x) => x.lift > 1)
    .sort((x, y) => y.lift - x.lift || x.pair[0] - y.pair[0] || x.pair[1] - y.pair[1])
    .slice(0, limit)
    .map((x) => x.pair);
}

const TITLES = ['{a}', '{a} favourites', 'Stock up on {a}', 'Your {a} shelf', 'More {a}'];

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'theme';

export interface SilverThemeOptions {
  readonly seed: number;
  /** Share of themes whose aisles and departments the student is not shown. */
  readonly hideAislesShare?: number;
  /** Aisles with fewer products make no theme of their own. */
  readonly minAisleProducts?: number;
}

/** One theme per aisle, and one per co-bought aisle pair, with titles, concepts and descriptions from the catalogue. */
export function silverThemes(catalogue: Catalogue, pairs: readonly (readonly [number, number])[], { seed, hideAislesShare = 0.35, minAisleProducts = 25 }: SilverThemeOptions): SilverTheme[] {
  const random = seededRandom(seed);
  const { productsPerAisle } = aisleLinks(catalogue);
  // The first product's department, not aisleLinks' majority vote: the silver themes (and the
  // student-v1 weights trained on them) were built this way. In the Instacart data every aisle sits in one department.
  const departmentOf = new Map<number, number>();
  for (const p of catalogue.products.values()) if (!departmentOf.has(p.aisleId)) departmentOf.set(p.aisleId, p.departmentId);
  const usable = (aisle: number) => {
    const dept = catalogue.departments.get(departmentOf.get(aisle) ?? -1)?.name ?? 'missing';
    return (productsPerAisle.get(aisle) ?? 0) >= minAisleProducts && !SKIP_DEPARTMENTS.has(dept) && catalogue.aisles.get(aisle)?.name !== 'missing';
  };
  const groups: number[][] = [
    ...[...catalogue.aisles.keys()].sort((a, b) => a - b).filter(usable).map((a) => [a]),
    ...pairs.filter(([a, b]) => usable(a) && usable(b)).map(([a, b]) => [a, b]),
  ];
  return groups.map((aisles) => {
    const names = aisles.map((a) => catalogue.aisles.get(a)!.name);
    const vocabulary = aisleVocabulary(catalogue, aisles, 12);
    const concepts = shuffled(vocabulary, random).slice(0, 2 + Math.floor(random() * 4));
    const joined = names.join(' & ');
    const title = capitalise(TITLES[Math.floor(random() * TITLES.length)].replace('{a}', joined)).slice(0, 70);
    // Upstream themes do not always name aisles: hide them from some themes, keeping the label's targets.
    const hidden = random() < hideAislesShare;
    const examples = concepts.length ? `, such as ${concepts.slice(0, 3).join(', ')}` : '';
    const theme: Theme = {
      id: slug(`silver-${names.join('-')}`),
      title: title.length >= 3 ? title : `${title} aisle`,
      description: (hidden ? `Everyday ${joined}${examples}.` : `Products from the ${joined} aisle${aisles.length > 1 ? 's' : ''}${examples}.`).slice(0, 280),
      concepts: concepts.length ? concepts : [names[0]],
      aisles: hidden ? [] : names,
      departments: [],
      confidence: 1,
    };
    const { unknownNames: _unknown, ...scope } = themeScope(theme, catalogue);
    return { theme, targetAisleIds: aisles, scope };
  });
}

/**
 * Labelled rows for silver themes: each theme is embedded and pruned exactly as Phase 2 does at run
 * time (so the features match), then every candidate is labelled by silverLabel.
 */
export async function silverRows(
  ctx: Pick<Ctx, 'embedder' | 'vectors' | 'catalogue'>,
  themes: readonly SilverTheme[],
  { candidates = 100, share = 0.5 }: { candidates?: number; share?: number } = {},
): Promise<LabelledRow[]> {
  const matcher = phraseMatcher(ctx.catalogue);
  const vectors = await ctx.embedder.embed(themes.map((t) => themeText(t.theme)));
  const rows: LabelledRow[] = [];
  for (const [i, t] of themes.entries()) {
    const found = await pruneCandidates(ctx, vectors[i], t.scope.aisleIds, candidates);
    const context = contextOf(found);
    const targets = new Set(t.targetAisleIds);
    for (const { id: _id, ...candidate } of found) {
      rows.push({ theme: t.scope, candidate, context, chosen: silverLabel(candidate, targets, matcher, ctx.catalogue, share) });
    }
  }
  return rows;
}
