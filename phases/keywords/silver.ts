import { slugify } from '../../base/text.js';
import { compareIds, type Catalogue } from '../../catalogue/types.js';
import { categoryLinks, PLACEHOLDER_NAMES } from '../../catalogue/names.js';
import { tokens } from '../../catalogue/text.js';
import type { Dataset } from '../../catalogue/types.js';
import { seededRandom, shuffled } from '../../base/random.js';
import type { KeywordKind } from '../../retrieval/corpus-types.js';
import type { Theme } from '../themes/schema.js';
import type { Ctx } from '../../kit/context.js';
import { contextOf, type ThemeScope } from './features.js';
import { pruneCandidates, themeScope } from './candidates.js';
import type { LabelledRow } from './distill.js';
import { themeSearchText } from '../themes/text.js';

/**
 * Silver labels for the v1 student, made from the real catalogue with no teacher: themes are built
 * from real categories (and category pairs that real orders buy together), and a candidate term is a
 * keyword for the theme when most of the products it matches by name sit in the theme's categories.
 */

/** Names split into words as the corpus miner does, so matching is whole-word and agrees with it. */
const words = tokens;

/** Departments whose categories make no theme: the placeholders "missing" and "other" are catalogue leftovers. */
const SKIP_DEPARTMENTS = PLACEHOLDER_NAMES;

export interface SilverTheme {
  readonly theme: Theme;
  /** The categories that define the label; the student may or may not be shown them. */
  readonly targetCategoryIds: readonly string[];
  /** What the student sees (categories hidden for some themes, as upstream themes sometimes name none). */
  readonly scope: ThemeScope;
}

/** Whole-word phrase → products index over the catalogue names. */
export interface PhraseMatcher {
  /** Product counts per category for products whose name contains the phrase as whole words. */
  categoryCounts(phrase: string): Map<string, number>;
}

export function phraseMatcher(catalogue: Catalogue): PhraseMatcher {
  const names = new Map<string, string>();
  const postings = new Map<string, string[]>();
  for (const p of catalogue.products.values()) {
    const w = words(p.name);
    names.set(p.id, ` ${w.join(' ')} `);
    for (const x of new Set(w)) {
      const list = postings.get(x);
      if (list) list.push(p.id);
      else postings.set(x, [p.id]);
    }
  }
  const memo = new Map<string, Map<string, number>>();
  return {
    categoryCounts(phrase) {
      const w = words(phrase);
      const key = w.join(' ');
      const hit = memo.get(key);
      if (hit) return hit;
      const counts = new Map<string, number>();
      const lists = w.map((x) => postings.get(x) ?? []).sort((a, b) => a.length - b.length);
      if (lists.length && lists[0].length) {
        const needle = ` ${key} `;
        for (const id of lists[0]) {
          if (!names.get(id)!.includes(needle)) continue;
          const category = catalogue.products.get(id)!.categoryId;
          counts.set(category, (counts.get(category) ?? 0) + 1);
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
  readonly categories: readonly string[];
  readonly departments: readonly string[];
}

/**
 * A candidate is a keyword for the theme when at least `share` of the products it retrieves by name
 * are in the theme's target categories. Category terms are keywords of their own category; department terms
 * when the department is mostly the target categories; a term matching no product name is not one.
 */
export function silverLabel(c: LabelInput, targets: ReadonlySet<string>, matcher: PhraseMatcher, catalogue: Catalogue, share = 0.5): boolean {
  if (c.kind === 'category') return c.categories.length > 0 && targets.has(c.categories[0]);
  let counts: Map<string, number>;
  if (c.kind === 'department') {
    counts = new Map();
    const dept = c.departments[0];
    for (const p of catalogue.products.values()) if (p.departmentId === dept) counts.set(p.categoryId, (counts.get(p.categoryId) ?? 0) + 1);
  } else {
    counts = matcher.categoryCounts(c.text);
  }
  let total = 0;
  let inTarget = 0;
  for (const [category, n] of counts) {
    total += n;
    if (targets.has(category)) inTarget += n;
  }
  return total > 0 && inTarget / total >= share;
}

/** Two-word phrases that are frequent in the given categories and rare elsewhere: the categories' vocabulary. */
export function categoryVocabulary(catalogue: Catalogue, categoryIds: readonly string[], limit: number): string[] {
  const targets = new Set(categoryIds);
  const inside = new Map<string, number>();
  const everywhere = new Map<string, number>();
  for (const p of catalogue.products.values()) {
    const w = words(p.name).filter((x) => !/^\d/.test(x));
    const grams = new Set([...w.slice(1).map((x, i) => `${w[i]} ${x}`), ...w.filter((x) => x.length > 3)]);
    for (const g of grams) {
      everywhere.set(g, (everywhere.get(g) ?? 0) + 1);
      if (targets.has(p.categoryId)) inside.set(g, (inside.get(g) ?? 0) + 1);
    }
  }
  return [...inside]
    .filter(([, n]) => n >= 3)
    .map(([g, n]) => ({ g, score: n * (n / everywhere.get(g)!) }))
    .sort((a, b) => b.score - a.score || (a.g < b.g ? -1 : 1))
    .slice(0, limit)
    .map((x) => x.g);
}

/** Category pairs bought together more than chance (lift), with enough orders to trust it. */
export function categoryPairs(dataset: Pick<Dataset, 'catalogue' | 'ordersByUser'>, { minOrders = 40, limit = 60 } = {}): [string, string][] {
  const categoryOrders = new Map<string, number>();
  const pairOrders = new Map<string, number>();
  let orders = 0;
  for (const { lines } of [...dataset.ordersByUser.values()].flat()) {
    const categories = [...new Set(lines.map((l) => dataset.catalogue.products.get(l.productId)?.categoryId).filter((a): a is string => a !== undefined))].sort(compareIds);
    orders++;
    for (const a of categories) categoryOrders.set(a, (categoryOrders.get(a) ?? 0) + 1);
    for (let i = 0; i < categories.length; i++) for (let j = i + 1; j < categories.length; j++) pairOrders.set(`${categories[i]},${categories[j]}`, (pairOrders.get(`${categories[i]},${categories[j]}`) ?? 0) + 1);
  }
  return [...pairOrders]
    .filter(([, n]) => n >= minOrders)
    .map(([k, n]) => {
      const [a, b] = k.split(',');
      return { pair: [a, b] as [string, string], lift: (n * orders) / (categoryOrders.get(a)! * categoryOrders.get(b)!) };
    })
    .filter((x) => x.lift > 1)
    .sort((x, y) => y.lift - x.lift || compareIds(x.pair[0], y.pair[0]) || compareIds(x.pair[1], y.pair[1]))
    .slice(0, limit)
    .map((x) => x.pair);
}

const TITLES = ['{a}', '{a} favourites', 'Stock up on {a}', 'Your {a} shelf', 'More {a}'];

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export interface SilverThemeOptions {
  readonly seed: number;
  /** Share of themes whose categories and departments the student is not shown. */
  readonly hideCategoriesShare?: number;
  /** Categories with fewer products make no theme of their own. */
  readonly minCategoryProducts?: number;
}

/** One theme per category, and one per co-bought category pair, with titles, concepts and descriptions from the catalogue. */
export function silverThemes(catalogue: Catalogue, pairs: readonly (readonly [string, string])[], { seed, hideCategoriesShare = 0.35, minCategoryProducts = 25 }: SilverThemeOptions): SilverTheme[] {
  const random = seededRandom(seed);
  const { productsPerCategory } = categoryLinks(catalogue);
  // The first product's department, not categoryLinks' majority vote: the silver themes (and the
  // student-v1 weights trained on them) were built this way. In the Instacart data every category sits in one department.
  const departmentOf = new Map<string, string>();
  for (const p of catalogue.products.values()) if (!departmentOf.has(p.categoryId)) departmentOf.set(p.categoryId, p.departmentId);
  const usable = (category: string) => {
    const dept = catalogue.departments.get(departmentOf.get(category) ?? '')?.name ?? 'missing';
    return (productsPerCategory.get(category) ?? 0) >= minCategoryProducts && !SKIP_DEPARTMENTS.has(dept) && catalogue.categories.get(category)?.name !== 'missing';
  };
  const groups: string[][] = [
    ...[...catalogue.categories.keys()].sort(compareIds).filter(usable).map((a) => [a]),
    ...pairs.filter(([a, b]) => usable(a) && usable(b)).map(([a, b]) => [a, b]),
  ];
  return groups.map((categories) => {
    const names = categories.map((a) => catalogue.categories.get(a)!.name);
    const vocabulary = categoryVocabulary(catalogue, categories, 12);
    const concepts = shuffled(vocabulary, random).slice(0, 2 + Math.floor(random() * 4));
    const joined = names.join(' & ');
    const title = capitalise(TITLES[Math.floor(random() * TITLES.length)].replace('{a}', joined)).slice(0, 70);
    // Upstream themes do not always name categories: hide them from some themes, keeping the label's targets.
    const hidden = random() < hideCategoriesShare;
    const examples = concepts.length ? `, such as ${concepts.slice(0, 3).join(', ')}` : '';
    const theme: Theme = {
      id: slugify(`silver-${names.join('-')}`, 60),
      kind: 'discovery',
      title: title.length >= 3 ? title : `${title} category`,
      description: (hidden ? `Everyday ${joined}${examples}.` : `Products from the ${joined} category${categories.length > 1 ? 's' : ''}${examples}.`).slice(0, 280),
      concepts: concepts.length ? concepts : [names[0]],
      categories: hidden ? [] : names,
      departments: [],
      confidence: 1,
    };
    const { unknownNames: _unknown, ...scope } = themeScope(theme, catalogue);
    return { theme, targetCategoryIds: categories, scope };
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
  const vectors = await ctx.embedder.embed(themes.map((t) => themeSearchText(t.theme)));
  const rows: LabelledRow[] = [];
  for (const [i, t] of themes.entries()) {
    const found = await pruneCandidates(ctx, vectors[i], t.scope.categoryIds, candidates);
    const context = contextOf(found);
    const targets = new Set(t.targetCategoryIds);
    for (const { id: _id, ...candidate } of found) {
      rows.push({ theme: t.scope, candidate, context, chosen: silverLabel(candidate, targets, matcher, ctx.catalogue, share) });
    }
  }
  return rows;
}
