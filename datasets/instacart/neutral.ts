import type { Catalogue, Category, Dataset, Order, Product, User } from '../../catalogue/types.js';
import type { InstacartCatalogue, InstacartTables } from './types.js';

/**
 * How Instacart maps onto hubgen's neutral model:
 * - departments are top-level categories (id "d<department_id>"), aisles their children (id
 *   "a<aisle_id>"), so a product's category path is department › aisle. Every aisle's products sit
 *   in one department in the data, so each aisle has one parent.
 * - product and user ids keep their numbers, as strings.
 * - a user's orders are those with products up to and including the manifest's target order, in
 *   order-number order; the neutral rule "the last order is the target" then picks exactly the
 *   manifest's target (checked for all 1,901 users), and a Kaggle test order (no products) is never one.
 * - `day` is the running sum of days_since_prior_order from the user's first order; users whose
 *   data has no such column (`days_since_prior_known=0`) have no days at all, not zeros.
 * - `reordered` is "bought in an earlier order", which is Instacart's own definition (the flag in
 *   the data agrees on every line of the sample).
 * - final_eval_set becomes the user's segment, so `--users sample:200:train` keeps working.
 */
export const categoryIdOfAisle = (aisleId: number): string => `a${aisleId}`;
export const categoryIdOfDepartment = (departmentId: number): string => `d${departmentId}`;

export function toNeutralCatalogue(source: InstacartCatalogue): Catalogue {
  const departments = new Map<string, Category>();
  for (const d of [...source.departments.values()].sort((a, b) => a.id - b.id)) {
    departments.set(categoryIdOfDepartment(d.id), { id: categoryIdOfDepartment(d.id), name: d.name, departmentId: categoryIdOfDepartment(d.id), path: [d.name] });
  }
  const departmentOfAisle = new Map<number, number>();
  for (const p of source.products.values()) if (!departmentOfAisle.has(p.aisleId)) departmentOfAisle.set(p.aisleId, p.departmentId);
  const categories = new Map<string, Category>();
  for (const a of [...source.aisles.values()].sort((x, y) => x.id - y.id)) {
    const departmentId = departmentOfAisle.get(a.id);
    // An aisle no product sits in has no place in the tree, and nothing to show.
    if (departmentId === undefined) continue;
    const parent = departments.get(categoryIdOfDepartment(departmentId))!;
    categories.set(categoryIdOfAisle(a.id), { id: categoryIdOfAisle(a.id), name: a.name, departmentId: parent.id, path: [parent.name, a.name] });
  }
  const products = new Map<string, Product>();
  for (const p of [...source.products.values()].sort((a, b) => a.id - b.id)) {
    const id = String(p.id);
    products.set(id, { id, name: p.name, categoryId: categoryIdOfAisle(p.aisleId), departmentId: categoryIdOfDepartment(p.departmentId), tags: [], available: true });
  }
  return { products, categories, departments };
}

export function toNeutralDataset(tables: InstacartTables): Dataset {
  const catalogue = toNeutralCatalogue(tables.catalogue);
  const users = new Map<string, User>();
  const ordersByUser = new Map<string, Order[]>();
  for (const row of tables.users) {
    const userId = String(row.userId);
    users.set(userId, { id: userId, segment: row.finalEvalSet, preferences: [] });
    const orders: Order[] = [];
    const bought = new Set<number>();
    let day: number | undefined = row.daysSincePriorKnown ? 0 : undefined;
    for (const order of tables.ordersByUser.get(row.userId) ?? []) {
      if (order.number > row.targetOrderNumber) break;
      if (day !== undefined && order.number > 1) day += order.daysSincePrior ?? 0;
      const lines = tables.linesByOrder.get(order.id);
      if (!lines) continue;
      orders.push({
        id: String(order.id),
        userId,
        seq: orders.length + 1,
        day,
        dow: order.dow,
        hour: order.hour,
        lines: lines.map((l) => ({ productId: String(l.productId), quantity: 1, reordered: bought.has(l.productId) })),
      });
      for (const l of lines) bought.add(l.productId);
    }
    if (orders.length) ordersByUser.set(userId, orders);
  }
  return { name: 'instacart-2017', catalogue, users, ordersByUser };
}
