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

export interface Catalogue {
  readonly products: ReadonlyMap<number, Product>;
  readonly aisles: ReadonlyMap<number, Aisle>;
  readonly departments: ReadonlyMap<number, Department>;
}

/** A user's orders split into history (what phases may see) and target (what evals check against). */
export interface UserHistory {
  readonly userId: number;
  /** Orders strictly before the target, ascending by order number, each with its lines. */
  readonly history: readonly { readonly order: Order; readonly lines: readonly OrderLine[] }[];
  /** The held-out next order; never shown to a phase. */
  readonly target: { readonly order: Order; readonly lines: readonly OrderLine[] } | undefined;
}
