/**
 * Instacart 2017's own record shapes, exactly as its CSV files hold them. Only this adapter sees
 * them; `toNeutralDataset` maps them onto hubgen's dataset-neutral model (catalogue/types.ts).
 */

export interface Aisle {
  readonly id: number;
  readonly name: string;
}

export interface Department {
  readonly id: number;
  readonly name: string;
}

export interface Product {
  readonly id: number;
  readonly name: string;
  readonly aisleId: number;
  readonly departmentId: number;
}

export interface Order {
  readonly id: number;
  readonly userId: number;
  readonly evalSet: 'prior' | 'train' | 'test';
  readonly number: number;
  readonly dow: number;
  readonly hour: number;
  /** undefined for a user's first order, and for every order whose source had no such column. */
  readonly daysSincePrior: number | undefined;
}

export interface OrderLine {
  readonly orderId: number;
  readonly productId: number;
  readonly addToCartOrder: number;
  readonly reordered: boolean;
}

export type TargetKind = 'train_order' | 'last_prior_order';

/** One row of users_sample.csv: which order is the user's evaluation target. */
export interface UserManifestRow {
  readonly userId: number;
  readonly finalEvalSet: 'train' | 'test' | 'unknown';
  readonly targetOrderId: number;
  readonly targetOrderNumber: number;
  readonly targetKind: TargetKind;
  readonly daysSincePriorKnown: boolean;
}

/** The catalogue as the Instacart files hold it, before it is mapped onto hubgen's neutral model. */
export interface InstacartCatalogue {
  readonly products: ReadonlyMap<number, Product>;
  readonly aisles: ReadonlyMap<number, Aisle>;
  readonly departments: ReadonlyMap<number, Department>;
}

/** The Instacart files as loaded and cross-checked, before mapping onto the neutral model. */
export interface InstacartTables {
  readonly catalogue: InstacartCatalogue;
  readonly orders: ReadonlyMap<number, Order>;
  /** Each user's orders, ascending by order number (including a Kaggle test order without lines). */
  readonly ordersByUser: ReadonlyMap<number, readonly Order[]>;
  /** Each order's lines in add-to-cart order; orders without products have no entry. */
  readonly linesByOrder: ReadonlyMap<number, readonly OrderLine[]>;
  /** users_sample.csv, ascending by user id. */
  readonly users: readonly UserManifestRow[];
  readonly usersById: ReadonlyMap<number, UserManifestRow>;
}
