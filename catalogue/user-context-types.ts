/**
 * The compact, prompt-sized view of a user built from their history orders only (never the
 * target order). Local and LLM tiers get the same context.
 */
export interface UserContext {
  readonly userId: number;
  readonly historyOrders: number;
  /** Share of the user's history lines per aisle, highest first. */
  readonly topAisles: readonly { readonly id: number; readonly name: string; readonly share: number }[];
  readonly topDepartments: readonly { readonly id: number; readonly name: string; readonly share: number }[];
  /** Products bought most often, with the number of history orders containing each. */
  readonly frequentProducts: readonly { readonly id: number; readonly name: string; readonly aisleId: number; readonly orders: number }[];
  /** Products from the last few history orders, most recent first. */
  readonly recentProducts: readonly { readonly id: number; readonly name: string; readonly aisleId: number }[];
  /** Share of history lines that were reorders. */
  readonly reorderRate: number;
  readonly habits: {
    /** Most common order day of week (0..6) and hour (0..23). */
    readonly topDow: number;
    readonly topHour: number;
    /** Mean days between orders, when the data has them. */
    readonly meanDaysBetween: number | undefined;
  };
  /** Attribute terms the user leans towards ("organic", "gluten free"), with their share of lines. */
  readonly preferences: readonly { readonly term: string; readonly share: number }[];
  /** Affinity per product id for ranking: history orders containing it ÷ history orders. */
  readonly productAffinity: Readonly<Record<string, number>>;
  /** Affinity per aisle id: share of history lines. */
  readonly aisleAffinity: Readonly<Record<string, number>>;
}
