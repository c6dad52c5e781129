/**
 * Writes data/example/: a small, invented grocery catalogue in hubgen's neutral format, for tests
 * and examples. Seeded, so the same code always writes the same files (a test checks the committed
 * files match): `npx tsx scripts/generate-example-data.ts`.
 *
 * Formats are mixed on purpose, to exercise both readers: products as JSONL (category paths both
 * as arrays and as "A > B" strings), users and events as CSV.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seededRandom, shuffled } from '../base/random.js';

export const EXAMPLE_DIR = fileURLToPath(new URL('../data/example/', import.meta.url));
const SEED = 20260101;

/** Category path → [items, typical sizes, price range]. Depths are mixed: 1, 2 and 3 levels. */
const CATALOGUE: readonly (readonly [string, readonly string[], readonly string[], readonly [number, number]])[] = [
  ['Bakery', ['Sourdough Loaf', 'Whole Wheat Bread', 'Rye Bread', 'Butter Croissants', 'Bagels', 'Blueberry Muffins', 'Cinnamon Rolls', 'Pita Bread', 'Brioche Buns'], ['1 loaf', '4 pack', '6 pack'], [1.5, 5]],
  ['Household', ['Dish Soap', 'Laundry Detergent', 'Paper Towels', 'Toilet Paper', 'Trash Bags', 'All Purpose Cleaner', 'Sponges'], ['1 l', '6 rolls', '20 pack'], [2, 12]],
  ['Baby Care', ['Baby Wipes', 'Diapers Size 3', 'Apple Puree Pouches', 'Baby Oatmeal', 'Teething Biscuits'], ['80 wipes', '30 pack', '4 x 90 g'], [2, 15]],
  ['Produce > Fresh Fruit', ['Bananas', 'Gala Apples', 'Strawberries', 'Blueberries', 'Lemons', 'Avocados', 'Seedless Grapes', 'Mangoes'], ['1 kg', '500 g', 'each'], [0.8, 5]],
  ['Produce > Fresh Vegetables', ['Baby Spinach', 'Carrots', 'Broccoli', 'Cherry Tomatoes', 'Red Onions', 'Cucumber', 'Bell Peppers', 'Sweet Potatoes', 'Zucchini'], ['1 kg', '250 g', 'each'], [0.7, 4]],
  ['Produce > Fresh Herbs', ['Basil', 'Cilantro', 'Flat Leaf Parsley', 'Mint', 'Garlic'], ['1 bunch', '100 g'], [0.9, 2.5]],
  ['Dairy & Eggs > Milk', ['Whole Milk', 'Semi Skimmed Milk', 'Oat Milk', 'Almond Milk', 'Lactose Free Milk'], ['1 l', '2 l'], [0.9, 3]],
  ['Dairy & Eggs > Yogurt', ['Greek Yogurt', 'Vanilla Yogurt', 'Strawberry Yogurt', 'Plain Skyr', 'Coconut Yogurt', 'Kids Yogurt Tubes'], ['500 g', '4 x 125 g'], [1, 4]],
  ['Dairy & Eggs > Eggs', ['Free Range Eggs', 'Large Brown Eggs', 'Egg Whites'], ['6 pack', '12 pack'], [2, 5]],
  ['Dairy & Eggs > Butter & Cream', ['Salted Butter', 'Unsalted Butter', 'Double Cream', 'Sour Cream', 'Cream Cheese'], ['250 g', '300 ml'], [1.5, 4]],
  ['Dairy & Eggs > Cheese > Hard Cheese', ['Mature Cheddar', 'Parmesan', 'Gouda', 'Manchego', 'Grated Mozzarella'], ['200 g', '400 g'], [2.5, 7]],
  ['Dairy & Eggs > Cheese > Soft Cheese', ['Brie', 'Camembert', 'Goat Cheese', 'Feta', 'Ricotta', 'Fresh Mozzarella'], ['125 g', '200 g'], [2, 6]],
  ['Pantry > Pasta & Rice', ['Spaghetti', 'Penne', 'Fusilli', 'Basmati Rice', 'Brown Rice', 'Egg Noodles', 'Couscous', 'Quinoa'], ['500 g', '1 kg'], [1, 4]],
  ['Pantry > Sauces & Condiments', ['Tomato Basil Pasta Sauce', 'Pesto', 'Ketchup', 'Mayonnaise', 'Dijon Mustard', 'Soy Sauce', 'Hot Sauce', 'Olive Oil'], ['250 ml', '500 ml', '190 g'], [1.2, 8]],
  ['Pantry > Canned Goods', ['Chopped Tomatoes', 'Chickpeas', 'Black Beans', 'Coconut Milk', 'Tuna in Olive Oil', 'Sweetcorn', 'Lentil Soup'], ['400 g', '4 x 400 g'], [0.6, 4]],
  ['Pantry > Baking', ['Plain Flour', 'Caster Sugar', 'Baking Powder', 'Dark Chocolate Chips', 'Vanilla Extract', 'Rolled Oats'], ['1 kg', '500 g', '100 ml'], [0.9, 5]],
  ['Pantry > Spices', ['Ground Cumin', 'Smoked Paprika', 'Black Peppercorns', 'Cinnamon', 'Chili Flakes', 'Curry Powder'], ['50 g', '100 g'], [1, 3.5]],
  ['Pantry > Breakfast > Cereal', ['Granola', 'Corn Flakes', 'Muesli', 'Porridge Oats', 'Bran Flakes', 'Chocolate Cereal'], ['500 g', '750 g'], [1.5, 5]],
  ['Pantry > Breakfast > Spreads', ['Peanut Butter', 'Strawberry Jam', 'Honey', 'Chocolate Hazelnut Spread', 'Orange Marmalade'], ['340 g', '454 g'], [1.5, 6]],
  ['Snacks > Chips & Crisps', ['Sea Salt Potato Chips', 'Tortilla Chips', 'Salt and Vinegar Crisps', 'Veggie Straws', 'Popcorn'], ['150 g', '6 pack'], [1, 3.5]],
  ['Snacks > Cookies', ['Chocolate Chip Cookies', 'Oatmeal Raisin Cookies', 'Shortbread', 'Digestive Biscuits', 'Ginger Snaps'], ['200 g', '300 g'], [1, 3.5]],
  ['Snacks > Nuts & Dried Fruit', ['Roasted Almonds', 'Cashews', 'Mixed Nuts', 'Raisins', 'Dried Apricots', 'Trail Mix'], ['200 g', '500 g'], [2, 7]],
  ['Snacks > Chocolate', ['Milk Chocolate Bar', 'Dark Chocolate 70%', 'Chocolate Covered Pretzels', 'Salted Caramel Chocolate'], ['100 g', '200 g'], [1, 4]],
  ['Beverages > Coffee', ['Ground Coffee', 'Whole Bean Espresso', 'Instant Coffee', 'Decaf Coffee Pods', 'Cold Brew Coffee'], ['250 g', '10 pods', '1 l'], [3, 10]],
  ['Beverages > Tea', ['English Breakfast Tea', 'Green Tea', 'Chamomile Tea', 'Peppermint Tea', 'Earl Grey Tea'], ['40 bags', '80 bags'], [1.5, 5]],
  ['Beverages > Juice', ['Orange Juice', 'Apple Juice', 'Cranberry Juice', 'Green Smoothie'], ['1 l', '250 ml'], [1.2, 4]],
  ['Beverages > Soft Drinks', ['Cola', 'Lemonade', 'Ginger Ale', 'Sparkling Orange'], ['6 x 330 ml', '2 l'], [1, 5]],
  ['Beverages > Water', ['Still Spring Water', 'Sparkling Mineral Water', 'Lime Sparkling Water'], ['6 x 500 ml', '1.5 l'], [0.5, 4]],
  ['Frozen > Frozen Meals', ['Margherita Pizza', 'Vegetable Lasagne', 'Chicken Tikka Masala', 'Bean Burritos', 'Vegetable Dumplings'], ['400 g', '2 pack'], [2.5, 6]],
  ['Frozen > Ice Cream', ['Vanilla Ice Cream', 'Chocolate Ice Cream', 'Mango Sorbet', 'Strawberry Ice Cream Bars'], ['500 ml', '4 pack'], [2, 6]],
  ['Frozen > Frozen Vegetables', ['Garden Peas', 'Mixed Vegetables', 'Edamame', 'Spinach Portions', 'Sweet Potato Fries'], ['500 g', '1 kg'], [1, 4]],
  ['Meat & Seafood > Poultry', ['Chicken Breast Fillets', 'Whole Chicken', 'Chicken Thighs', 'Turkey Mince'], ['500 g', '1 kg'], [3, 9]],
  ['Meat & Seafood > Beef & Pork', ['Beef Mince', 'Sirloin Steak', 'Pork Sausages', 'Smoked Bacon', 'Pork Chops'], ['400 g', '500 g'], [3, 12]],
  ['Meat & Seafood > Fish', ['Salmon Fillets', 'Cod Fillets', 'King Prawns', 'Smoked Salmon'], ['240 g', '400 g'], [4, 12]],
];

/** Invented brands, a few per department as in a real store, plus "Kitchen Basics" as the store brand everywhere. */
const BRANDS: Readonly<Record<string, readonly string[]>> = {
  Bakery: ['Loafwell', 'Morning Crust'],
  Household: ['Brightnest', 'Clearwell'],
  'Baby Care': ['Little Acorn', 'Tinytoes'],
  Produce: ['Fernhollow', 'Sunmead'],
  'Dairy & Eggs': ['Blue Meadow', 'Northfield'],
  Pantry: ['Harbor Pantry', 'Oak & Stone'],
  Snacks: ['Crunchwell', 'Nibbleton'],
  Beverages: ['Brookmere', 'Roastwell'],
  Frozen: ['Polar Kitchen', 'Frostline'],
  'Meat & Seafood': ['Hollowmere Farms', 'Tidebrook'],
};
const STORE_BRAND = 'Kitchen Basics';
const SEGMENTS = ['loyalty', 'regular', 'new'];
const PREFERENCES = ['vegetarian', 'no pork', 'organic when possible', 'gluten free', 'lactose free', 'nut allergy'];

interface ExampleProduct {
  readonly id: string;
  readonly name: string;
  readonly path: readonly string[];
  readonly brand: string;
  readonly price: number;
  readonly size: string;
  readonly tags: readonly string[];
  readonly available: boolean;
}

function tagsFor(name: string, path: readonly string[]): string[] {
  const tags: string[] = [];
  if (/^Organic /.test(name)) tags.push('organic');
  if (/Oat Milk|Almond Milk|Coconut|Bean|Chickpeas|Lentil|Edamame|Sorbet|Quinoa|Dumplings|Falafel/.test(name)) tags.push('vegan');
  if (/Lactose Free|Oat Milk|Almond Milk|Coconut Yogurt/.test(name)) tags.push('lactose free');
  if (/Rice|Quinoa|Corn Flakes|Tortilla Chips|Popcorn|Potato Chips/.test(name)) tags.push('gluten free');
  if (/Whole Wheat|Brown Rice|Rye|Bran|Porridge|Rolled Oats|Muesli/.test(name)) tags.push('whole grain');
  if (path[0] === 'Meat & Seafood' && /Pork|Bacon|Sausages/.test(name)) tags.push('contains pork');
  if (/Almonds|Cashews|Nuts|Peanut|Hazelnut|Pesto|Trail Mix/.test(name)) tags.push('contains nuts');
  return tags;
}

const money = (x: number): number => Math.round(x * 100) / 100;

function makeProducts(random: () => number): ExampleProduct[] {
  const products: ExampleProduct[] = [];
  for (const [written, items, sizes, [low, high]] of CATALOGUE) {
    const path = written.split(' > ');
    for (const item of items) {
      // One to two brands per item, and now and then an organic line of it.
      const brands = shuffled([...BRANDS[path[0]], STORE_BRAND], random).slice(0, 1 + Math.floor(random() * 2));
      for (const brand of brands) {
        const organic = random() < 0.18 && path[0] !== 'Household';
        const name = `${organic ? 'Organic ' : ''}${item}`;
        const base = low + random() * (high - low);
        products.push({
          id: `SKU-${String(10001 + products.length)}`,
          name: `${brand} ${name}`,
          path,
          brand,
          price: money(organic ? base * 1.3 : base),
          size: sizes[Math.floor(random() * sizes.length)],
          tags: tagsFor(name, path),
          available: random() > 0.03,
        });
      }
    }
  }
  return products;
}

interface ExampleUser {
  readonly id: string;
  readonly segment: string;
  readonly preferences: readonly string[];
}

function makeUsers(random: () => number): ExampleUser[] {
  return Array.from({ length: 30 }, (_, i) => {
    const preferences = random() < 0.4 ? [PREFERENCES[Math.floor(random() * PREFERENCES.length)]] : [];
    if (preferences.length && random() < 0.3) preferences.push(PREFERENCES[Math.floor(random() * PREFERENCES.length)]);
    return { id: `C${1001 + i}`, segment: SEGMENTS[Math.floor(random() * SEGMENTS.length)], preferences: [...new Set(preferences)] };
  });
}

/** What a shopper with these preferences would not buy. */
function avoids(user: ExampleUser, p: ExampleProduct): boolean {
  const prefs = new Set(user.preferences);
  if (prefs.has('vegetarian') && (p.path[0] === 'Meat & Seafood' || /Tuna|Chicken/.test(p.name))) return true;
  if (prefs.has('no pork') && p.tags.includes('contains pork')) return true;
  if (prefs.has('nut allergy') && p.tags.includes('contains nuts')) return true;
  if (prefs.has('lactose free') && p.path[0] === 'Dairy & Eggs' && !p.tags.includes('lactose free') && p.path[1] !== 'Eggs') return true;
  return false;
}

interface ExampleEvent {
  readonly userId: string;
  readonly orderId?: string;
  readonly timestamp?: string;
  readonly seq?: number;
  readonly productId: string;
  readonly quantity: number;
}

/** Users C1026–C1028 have no timestamps (seq only); C1029 has a single order; C1030 none at all (cold start). */
const SEQ_ONLY = new Set(['C1026', 'C1027', 'C1028']);
const SINGLE_ORDER = 'C1029';
const NO_ORDERS = 'C1030';

function makeEvents(random: () => number, users: readonly ExampleUser[], products: readonly ExampleProduct[]): ExampleEvent[] {
  const events: ExampleEvent[] = [];
  const departments = [...new Set(products.map((p) => p.path[0]))];
  let orderNo = 50001;
  for (const user of users) {
    if (user.id === NO_ORDERS) continue;
    const allowed = products.filter((p) => p.available && !avoids(user, p));
    // A shopper favours a few departments, and within them buys some staples again and again.
    const favourite = new Set(shuffled(departments, random).slice(0, 3 + Math.floor(random() * 2)));
    const pool = allowed.filter((p) => favourite.has(p.path[0]));
    const staples = shuffled(pool, random).slice(0, 5 + Math.floor(random() * 5));
    const orders = user.id === SINGLE_ORDER ? 1 : 3 + Math.floor(random() * 9);
    let time = Date.UTC(2025, 0, 6) + Math.floor(random() * 14) * 86_400_000;
    const gapDays = 5 + Math.floor(random() * 10);
    for (let o = 1; o <= orders; o++) {
      const hour = 8 + Math.floor(random() * 13);
      const at = new Date(time + hour * 3_600_000 + Math.floor(random() * 60) * 60_000).toISOString().replace('.000Z', 'Z');
      const basket = new Set<ExampleProduct>();
      for (const s of staples) if (random() < 0.55) basket.add(s);
      const extra = 1 + Math.floor(random() * 5);
      for (let k = 0; k < extra; k++) basket.add(random() < 0.8 ? pool[Math.floor(random() * pool.length)] : allowed[Math.floor(random() * allowed.length)]);
      const orderId = `O${orderNo++}`;
      for (const p of basket) {
        const quantity = random() < 0.15 ? 2 + Math.floor(random() * 2) : 1;
        // Seq-only users: C1026 and C1027 without order ids (lines group by seq), C1028 with them.
        if (SEQ_ONLY.has(user.id)) events.push({ userId: user.id, ...(user.id === 'C1028' ? { orderId } : {}), seq: o, productId: p.id, quantity });
        else events.push({ userId: user.id, orderId, timestamp: at, productId: p.id, quantity });
      }
      time += (gapDays + Math.floor(random() * 5) - 2) * 86_400_000;
    }
  }
  return events;
}

const csvCell = (v: string | number | undefined): string => (v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
const csv = (header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string => [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

/** The example's files, name → text. Deterministic: the same seed always gives the same bytes. */
export function exampleFiles(): Record<string, string> {
  const random = seededRandom(SEED);
  const products = makeProducts(random);
  const users = makeUsers(random);
  const events = makeEvents(random, users, products);
  const productLines = products.map((p, i) =>
    JSON.stringify({
      id: p.id,
      name: p.name,
      // Both written forms of a path, to exercise both.
      category: i % 3 === 0 ? p.path.join(' > ') : p.path,
      brand: p.brand,
      price: p.price,
      size: p.size,
      ...(p.tags.length ? { tags: p.tags } : {}),
      ...(p.available ? {} : { available: false }),
    }),
  );
  return {
    'products.jsonl': productLines.join('\n') + '\n',
    'users.csv': csv(['id', 'segment', 'preferences'], users.map((u) => [u.id, u.segment, u.preferences.join('|')])),
    'events.csv': csv(['user_id', 'order_id', 'timestamp', 'seq', 'product_id', 'quantity'], events.map((e) => [e.userId, e.orderId, e.timestamp, e.seq, e.productId, e.quantity])),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync(EXAMPLE_DIR, { recursive: true });
  for (const [name, text] of Object.entries(exampleFiles())) writeFileSync(join(EXAMPLE_DIR, name), text);
  console.log(`wrote ${Object.keys(exampleFiles()).join(', ')} to ${EXAMPLE_DIR}`);
}
