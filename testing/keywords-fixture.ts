import { offlineModels } from './test-context.js';
import { instacartSlice } from './catalogue-builder.js';
import { compareIds, type Catalogue, type Product } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { KeywordCorpus, KeywordTerm } from '../retrieval/corpus-types.js';
import { indexKeywords, indexProducts } from '../retrieval/index-catalogue.js';
import { makeTestCtx } from './test-context.js';
import type { Ctx } from '../kit/context.js';
import type { Theme, Themes } from '../phases/themes/schema.js';
import { makeArtefact, type Artefact } from '../kit/artefacts/artefact.js';
import { ZERO_USAGE } from '../llm/usage.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepMerge, loadConfig, type HubgenConfig, type Role } from '../config/config.js';
import type { GenerateStructuredOptions, ModelRegistry, StructuredResult } from '../llm/registry.js';
import { FEATURE_NAMES } from '../phases/keywords/features.js';
import type { StudentWeights } from '../phases/keywords/student.js';
import type { KeywordSelection } from '../phases/keywords/schema.js';
import type { ChatMessage } from '../llm/types.js';
import { emptyStats } from '../catalogue/stats.js';

/**
 * A small real slice of the Instacart catalogue (ids and names copied from data/instacart) for
 * unit tests that must not load the whole dataset.
 */
const PRODUCTS: readonly [number, string, number, number][] = [
  [15712, "Organic Traditional Plain Kefir", 120, 16],
  [33800, "Organic 2% Plain Kefir Milk", 120, 16],
  [484, "Plain Greek Goat Yogurt", 120, 16],
  [44156, "Strawberry on the Bottom Nonfat Greek Yogurt", 120, 16],
  [1409, "Dairy Free Coconut Milk Passionate Mango Yogurt Alternative", 120, 16],
  [5360, "BioKefir Pomegranate & Blueberry Flavor Cultured Milk", 120, 16],
  [1054, "Greek Kefir Honey", 120, 16],
  [22224, "Whole Milk Plain Greek Yogurt", 120, 16],
  [12806, "French Vanilla Granola", 57, 14],
  [18352, "Flax Plus Organic Pumpkin Flax Granola", 57, 14],
  [40785, "Hemp Plus Granola", 57, 14],
  [11193, "Ancient Grain Blueberry Hemp Granola", 57, 14],
  [36294, "Paleo Granola", 57, 14],
  [32945, "Renola Cocoa Coconut Fruit Nut and Seed Mix", 57, 14],
  [7570, "Original Cafe Mix Granola", 57, 14],
  [3886, "Organic Maple Brown Sugar Granola", 57, 14],
  [35724, "Honey Nut Crunch Cereal", 121, 14],
  [12758, "Power O's Strawberry", 121, 14],
  [1508, "Simply Delicious Gluten-Free Blissfully Berry Cereal", 121, 14],
  [3214, "Original Granola Cereal", 121, 14],
  [10950, "Bran Flakes Whole Grain Wheat Cereal", 121, 14],
  [6187, "Raisin Bran Cereal", 121, 14],
  [588, "Special K Original Cereal", 121, 14],
  [4202, "Cookie Crisp Cereal", 121, 14],
  [40699, "Golden Nugget Mandarin", 24, 4],
  [3805, "Orange Honeydew Melon", 24, 4],
  [5450, "Small Hass Avocado", 24, 4],
  [14618, "Bag Of Baby Lemons", 24, 4],
  [16094, "Fireside Apples", 24, 4],
  [4621, "Organic Granny Smith Apple Bag", 24, 4],
  [2110, "Green Bananas", 24, 4],
  [7665, "Organic Bluberries", 24, 4],
  [12036, "Gluten-Free Supergrain Pasta Organic Corn & Quinoa Blend Penne", 131, 9],
  [3067, "Spaghetti Rigati Pasta", 131, 9],
  [35334, "Tricolor Rotini", 131, 9],
  [774, "Organic 100% Whole Wheat Rigatoni", 131, 9],
  [13376, "Farfalle Tricolor Pasta No. 93", 131, 9],
  [2546, "Gluten Free Penne Rigate", 131, 9],
  [1913, "Organic 100% Whole Wheat Chiocciole", 131, 9],
  [5315, "Fettuccine Pasta", 131, 9],
  [8026, "Home Style Gravy", 9, 9],
  [15050, "Fresh Alfredo", 9, 9],
  [5697, "Italian Pasta Sauce Puttanesca Tomato & Sliced Olives", 9, 9],
  [813, "Spinach Pesto", 9, 9],
  [16205, "Spicy Tomato & Pesto Pasta Sauce", 9, 9],
  [4668, "Sun Ripened Dried Pesto", 9, 9],
  [41250, "Light Alfredo Sauce", 9, 9],
  [2991, "Organic Mushroom Pasta Sauce", 9, 9],
  [1164, "Whole Bean Organic Kick Ass Coffee", 26, 7],
  [3403, "Half Caff K Cup", 26, 7],
  [8501, "Breakfast Blend Medium Keurig Brewed K-Cups Ground Coffee", 26, 7],
  [23745, "Dunkin' Decaf Decaffeinated Medium Roast Ground Coffee", 26, 7],
  [32997, "Hazelnut Light Roast K-Cup Packs Coffee", 26, 7],
  [4205, "Bonded Filters Natural Squares", 26, 7],
  [2879, "Bourboncito Coffee", 26, 7],
  [1946, "Natural Brown Cone Style Coffee Filters #4", 26, 7],
  [3913, "Original Unfiltered Ginger Ale", 77, 7],
  [4881, "Diet Ginger Ale Slim Cans", 77, 7],
  [530, "7UP", 77, 7],
  [12054, "Lemon Sparkling Soda", 77, 7],
  [11073, "Diet Orange Diet CSD", 77, 7],
  [3186, "1893 Original Can", 77, 7],
  [33254, "Original Cola", 77, 7],
  [1919, "Diet Mountain Zevia Soda", 77, 7],
  [37104, "Tortilla Strips", 107, 19],
  [47211, "Kettle Cooked Potato Chips Original", 107, 19],
  [17661, "Kettle Cooked Waffle Cut Sea Salt Potato Chips", 107, 19],
  [1763, "Toasted Cheddar Ritz Chips", 107, 19],
  [25565, "Jumbo Cheese Puffs", 107, 19],
  [6489, "Backyard Barbeque Potato Chips", 107, 19],
  [756, "Malt Vinegar & Sea Salt Kettle Cooked Potato Chips", 107, 19],
  [239, "Chicharrones Picante Flavor Pork Rinds", 107, 19],
  [761, "Tidy Cats 4-in-1 Strength Cat Litter", 41, 8],
  [45751, "Light Weight Instant Action  Litter", 41, 8],
  [2109, "Cat Litter Deodorizer with Activated Baking Soda", 41, 8],
  [2976, "High Protein Advanced Formula Cat Food", 41, 8],
  [11814, "Ocean Whitefish", 41, 8],
  [4268, "Spot's Stew Chicken Cat Food", 41, 8],
  [32391, "Grain Free Food for Cats Chicken & Liver Dinner", 41, 8],
  [3423, "Friskies Savory Shreds Cat Food Variety Pack", 41, 8],
  [24799, "Vanilla Skyr Nonfat Yogurt", 120, 16],
  [26131, "Mixed Berries Whole Milk Icelandic Style Skyr Yogurt", 120, 16],
  [459, "Honey Vanilla Greek Yogurt", 120, 16],
  [9558, "Non-Fat Vanilla Blended Greek Yogurt", 120, 16],
];

const CATEGORIES: readonly [number, string][] = [
  [9, 'pasta sauce'], [24, 'fresh fruits'], [26, 'coffee'], [41, 'cat food care'], [57, 'granola'],
  [77, 'soft drinks'], [107, 'chips pretzels'], [120, 'yogurt'], [121, 'cereal'], [131, 'dry pasta'],
];
const DEPARTMENTS: readonly [number, string][] = [
  [4, 'produce'], [7, 'beverages'], [8, 'pets'], [9, 'dry goods pasta'], [13, 'pantry'], [14, 'breakfast'], [16, 'dairy eggs'], [19, 'snacks'],
];

export function fixtureCatalogue(): Catalogue {
  return instacartSlice(CATEGORIES, DEPARTMENTS, PRODUCTS);
}

const words = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !/^\d+$/.test(w));

const byFrequency = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0])).map(([id]) => id);

/**
 * A fixture keyword corpus: every 1-2 word phrase of the fixture product names, plus one term per
 * category and department. Not the production corpus builder; just enough structure for unit tests.
 */
export function fixtureCorpus(catalogue: Catalogue, exclude: readonly string[] = []): KeywordCorpus {
  const stats = new Map<string, { df: number; categories: Map<string, number>; departments: Map<string, number>; kind: KeywordTerm['kind'] }>();
  const add = (text: string, kind: KeywordTerm['kind'], p: Product) => {
    if (exclude.includes(text)) return;
    const s = stats.get(text) ?? { df: 0, categories: new Map(), departments: new Map(), kind };
    s.df++;
    s.categories.set(p.categoryId, (s.categories.get(p.categoryId) ?? 0) + 1);
    s.departments.set(p.departmentId, (s.departments.get(p.departmentId) ?? 0) + 1);
    stats.set(text, s);
  };
  for (const p of catalogue.products.values()) {
    const w = words(p.name);
    const grams = new Set([...w, ...w.slice(1).map((x, i) => `${w[i]} ${x}`)]);
    for (const g of grams) add(g, 'phrase', p);
    add(catalogue.categories.get(p.categoryId)!.name, 'category', p);
    add(catalogue.departments.get(p.departmentId)!.name, 'department', p);
  }
  const terms: KeywordTerm[] = [...stats]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([text, s]) => ({ id: `kw:${text}`, text, kind: s.kind, df: s.df, categories: byFrequency(s.categories), departments: byFrequency(s.departments) }));
  return { terms, byText: new Map(terms.map((t) => [t.text, t])), digest: `fixture-${terms.length}-${exclude.join('|')}` };
}

export const fixtureStats: CatalogueStats = { ...emptyStats(), popularity: () => 0.5 };

/** A test Ctx over the fixture catalogue, with keywords and products indexed by the hashing embedder. */
export async function fixtureCtx(overrides: Partial<Ctx> = {}, options: { excludeTerms?: readonly string[] } = {}): Promise<Ctx> {
  const catalogue = fixtureCatalogue();
  const ctx = makeTestCtx({ catalogue, corpus: fixtureCorpus(catalogue, options.excludeTerms), stats: fixtureStats, ...overrides });
  await indexKeywords(ctx.corpus, ctx.embedder, ctx.vectors);
  await indexProducts(ctx.catalogue, ctx.stats, ctx.embedder, ctx.vectors);
  return ctx;
}

export const yogurtTheme: Theme = {
  id: 'greek-yogurt-breakfast',
  kind: 'discovery',
  title: 'Greek yogurt breakfast',
  description: 'Thick greek yogurt with granola and fresh fruit for quick breakfasts.',
  concepts: ['greek yogurt', 'granola', 'vanilla yogurt', 'blueberries'],
  categories: ['yogurt', 'granola'],
  departments: ['dairy eggs'],
  confidence: 0.9,
};

export const pastaTheme: Theme = {
  id: 'pasta-night',
  kind: 'discovery',
  title: 'Weeknight pasta night',
  description: 'Dry pasta shapes and jarred pasta sauces for quick dinners.',
  concepts: ['penne', 'pasta sauce', 'pesto', 'whole wheat pasta'],
  categories: ['dry pasta', 'pasta sauce'],
  departments: ['dry goods pasta'],
  confidence: 0.8,
};

/** A themes artefact as Phase 1 would store it (hash from a stand-in key). */
export function themesArtefact(themes: readonly Theme[], tag = 'fixture'): Artefact<Themes> {
  return makeArtefact(
    { phase: 'themes', phaseVersion: 'test', config: {}, models: {}, promptVersion: 'test', inputs: [tag] },
    { pageTitle: 'Your page', themes: [...themes] },
    { attempts: [], usage: ZERO_USAGE, latencyMs: 0, role: 'local', model: 'test', confidence: 1 },
    new Date(0).toISOString(),
  );
}

/** Student weights for tests, written to a temp file: a planted rule over category agreement and similarity. */
export function writeTestWeights(dir: string, { intercept = -1, categoryAny = 2, similarity = 1, cutoff = 0.5 } = {}): string {
  const path = join(dir, `student-test-${intercept}-${categoryAny}-${similarity}-${cutoff}.json`);
  const coefficients = FEATURE_NAMES.map((n) => (n === 'categoryAny' ? categoryAny : n === 'similarity' ? similarity : 0));
  const weights: StudentWeights = {
    format: 'hubgen-student-weights/1',
    model: 'test',
    embedderId: 'test-hashing-256',
    features: [...FEATURE_NAMES],
    means: FEATURE_NAMES.map(() => 0),
    stds: FEATURE_NAMES.map(() => 1),
    coefficients,
    intercept,
    cutoff,
    trainedOn: 'hand-set for tests',
    trainedAt: '1970-01-01T00:00:00.000Z',
  };
  writeFileSync(path, JSON.stringify(weights));
  return path;
}

export interface RecordedCall {
  readonly role: Role;
  readonly messages: readonly ChatMessage[];
}

/**
 * A ModelRegistry that answers from a function instead of a server, for tests of tier logic. The
 * end-to-end path through a real HTTP client is covered with the scripted server.
 */
export function fakeRegistry(config: HubgenConfig, answer: (role: Role, messages: readonly ChatMessage[]) => KeywordSelection, calls: RecordedCall[] = []): ModelRegistry {
  return {
    ...offlineModels(config),
    generateStructured: (async (options: GenerateStructuredOptions): Promise<StructuredResult<unknown>> => {
      calls.push({ role: options.role, messages: options.messages });
      const usage = { inputTokens: 1000, cachedInputTokens: 0, outputTokens: 100, costUsd: 0.001, calls: 1 };
      return {
        object: answer(options.role, options.messages) as unknown,
        model: config.roles[options.role]!.model,
        usage,
        finishReason: 'stop',
        attempts: [{ ok: true, repaired: false, usage, latencyMs: 1 }],
        repaired: false,
        latencyMs: 1,
        warnings: [],
      };
    }) as ModelRegistry['generateStructured'],
  };
}

/** Config with the OpenAI-compatible roles usable (a keyless local base URL), nothing else changed. */
export function llmConfig(overrides: Record<string, unknown> = {}): HubgenConfig {
  return loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read', overrides: deepMerge({ providers: { openai: { baseURL: 'http://127.0.0.1:9/v1' } } }, overrides) });
}
