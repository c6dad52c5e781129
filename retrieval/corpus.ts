import { ATTRIBUTE_TERMS, attributesOfNormalised } from '../catalogue/attributes.js';
import { normaliseText, tokens } from '../catalogue/text.js';
import { compareIds, type Catalogue, type Product } from '../catalogue/types.js';
import type { KeywordCorpus, KeywordKind, KeywordTerm } from './corpus-types.js';
import { canonicalJson, sha256 } from '../base/hash.js';

export interface CorpusOptions {
  /** Minimum number of products a phrase must occur in (default 3): rarer grams are mostly noise. */
  readonly minDf?: number;
  /** Longest phrase in words (default 3). */
  readonly maxWords?: number;
  /** Cap on each term's categories and departments lists (default 5). */
  readonly maxLocations?: number;
}

/** Function words: a phrase may hold one inside ("mac and cheese") but never start or end with one. */
const STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'n', 'of', 'with', 'w', 'without', 'in', 'on', 'for', 'to', 'from', 'by', 'at', 'as',
  'into', 'per', 'plus', 'no', 'not', 'all', 'de', 'del', 'con', 'en', 'y', 'la', 'le', 'el', 'du', 'et', 'your', 'our', 'its', 'is',
  'it', 'be', 'are', 'me', 'my', 'i', 'im', 'he', 'she', 'we', 'us', 'you', 'up', 'so', 'do', 'go', 'oh', 're', 'this', 'that',
  'than', 'just', 'only', 'also', 'over', 'off', 'out', 'other', 'yr', 'hr',
]);

/** Pack sizes and measures: "12 oz", "6 ct" say nothing a shopper searches by. */
const UNITS = new Set([
  'oz', 'fl', 'floz', 'ounce', 'ounces', 'lb', 'lbs', 'pound', 'pounds', 'g', 'gr', 'gram', 'grams', 'kg', 'mg', 'mcg', 'ml', 'l', 'ltr',
  'liter', 'liters', 'litre', 'gal', 'gallon', 'gallons', 'qt', 'quart', 'quarts', 'pt', 'pint', 'pints', 'ct', 'count', 'pk', 'pack',
  'packs', 'pc', 'pcs', 'piece', 'pieces', 'ea', 'each', 'dozen', 'doz', 'in', 'inch', 'inches', 'ft', 'sq', 'cm', 'mm', 'x', 'oz.',
  'cal', 'calories', 'tabs', 'caps', 'softgels', 'cap', 'tab',
]);

const NUMBER = /^\d+(\.\d+)?%?$/;
const NUMBER_WITH_UNIT = /^\d+(\.\d+)?(oz|floz|lb|lbs|g|gr|kg|mg|mcg|ml|l|ltr|gal|qt|pt|ct|pk|pc|pcs|in|ft|cm|mm|x|s|st|nd|rd|th)$/;

/** A token that cannot carry a phrase on its own or at either end. */
export function isJunkToken(token: string): boolean {
  return STOPWORDS.has(token) || UNITS.has(token) || NUMBER.test(token) || NUMBER_WITH_UNIT.test(token) || (token.length === 1 && !/[a-z]/.test(token));
}

/** The distinct 1..maxWords-word grams of a name worth keeping as phrases. */
export function phrasesOf(name: string, maxWords = 3): string[] {
  return gramsOf(tokens(name), maxWords);
}

function gramsOf(words: readonly string[], maxWords: number): string[] {
  const junk = words.map(isJunkToken);
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    if (junk[i]) continue;
    for (let n = 1; n <= maxWords && i + n <= words.length; n++) {
      if (junk[i + n - 1]) continue;
      // A lone letter ("s", "c") is only meaningful inside a phrase ("vitamin c" is kept, "c" is not).
      if (n === 1 && words[i].length < 2) continue;
      out.add(words.slice(i, i + n).join(' '));
    }
  }
  return [...out];
}

export const keywordId = (text: string): string => `kw:${text}`;

/** Ids by count, most frequent first (ties: smaller id), capped. */
function topIds(counts: Map<string, number>, cap: number): string[] {
  return [...counts].sort(([a, ca], [b, cb]) => cb - ca || compareIds(a, b)).slice(0, cap).map(([id]) => id);
}

/** Placeholder categories (Instacart's "missing", "other"): no category information, so never a term or a location. */
const PLACEHOLDER_CATEGORIES = new Set(['missing', 'other']);

interface Location {
  readonly df: number;
  readonly categories: string[];
  readonly departments: string[];
}

/** Where a set of products sits: their real categories and departments, most frequent first. */
function locator(catalogue: Catalogue, cap: number): (products: Iterable<Product>) => Location {
  const placeholderCategories = new Set([...catalogue.categories.values()].filter((a) => PLACEHOLDER_CATEGORIES.has(normaliseText(a.name))).map((a) => a.id));
  const placeholderDepartments = new Set([...catalogue.departments.values()].filter((d) => PLACEHOLDER_CATEGORIES.has(normaliseText(d.name))).map((d) => d.id));
  return (products) => {
    const categories = new Map<string, number>();
    const departments = new Map<string, number>();
    let df = 0;
    for (const p of products) {
      df++;
      if (!placeholderCategories.has(p.categoryId)) categories.set(p.categoryId, (categories.get(p.categoryId) ?? 0) + 1);
      if (!placeholderDepartments.has(p.departmentId)) departments.set(p.departmentId, (departments.get(p.departmentId) ?? 0) + 1);
    }
    return { df, categories: topIds(categories, cap), departments: topIds(departments, cap) };
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const KIND_ORDER: Record<KeywordKind, number> = { department: 0, category: 1, attribute: 2, phrase: 3 };

/**
 * The retrieval vocabulary mined from the catalogue: department and category names, attribute terms, and
 * 1–3-word phrases that occur in at least `minDf` product names. When one text is several kinds, the
 * first of department, category, attribute, phrase wins. Deterministic: same catalogue, same digest.
 */
export function buildKeywordCorpus(catalogue: Catalogue, { minDf = 3, maxWords = 3, maxLocations = 5 }: CorpusOptions = {}): KeywordCorpus {
  const products = [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id));
  const terms = new Map<string, KeywordTerm>();
  const locate = locator(catalogue, maxLocations);
  const add = (text: string, kind: KeywordKind, where: Location) => {
    if (text !== '' && !terms.has(text) && where.df > 0) terms.set(text, { id: keywordId(text), text, kind, ...where });
  };

  const byDepartment = groupBy(products, (p) => p.departmentId);
  const byCategory = groupBy(products, (p) => p.categoryId);
  for (const d of [...catalogue.departments.values()].sort((a, b) => compareIds(a.id, b.id))) {
    const text = normaliseText(d.name);
    if (!PLACEHOLDER_CATEGORIES.has(text)) add(text, 'department', locate(byDepartment.get(d.id) ?? []));
  }
  for (const a of [...catalogue.categories.values()].sort((x, y) => compareIds(x.id, y.id))) {
    const text = normaliseText(a.name);
    if (!PLACEHOLDER_CATEGORIES.has(text)) add(text, 'category', locate(byCategory.get(a.id) ?? []));
  }

  const names = products.map((p) => normaliseText(p.name));
  const withAttribute = new Map<string, Product[]>(ATTRIBUTE_TERMS.map((a) => [a.term, []]));
  names.forEach((name, i) => {
    for (const term of attributesOfNormalised(name)) withAttribute.get(term)!.push(products[i]);
  });
  for (const a of ATTRIBUTE_TERMS) add(a.term, 'attribute', locate(withAttribute.get(a.term)!));

  // Two passes: count every gram's document frequency, then locate only the grams that clear minDf.
  const gramsByProduct = names.map((name) => gramsOf(name === '' ? [] : name.split(' '), maxWords));
  const df = new Map<string, number>();
  for (const grams of gramsByProduct) for (const g of grams) df.set(g, (df.get(g) ?? 0) + 1);
  const productsByGram = new Map<string, Product[]>();
  for (let i = 0; i < products.length; i++) {
    for (const g of gramsByProduct[i]) {
      if (df.get(g)! < minDf || terms.has(g)) continue;
      const list = productsByGram.get(g);
      if (list) list.push(products[i]);
      else productsByGram.set(g, [products[i]]);
    }
  }
  for (const [g, ps] of productsByGram) add(g, 'phrase', locate(ps));

  const sorted = [...terms.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || b.df - a.df || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  return { terms: sorted, byText: new Map(sorted.map((t) => [t.text, t])), digest: corpusDigest(sorted) };
}

/** Versioned hash of the terms, so a change to how terms are mined can never reuse old artefacts. */
export function corpusDigest(terms: readonly KeywordTerm[]): string {
  return sha256(`keyword-corpus:v1:${canonicalJson(terms)}`);
}

export interface CorpusStats {
  readonly terms: number;
  readonly byKind: Readonly<Record<KeywordKind, number>>;
  /** Terms by word count (1, 2, 3, ...). */
  readonly byWords: Readonly<Record<string, number>>;
  readonly medianDf: number;
  readonly digest: string;
}

export function corpusStats(corpus: KeywordCorpus): CorpusStats {
  const byKind: Record<KeywordKind, number> = { department: 0, category: 0, attribute: 0, phrase: 0 };
  const byWords: Record<string, number> = {};
  for (const t of corpus.terms) {
    byKind[t.kind]++;
    const words = String(t.text.split(' ').length);
    byWords[words] = (byWords[words] ?? 0) + 1;
  }
  const dfs = corpus.terms.map((t) => t.df).sort((a, b) => a - b);
  return { terms: corpus.terms.length, byKind, byWords, medianDf: dfs.length === 0 ? 0 : dfs[Math.floor(dfs.length / 2)], digest: corpus.digest };
}
