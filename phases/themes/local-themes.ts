import type { Ctx } from '../../kit/context.js';
import type { TierOutcome } from '../../kit/cascade.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { compareIds } from '../../catalogue/types.js';
import type { Theme, ThemeKind, Themes } from './schema.js';
import { distinctivePhrases } from './phrases.js';
import { catalogueIndex, joinNames, PLACEHOLDER_NAMES, titleCase, uniqueIds } from './catalogue-names.js';
import { slugify } from '../../base/text.js';
import { groupDiscovery, groupStaples, planPage, type PlannedProduct } from './plan.js';

/**
 * hubgen-local-v1: the offline tier of Phase 1, which writes the page the plan (plan.ts) lays out.
 *
 * Staples themes: the user's likeliest reorders, ordered by department and category and cut into
 * runs of a theme's size, each named from its categories ("Your Yogurt & Milk regulars").
 * Discovery themes: the categories where the new products they are likeliest to try concentrate,
 * each named from those categories ("New for you: Fresh Fruits & Fresh Vegetables"). Concepts are
 * the corpus phrases most distinctive of each theme's products. Each theme scores its own
 * confidence from the probability mass it holds; the tier's confidence falls with a thin history,
 * so the cascade escalates when an LLM tier is configured.
 */

export interface LocalThemesOptions {
  readonly minThemes: number;
  readonly maxThemes: number;
}

export type LocalThemesDeps = Pick<Ctx, 'config' | 'catalogue' | 'corpus' | 'stats' | 'models' | 'logger'>;

/** History needed for full trust in the local model: orders and distinct products. */
const FULL_HISTORY_ORDERS = 4;
const FULL_HISTORY_PRODUCTS = 12;
const MAX_CONCEPTS = 6;
/** A theme names every category its products span, up to the schema's limit: Phase 4 fills it only from the categories it names. */
const MAX_THEME_CATEGORIES = 8;
const MAX_DEPARTMENTS = 3;
/** Expected reorders (Σ propensity) that make a staples theme fully confident: two of its products in the next order. */
const FULL_STAPLES_MASS = 2;
/** Expected new products (Σ probability over its best row) that make a discovery theme as confident as it gets. */
const FULL_DISCOVERY_MASS = 0.3;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const truncate = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`);

type Draft = Omit<Theme, 'id'>;

export async function localThemes(user: UserContext, deps: LocalThemesDeps, options: LocalThemesOptions): Promise<TierOutcome<Themes>> {
  const model = deps.models.modelId('local');
  const notes: string[] = [];
  const maxThemes = Math.max(1, options.maxThemes);
  const minThemes = Math.min(Math.max(1, options.minThemes), maxThemes);
  const plan = planPage(user, deps);
  notes.push(`plan: ${plan.staplesThemes} staples themes (${plan.staples.length} products), ${plan.discoveryThemes} discovery themes (${plan.discovery.length} candidates)`);

  const staples = groupStaples(plan).map((g, i) => staplesTheme(g, i, deps));
  // Concepts already on the page lead Phase 2 to keywords Phase 3 then removes as duplicates of the
  // earlier theme's; a discovery theme left with too few is judged unfit. So each draws on its own.
  const used = new Set(staples.flatMap((t) => t.concepts));
  const discovery = groupDiscovery(plan).map((g, i) => {
    const theme = discoveryTheme(g, i, used, deps);
    for (const c of theme.concepts) used.add(c);
    return theme;
  });
  let themes: Draft[] = [...staples, ...discovery];
  if (themes.length === 0) {
    themes = popularThemes(deps, Math.max(minThemes, plan.discoveryThemes));
    notes.push('no usable history: popular catalogue categories only');
  }
  themes = dedupeTitles(themes).slice(0, maxThemes);

  const ids = uniqueIds(themes.map((t) => slugify(t.title)));
  const output: Themes = { pageTitle: pageTitle(themes), themes: themes.map((t, i) => ({ id: ids[i], ...t })) };

  const top = output.themes.slice(0, minThemes).map((t) => t.confidence);
  const themeQuality = top.reduce((s, c) => s + c, 0) / Math.max(1, top.length);
  const owned = Object.keys(user.reorderPropensity).length;
  const history = historyFactor(user.historyOrders, owned);
  const count = Math.min(1, output.themes.length / minThemes);
  const confidence = round3(themeQuality * history * count);
  notes.push(
    `mean theme confidence ${themeQuality.toFixed(3)} × history factor ${history.toFixed(3)} (${user.historyOrders} orders, ${owned} products) × count factor ${count.toFixed(3)} (${output.themes.length}/${minThemes} themes)`,
  );
  deps.logger.debug({ userId: user.userId, model, confidence, themes: output.themes.length }, 'local themes');
  return { output, confidence, usage: ZERO_USAGE, model, notes };
}

function historyFactor(orders: number, products: number): number {
  return Math.sqrt(clamp01(orders / FULL_HISTORY_ORDERS)) * Math.sqrt(clamp01(products / FULL_HISTORY_PRODUCTS));
}

/** Category names by total score, placeholders ("missing", "other") left out of anything a shopper reads. */
function namesByMass(products: readonly PlannedProduct[], deps: Pick<LocalThemesDeps, 'catalogue'>, key: 'categoryId' | 'departmentId'): string[] {
  const by = new Map<string, number>();
  for (const p of products) by.set(p[key], (by.get(p[key]) ?? 0) + p.score);
  const names = key === 'categoryId' ? deps.catalogue.categories : deps.catalogue.departments;
  return [...by]
    .sort(([a, x], [b, y]) => y - x || compareIds(a, b))
    .map(([id]) => names.get(id)?.name)
    .filter((n): n is string => !!n);
}

const readable = (names: readonly string[]) => names.filter((n) => !PLACEHOLDER_NAMES.has(n));

/** Corpus phrases most distinctive of the products, weighted by their scores; category names if none. */
function conceptsOf(products: readonly PlannedProduct[], categories: readonly string[], deps: Pick<LocalThemesDeps, 'corpus' | 'catalogue'>, exclude: ReadonlySet<string> = new Set()): string[] {
  const phrases = distinctivePhrases(
    products.map((p) => ({ name: p.name, weight: Math.max(1e-4, p.score) })),
    deps.corpus,
    deps.catalogue.products.size,
    MAX_CONCEPTS + exclude.size,
  )
    .map((p) => p.text)
    .filter((p) => !exclude.has(p))
    .slice(0, MAX_CONCEPTS);
  const concepts = phrases.length > 0 ? phrases : categories.slice(0, 3);
  if (concepts.length === 0) concepts.push(...products.slice(0, 2).map((p) => truncate(p.name.toLowerCase(), 60)));
  return concepts.filter((c) => c.length >= 2 && c.length <= 60).slice(0, MAX_CONCEPTS);
}

/** Title templates, one per position so a page's themes do not all read alike; each takes 1–3 category names. */
const STAPLES_TITLES: readonly ((names: string) => string)[] = [
  (n) => `Your ${n} regulars`,
  (n) => `Time to restock ${n}`,
  (n) => `Buy again: ${n}`,
  (n) => `${n} you buy often`,
  (n) => `Back in your basket: ${n}`,
  (n) => `${n} on repeat`,
];
// Short descriptions with one example each: a list of product names reads alike from theme to theme
// (to a shopper, and to the sentence encoder that measures a page's diversity), so the title and the
// wording carry what sets a theme apart.
const STAPLES_DESCRIPTIONS: readonly ((example: string) => string)[] = [
  (e) => `The ones you keep coming back to, starting with ${e}.`,
  (e) => `Running low? Stock up again on ${e} and more.`,
  (e) => `Reorder in one go, ${e} included.`,
  (e) => `Picked from what you order again and again, like ${e}.`,
  (e) => `Due again soon: ${e} and the rest.`,
  (e) => `Your usual shop, from ${e} on.`,
];
// Discovery titles name the new products, not their categories: the categories are often the user's
// staples' too, and a title that repeats a staples theme's reads as its duplicate (to a shopper, and
// to Phase 3's dedup, which removed most such themes).
const DISCOVERY_TITLES: readonly ((names: string) => string)[] = [
  (n) => `New for you: ${n}`,
  (n) => `Try ${n}`,
  (n) => `Discover ${n}`,
  (n) => `Fresh finds: ${n}`,
];
const DISCOVERY_DESCRIPTIONS: readonly ((example: string) => string)[] = [
  (e) => `Shoppers who buy what you buy also pick these, like ${e}.`,
  (e) => `Something new to try, starting with ${e}.`,
  (e) => `Popular picks you have not had yet, such as ${e}.`,
  (e) => `Fresh ideas for your basket, like ${e}.`,
];

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length];

/** Product names a discovery title may show: short enough to list two or three. */
const MAX_NAME_WORDS = 4;
const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/** The first of 3, 2, 1 names that fits the title limits; category names are title-cased, product names kept as the catalogue spells them. */
function titleFor(template: (names: string) => string, names: readonly string[], spell: (name: string) => string = titleCase): string {
  const shown = names.length ? names : ['your favourites'];
  return fitTitle([3, 2, 1].map((n) => template(joinNames(shown.slice(0, n).map(spell)))));
}

function staplesTheme(products: readonly PlannedProduct[], index: number, deps: LocalThemesDeps): Draft {
  const categories = namesByMass(products, deps, 'categoryId');
  const shown = readable(categories);
  const likeliest = [...products].sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
  const total = products.reduce((s, p) => s + p.score, 0);
  return {
    kind: 'staples',
    title: truncate(titleFor(pick(STAPLES_TITLES, index), shown), 70),
    description: truncate(pick(STAPLES_DESCRIPTIONS, index)(truncate(likeliest[0].name, 60)), 280),
    concepts: conceptsOf(products, shown, deps),
    categories: categories.slice(0, MAX_THEME_CATEGORIES),
    departments: readable(namesByMass(products, deps, 'departmentId')).slice(0, MAX_DEPARTMENTS),
    // Confident in proportion to the reorders it is expected to hold.
    confidence: round3(0.5 + 0.5 * clamp01(total / FULL_STAPLES_MASS)),
  };
}

function discoveryTheme(products: readonly PlannedProduct[], index: number, usedConcepts: ReadonlySet<string>, deps: LocalThemesDeps): Draft {
  const categories = namesByMass(products, deps, 'categoryId');
  const shown = readable(categories);
  const mass = products.reduce((s, p) => s + p.score, 0);
  const concepts = conceptsOf(products, shown, deps, usedConcepts);
  // The likeliest products with short names read as a title; a long name would crowd the others out.
  const named = [...products]
    .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
    .map((p) => p.name)
    .filter((n) => words(n) <= MAX_NAME_WORDS && n.length <= 30);
  return {
    kind: 'discovery',
    title: truncate(titleFor(pick(DISCOVERY_TITLES, index), named.length ? named : shown, (n) => n), 70),
    description: truncate(pick(DISCOVERY_DESCRIPTIONS, index)(truncate(products.reduce((a, b) => (b.score > a.score ? b : a)).name, 60)), 280),
    concepts,
    // Every category the group spans: Phase 4 fills the theme with the likeliest new products in them.
    categories: categories.slice(0, MAX_THEME_CATEGORIES),
    departments: readable(namesByMass(products, deps, 'departmentId')).slice(0, MAX_DEPARTMENTS),
    // Speculative by nature: below a well-supported staples theme.
    confidence: round3(0.3 + 0.35 * clamp01(mass / FULL_DISCOVERY_MASS)),
  };
}

/** A title a shopper can scan at a glance (and the judge rubric's limit): longer ones read as a list. */
export const MAX_TITLE_WORDS = 9;

const titleWords = (title: string): number => title.split(/[^\p{L}\p{N}]+/u).filter(Boolean).length;

/** The first (most informative) of the options that fits in MAX_TITLE_WORDS and 70 characters, else the last. */
function fitTitle(options: readonly string[]): string {
  return options.find((t) => titleWords(t) <= MAX_TITLE_WORDS && t.length <= 70) ?? options[options.length - 1];
}

/** Two themes can earn the same title (same top category); later ones get their first concept appended. */
function dedupeTitles(themes: readonly Draft[]): Draft[] {
  const seen = new Set<string>();
  return themes.map((t) => {
    let title = t.title;
    if (seen.has(title.toLowerCase())) {
      const concept = t.concepts.find((x) => !title.toLowerCase().includes(x));
      title = truncate(concept ? `${title}: ${titleCase(concept)}` : `${title} (more)`, 70);
    }
    seen.add(title.toLowerCase());
    return title === t.title ? t : { ...t, title };
  });
}

/** With no usable history, the catalogue's busiest categories: honest, low-confidence filler. */
function popularThemes(deps: LocalThemesDeps, count: number): Draft[] {
  const { catalogue, stats } = deps;
  const index = catalogueIndex(catalogue);
  const weightOf = (id: string) => stats.categoryLines.get(id) ?? index.productsPerCategory.get(id) ?? 0;
  const categories = [...catalogue.categories.values()]
    .filter((a) => !PLACEHOLDER_NAMES.has(a.name) && weightOf(a.id) > 0)
    .sort((a, b) => weightOf(b.id) - weightOf(a.id) || compareIds(a.id, b.id))
    .slice(0, Math.max(1, count));
  return categories.map((a) => {
    const dept = catalogue.departments.get(index.departmentOfCategory.get(a.id) ?? '')?.name;
    return {
      kind: 'discovery' as ThemeKind,
      title: `Popular in ${titleCase(a.name)}`,
      description: truncate(`What shoppers buy most from ${a.name}; there is not enough history yet to personalise this.`, 280),
      concepts: [a.name],
      categories: [a.name],
      departments: dept ? [dept] : [],
      confidence: 0.1,
    };
  });
}

function pageTitle(themes: readonly Draft[]): string {
  const depts: string[] = [];
  for (const t of themes) for (const d of t.departments) if (!depts.includes(d) && !PLACEHOLDER_NAMES.has(d)) depts.push(d);
  if (depts.length === 0) return 'Your shopping hub';
  return truncate(`Your shopping hub: ${joinNames(depts.slice(0, 3).map(titleCase))}`, 90);
}
