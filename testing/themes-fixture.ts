/**
 * Test-only: a slice of the real Instacart catalogue (ids, names, categories, departments exactly as in
 * products.csv), a small phrase corpus mined from it, and helpers that turn order lists into a
 * UserContext with the real builder.
 */
import { instacartSlice } from './catalogue-builder.js';
import { compareIds, type Catalogue, type Order, type Product, type UserHistory } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { KeywordCorpus, KeywordTerm } from '../retrieval/corpus-types.js';
import type { Ctx } from '../kit/context.js';
import { buildUserContext } from '../catalogue/user-context.js';
import { tokens } from '../catalogue/text.js';
import { indexProducts } from '../retrieval/index-catalogue.js';
import { makeTestCtx } from './test-context.js';
import { sha256 } from '../base/hash.js';
import { statsOfHistories } from '../catalogue/stats.js';

const CATEGORIES: [number, string][] = [
  [9, 'pasta sauce'],
  [12, 'fresh pasta'],
  [16, 'fresh herbs'],
  [21, 'packaged cheese'],
  [24, 'fresh fruits'],
  [37, 'ice cream ice'],
  [45, 'candy chocolate'],
  [53, 'cream'],
  [54, 'paper goods'],
  [61, 'cookies cakes'],
  [77, 'soft drinks'],
  [79, 'frozen pizza'],
  [83, 'fresh vegetables'],
  [84, 'milk'],
  [100, 'missing'],
  [107, 'chips pretzels'],
  [115, 'water seltzer sparkling water'],
  [120, 'yogurt'],
  [131, 'dry pasta'],
];
const DEPARTMENTS: [number, string][] = [
  [1, 'frozen'],
  [4, 'produce'],
  [7, 'beverages'],
  [9, 'dry goods pasta'],
  [16, 'dairy eggs'],
  [17, 'household'],
  [19, 'snacks'],
  [21, 'missing'],
];

// The most-ordered products of each category in the sample's histories.
const PRODUCTS: [number, string, number, number][] = [
  [24852, 'Banana', 24, 4], [13176, 'Bag of Organic Bananas', 24, 4], [21137, 'Organic Strawberries', 24, 4],
  [47209, 'Organic Hass Avocado', 24, 4], [47766, 'Organic Avocado', 24, 4], [16797, 'Strawberries', 24, 4],
  [24964, 'Organic Garlic', 83, 4], [22935, 'Organic Yellow Onion', 83, 4], [45007, 'Organic Zucchini', 83, 4],
  [49683, 'Cucumber Kirby', 83, 4], [17794, 'Carrots', 83, 4], [30391, 'Organic Cucumber', 83, 4],
  [34126, 'Organic Italian Parsley Bunch', 16, 4], [31717, 'Organic Cilantro', 16, 4], [28842, 'Bunched Cilantro', 16, 4],
  [43789, 'Organic Basil', 16, 4], [39984, 'Organic Dill', 16, 4], [13984, 'Organic Mint', 16, 4],
  [20842, 'Total 0% Greek Yogurt', 120, 16], [33754, 'Total 2% with Strawberry Lowfat Greek Strained Yogurt', 120, 16],
  [39475, 'Total Greek Strained Yogurt', 120, 16], [18523, 'Total 2% All Natural Greek Strained Yogurt with Honey', 120, 16],
  [40571, 'Total 2% Greek Strained Yogurt with Cherry 5.3 oz', 120, 16], [38928, '0% Greek Strained Yogurt', 120, 16],
  [27845, 'Organic Whole Milk', 84, 16], [38689, 'Organic Reduced Fat Milk', 84, 16], [5785, 'Organic Reduced Fat 2% Milk', 84, 16],
  [23909, '2% Reduced Fat Milk', 84, 16], [4210, 'Whole Milk', 84, 16], [36011, 'Organic Fat Free Milk', 84, 16],
  [22035, 'Organic Whole String Cheese', 21, 16], [33731, 'Grated Parmesan', 21, 16], [40604, 'Feta Cheese Crumbles', 21, 16],
  [4799, 'Shredded Parmesan', 21, 16], [16185, 'Sharp Cheddar Cheese', 21, 16],
  [27086, 'Half & Half', 53, 16], [49235, 'Organic Half & Half', 53, 16], [18531, 'Organic Heavy Whipping Cream', 53, 16],
  [44987, 'Heavy Whipping Cream', 53, 16], [39581, 'French Vanilla Creamer', 53, 16],
  [12872, 'Penne Rigate', 131, 9], [32734, 'Spaghetti', 131, 9], [28278, 'Organic Penne Rigate', 131, 9],
  [46522, 'Spaghetti Pasta', 131, 9], [9366, 'Penne Rigate #41 Pasta', 131, 9],
  [23375, 'Marinara Sauce', 9, 9], [39619, 'Organic Tomato Basil Pasta Sauce', 9, 9], [12206, 'Basil Pesto', 9, 9],
  [8204, 'Traditional Favorites Tomato & Basil Pasta Sauce', 9, 9], [19478, 'Organic Marinara Pasta Sauce', 9, 9],
  [38273, 'Marinara Pasta Sauce', 9, 9],
  [8057, 'Organic Chicken & Mozzarella Ravioli', 12, 9], [12471, 'Classic Potato Gnocchi', 12, 9],
  [165, 'Wild Chanterelle Mushroom Ravioli', 12, 9], [31865, 'Four Cheese Ravioli', 12, 9],
  [18288, 'Sea Salt Potato Chips', 107, 19], [35561, 'Organic Tortilla Chips', 107, 19], [25824, 'Pita Chips Simply Naked', 107, 19],
  [13380, 'Organic Blue Corn Tortilla Chips', 107, 19], [21376, 'Pretzel Crisps Original Deli Style Pretzel Crackers', 107, 19],
  [40063, 'Gluten Free Chocolate Chip Cookies', 61, 19], [40199, 'Chocolate Chip Cookies', 61, 19], [31847, 'Pure Butter Shortbread', 61, 19],
  [41793, 'Mini Chocolate Chunk Cookies', 61, 19], [44961, 'Ginger Snap Cookies', 61, 19],
  [38164, 'Almonds & Sea Salt in Dark Chocolate', 45, 19], [46616, 'Organic Dark Chocolate Peanut Butter Cups', 45, 19],
  [43192, 'Dark with 70% Cacao Content Organic Chocolate Bar', 45, 19], [2480, 'Organic 85% Cacao Dark Chocolate Bar', 45, 19],
  [196, 'Soda', 77, 7], [47141, 'Cola', 77, 7], [10957, 'Fridge Pack Cola', 77, 7], [46149, 'Zero Calorie Cola', 77, 7], [24759, 'Club Soda', 77, 7],
  [44632, 'Sparkling Water Grapefruit', 115, 7], [19660, 'Spring Water', 115, 7], [35221, 'Lime Sparkling Water', 115, 7],
  [21709, 'Sparkling Lemon Water', 115, 7], [14947, 'Pure Sparkling Water', 115, 7],
  [16965, 'Chocolate Ice Cream', 37, 1], [12276, 'Chocolate Chip Cookie Dough Ice Cream', 37, 1], [32691, 'Vanilla Ice Cream', 37, 1],
  [2361, 'Mint Chip', 37, 1], [38374, 'Milk and Cookies Ice Cream', 37, 1],
  [24561, 'Organic Cheese Frozen Pizza', 79, 1], [20345, 'Thin Crust Pepperoni Pizza', 79, 1], [5959, 'Four Cheese Thin Crust Pizza', 79, 1],
  [5449, 'Margherita Pizza', 79, 1], [9741, 'Cheese Pizza', 79, 1],
  [8021, '100% Recycled Paper Towels', 54, 17], [2086, 'Sustainably Soft Bath Tissue', 54, 17], [32650, 'White Giant Paper Towel Rolls', 54, 17],
  [6816, 'Organic Cold Brew Coffee', 100, 21],
];

export function sliceCatalogue(): Catalogue {
  return instacartSlice(CATEGORIES, DEPARTMENTS, PRODUCTS);
}

/**
 * A phrase corpus mined like the real one in spirit: word n-grams (1–3) of product names that occur
 * in at least two products, with their document frequency and categories.
 */
export function minedCorpus(catalogue: Catalogue): KeywordCorpus {
  const df = new Map<string, { df: number; categories: Map<string, number>; departments: Map<string, number> }>();
  for (const p of catalogue.products.values()) {
    const words = tokens(p.name);
    const grams = new Set<string>();
    for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= words.length; i++) grams.add(words.slice(i, i + n).join(' '));
    for (const g of grams) {
      const e = df.get(g) ?? { df: 0, categories: new Map(), departments: new Map() };
      e.df++;
      e.categories.set(p.categoryId, (e.categories.get(p.categoryId) ?? 0) + 1);
      e.departments.set(p.departmentId, (e.departments.get(p.departmentId) ?? 0) + 1);
      df.set(g, e);
    }
  }
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0])).map(([id]) => id);
  const terms: KeywordTerm[] = [...df]
    .filter(([text, e]) => e.df >= 2 && /[a-z]{3}/.test(text))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([text, e]) => ({ id: `kw:${text}`, text, kind: 'phrase', df: e.df, categories: ranked(e.categories), departments: ranked(e.departments) }));
  return { terms, byText: new Map(terms.map((t) => [t.text, t])), digest: sha256(terms.map((t) => t.id).join('\n')) };
}

/** A UserContext from lists of product ids, one list per history order, via the real builder. */
export function userFromOrders(userId: string, orders: readonly (readonly number[])[], catalogue: Catalogue): UserContext {
  // Products are written as Instacart's numbers, as in products.csv; ids are strings in the neutral model.
  const history: UserHistory['history'] = orders.map((ids, i): Order => ({
    id: `${userId}-${i + 1}`,
    userId,
    seq: i + 1,
    day: i * 7,
    dow: i % 7,
    hour: 10,
    lines: ids.map((productId) => ({ productId: String(productId), quantity: 1, reordered: orders.slice(0, i).some((o) => o.includes(productId)) })),
  }));
  return buildUserContext({ userId, history, target: undefined }, catalogue);
}

/** Repeats a basket `n` times, rotating which optional items join the core each time. */
export function repeatedOrders(n: number, core: readonly number[], rotating: readonly number[], perOrder = 3): number[][] {
  return Array.from({ length: n }, (_, i) => [...core, ...Array.from({ length: perOrder }, (_, j) => rotating[(i * perOrder + j) % rotating.length])]);
}

/** A cook: pasta, sauce, vegetables, herbs, cheese, fruit and yogurt, week after week. */
export const COOK_ORDERS = repeatedOrders(
  6,
  [12872, 23375, 24964, 22935, 33731, 24852, 20842, 43789],
  [32734, 39619, 45007, 17794, 31717, 21137, 4799, 38928, 19478, 34126, 27845, 47209],
);
/** A snacker: chips, cookies, chocolate, soda, sparkling water, ice cream and frozen pizza. */
export const SNACKER_ORDERS = repeatedOrders(
  6,
  [18288, 40199, 196, 44632, 16965, 20345, 38164],
  [35561, 41793, 47141, 35221, 32691, 5959, 46616, 24759, 13380, 2361, 21709, 9741],
);
/** One small order: too little to know anyone by. */
export const THIN_ORDERS = [[24852, 196, 18288]];

/**
 * Other shoppers, so co-purchase has something to say: cooks who also buy fresh pasta and cream,
 * snackers who also buy candy and cookies, and a few who buy milk and paper goods with anything.
 */
export const CROWD_HISTORIES: number[][][] = [
  repeatedOrders(4, [12872, 23375, 8057, 18531], [12471, 27086, 165, 39581]),
  repeatedOrders(4, [24852, 20842, 31865, 44987], [21137, 49235, 12206, 8204]),
  repeatedOrders(4, [18288, 196, 43192, 44961], [2480, 31847, 10957, 46149]),
  repeatedOrders(3, [27845, 8021], [4210, 2086, 24852, 196]),
];

/** Statistics over the fixture shoppers' histories (cook, snacker and the crowd). */
export function sliceStats(catalogue: Catalogue): CatalogueStats {
  const histories = [COOK_ORDERS, SNACKER_ORDERS, ...CROWD_HISTORIES].map((h) => h.map((basket) => basket.map(String)));
  return statsOfHistories(histories, catalogue);
}

/** A unit-test Ctx over the catalogue slice, its mined corpus, the fixture shoppers' statistics, and its products indexed. */
export async function sliceCtx(overrides: Partial<Ctx> = {}): Promise<Ctx> {
  const catalogue = overrides.catalogue ?? sliceCatalogue();
  const ctx = makeTestCtx({ catalogue, corpus: minedCorpus(catalogue), stats: sliceStats(catalogue), ...overrides });
  await indexProducts(ctx.catalogue, ctx.stats, ctx.embedder, ctx.vectors);
  return ctx;
}
