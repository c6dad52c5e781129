/**
 * A small slice of the real Instacart catalogue (ids and names as in products.csv) for Phase 4 and
 * single-step tests, plus helpers to build users and upstream artefacts. Test-only.
 */
import { instacartSlice } from './catalogue-builder.js';
import type { Catalogue, Product } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { makeArtefact, type Artefact } from '../kit/artefacts/artefact.js';
import { ZERO_USAGE } from '../llm/usage.js';
import type { Filtered } from '../phases/filter/schema.js';
import { emptyStats } from '../catalogue/stats.js';

const CATEGORIES: [number, string][] = [
  [16, 'fresh herbs'],
  [24, 'fresh fruits'],
  [83, 'fresh vegetables'],
  [84, 'milk'],
  [91, 'soy lactosefree'],
  [107, 'chips pretzels'],
  [112, 'bread'],
  [120, 'yogurt'],
];
const DEPARTMENTS: [number, string][] = [
  [3, 'bakery'],
  [4, 'produce'],
  [16, 'dairy eggs'],
  [19, 'snacks'],
];

// Category 91 deliberately has no products (a filtered search there finds nothing); category 16 only two.
const PRODUCTS: [number, string, number, number][] = [
  [143, 'Organic Lemons', 24, 4],
  [1183, 'Organic Black Seedless Grapes', 24, 4],
  [1368, 'Pink Lady Apple', 24, 4],
  [2110, 'Green Bananas', 24, 4],
  [2433, 'Meyer Lemons', 24, 4],
  [3091, 'Organic Minneola', 24, 4],
  [3120, 'Sweetango Apple', 24, 4],
  [3481, 'Pineapple', 24, 4],
  [391, 'Organic Yukon Gold Potato Bag', 83, 4],
  [494, 'Yellow Cherry Tomato', 83, 4],
  [784, 'Organic Vegetable Tray', 83, 4],
  [1043, 'Organic Broccolini', 83, 4],
  [1244, 'Organic Orange Bell Pepper', 83, 4],
  [1374, 'Organic Hass Avocado Bag', 83, 4],
  [2016, 'Minzano Tomato', 83, 4],
  [2017, 'Organic Cherry Tomatoes On The Vine', 83, 4],
  [9, 'Light Strawberry Blueberry Yogurt', 120, 16],
  [132, 'Yogurt Strawberry Pomegranate', 120, 16],
  [264, 'Non-Fat Blueberry on the Bottom Greek Yogurt', 120, 16],
  [419, 'Light & Fit Strawberry Cheesecake Greek Nonfat Yogurt', 120, 16],
  [459, 'Honey Vanilla Greek Yogurt', 120, 16],
  [484, 'Plain Greek Goat Yogurt', 120, 16],
  [329, 'Organic Whole Grassmilk Milk', 84, 16],
  [877, 'Ultra-Filtered Whole Milk', 84, 16],
  [1463, 'Organic Milk', 84, 16],
  [1729, '2% Lactose Free Milk', 84, 16],
  [1940, 'Organic 2% Reduced Fat Milk', 84, 16],
  [2187, 'Strawberry Milk', 84, 16],
  [101, 'Bread, Healthy Whole Grain', 112, 3],
  [108, 'Organic Sprouted Barley Bread', 112, 3],
  [566, 'Organic Thin Sliced 100% Whole Wheat Bread', 112, 3],
  [666, 'Whole Wheat Loaves', 112, 3],
  [141, 'Restaurant Style Organic Chia & Quinoa Tortilla Chips', 107, 19],
  [212, 'Organic Blue Corn Sea Salt Tortilla Chips', 107, 19],
  [166, 'Garlic Parmesan Pita Bread Chips', 107, 19],
  [157, 'Living Organic Cilantro', 16, 4],
  [1025, 'Organic Fresh Basil', 16, 4],
];

export function fixtureCatalogue(): Catalogue {
  return instacartSlice(CATEGORIES, DEPARTMENTS, PRODUCTS);
}

/** Orders per product: a deterministic spread so popularity varies across the fixture. */
export function fixtureStats(): CatalogueStats {
  const productOrders = new Map(PRODUCTS.map(([id], i) => [String(id), 1 + ((i * 7) % 11)]));
  const max = Math.max(...productOrders.values());
  return {
    ...emptyStats(),
    productOrders,
    totalOrders: 100,
    popularity: (id) => Math.log1p(productOrders.get(id) ?? 0) / Math.log1p(max),
  };
}

export function fixtureUser(overrides: Partial<UserContext> = {}): UserContext {
  return {
    userId: '42',
    historyOrders: 10,
    topCategories: [],
    topDepartments: [],
    frequentProducts: [],
    recentProducts: [],
    reorderRate: 0,
    habits: { topDow: 0, topHour: 9, meanDaysBetween: 7 },
    statedPreferences: [],
    preferences: [],
    productAffinity: {},
    reorderPropensity: {},
    categoryAffinity: {},
    ...overrides,
  };
}

/** Wraps Phase 3 data as a stored-looking upstream artefact. */
export function filteredArtefact(data: Filtered, tag = 'fixture'): Artefact<Filtered> {
  return makeArtefact(
    { phase: 'filter', phaseVersion: 'test', config: {}, models: {}, promptVersion: 'none', inputs: [tag] },
    data,
    { attempts: [], usage: ZERO_USAGE, latencyMs: 0, role: 'local', model: 'fixture', confidence: undefined },
    '2024-01-01T00:00:00.000Z',
  );
}

type Kw = [text: string, categoryIds: string[], departmentIds: string[]];

export function theme(id: string, title: string, keywords: Kw[]): Filtered['themes'][number] {
  return {
    id,
    title,
    description: `${title} picked for you`,
    categoryIds: [...new Set(keywords.flatMap((k) => k[1]))],
    departmentIds: [...new Set(keywords.flatMap((k) => k[2]))],
    keywords: keywords.map(([text, categoryIds, departmentIds]) => ({ text, categoryIds, departmentIds, relevance: 1 })),
  };
}
