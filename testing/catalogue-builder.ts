import { compareIds, type Catalogue, type Category, type Dataset, type Order, type Product, type User } from '../catalogue/types.js';
import { toNeutralCatalogue } from '../datasets/instacart/neutral.js';

type Id = string | number;

export interface CatalogueSpec {
  /** [id, name] of each top-level category. */
  readonly departments: readonly (readonly [Id, string])[];
  /** [id, name, department id] of each category products sit in. */
  readonly categories: readonly (readonly [Id, string, Id])[];
  /** Each product; ids may be numbers for brevity, stored as strings; departmentId defaults to its category's. */
  readonly products: readonly {
    readonly id: Id;
    readonly name: string;
    readonly categoryId: Id;
    readonly departmentId?: Id;
    readonly tags?: readonly string[];
    readonly available?: boolean;
    readonly brand?: string;
    readonly price?: number;
  }[];
}

/** A hand-written catalogue for unit tests, in the neutral model, without restating every default. */
export function catalogueOf(spec: CatalogueSpec): Catalogue {
  const departments = new Map<string, Category>(spec.departments.map(([id, name]) => [String(id), { id: String(id), name, departmentId: String(id), path: [name] }]));
  const categories = new Map<string, Category>(
    spec.categories.map(([id, name, dept]) => {
      const d = departments.get(String(dept));
      if (!d) throw new Error(`catalogueOf: category ${id} names department ${dept}, which is not in departments`);
      return [String(id), { id: String(id), name, departmentId: d.id, path: [d.name, name] }];
    }),
  );
  const products = new Map<string, Product>(
    spec.products.map((p) => {
      const category = categories.get(String(p.categoryId));
      if (!category) throw new Error(`catalogueOf: product ${p.id} names category ${p.categoryId}, which is not in categories`);
      const product: Product = {
        id: String(p.id),
        name: p.name,
        categoryId: category.id,
        departmentId: String(p.departmentId ?? category.departmentId),
        tags: p.tags ?? [],
        available: p.available ?? true,
        ...(p.brand !== undefined ? { brand: p.brand } : {}),
        ...(p.price !== undefined ? { price: p.price } : {}),
      };
      return [product.id, product];
    }),
  );
  return { products, categories, departments };
}

/**
 * A slice of the real Instacart catalogue, written in Instacart's own terms ([id, name] aisles and
 * departments, [id, name, aisle, department] products) and mapped exactly as the adapter maps the
 * full files, so fixture ids read like the real ones ("a24", "d4", "24852").
 */
export function instacartSlice(
  aisles: readonly (readonly [number, string])[],
  departments: readonly (readonly [number, string])[],
  products: readonly (readonly [number, string, number, number])[],
): Catalogue {
  return toNeutralCatalogue({
    aisles: new Map(aisles.map(([id, name]) => [id, { id, name }])),
    departments: new Map(departments.map(([id, name]) => [id, { id, name }])),
    products: new Map(products.map(([id, name, aisleId, departmentId]) => [id, { id, name, aisleId, departmentId }])),
  });
}

export interface DatasetSpec {
  readonly catalogue: Catalogue;
  /** [user id, segment?, preferences?] for every user, including those with no orders. */
  readonly users: readonly (readonly [id: string, segment?: string, preferences?: readonly string[]])[];
  /** Each user's orders in sequence, each a list of product ids; days are 7 apart when `timed`. */
  readonly orders: Readonly<Record<string, readonly (readonly (string | number)[])[]>>;
  readonly timed?: boolean;
}

/** A hand-written dataset in the neutral model; `reordered` is derived as the adapters derive it. */
export function datasetOf(spec: DatasetSpec): Dataset {
  const users = new Map<string, User>(
    [...spec.users].sort(([a], [b]) => compareIds(a, b)).map(([id, segment, preferences]) => [id, { id, segment, preferences: preferences ?? [] }]),
  );
  const ordersByUser = new Map<string, Order[]>();
  for (const [userId, baskets] of Object.entries(spec.orders)) {
    const bought = new Set<string>();
    const orders = baskets.map((basket, i): Order => {
      const lines = basket.map((p) => ({ productId: String(p), quantity: 1, reordered: bought.has(String(p)) }));
      for (const l of lines) bought.add(l.productId);
      return { id: `${userId}-${i + 1}`, userId, seq: i + 1, day: spec.timed === false ? undefined : i * 7, dow: spec.timed === false ? undefined : i % 7, hour: spec.timed === false ? undefined : 10, lines };
    });
    if (orders.length) ordersByUser.set(userId, orders);
  }
  return { name: 'test', catalogue: spec.catalogue, users, ordersByUser };
}
