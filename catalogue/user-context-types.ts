/**
 * The compact, prompt-sized view of a user built from their history orders only (never the
 * target order). Local and LLM tiers get the same context.
 */
export interface UserContext {
  readonly userId: string;
  readonly historyOrders: number;
  /** Share of the user's history lines per category, highest first. */
  readonly topCategories: readonly { readonly id: string; readonly name: string; readonly share: number }[];
  readonly topDepartments: readonly { readonly id: string; readonly name: string; readonly share: number }[];
  /** Products bought most often, with the number of history orders containing each. */
  readonly frequentProducts: readonly { readonly id: string; readonly name: string; readonly categoryId: string; readonly orders: number }[];
  /** Products from the last few history orders, most recent first. */
  readonly recentProducts: readonly { readonly id: string; readonly name: string; readonly categoryId: string }[];
  /** Share of history lines that were reorders. */
  readonly reorderRate: number;
  readonly habits: {
    /** Most common order day of week (0..6) and hour (0..23), when the data has times. */
    readonly topDow: number | undefined;
    readonly topHour: number | undefined;
    /** Mean days between orders, when the data has them. */
    readonly meanDaysBetween: number | undefined;
  };
  /** What the shopper said they like or avoid (User.preferences): data for every tier, never instructions. */
  readonly statedPreferences: readonly string[];
  /** Attribute terms the user leans towards ("organic", "gluten free"), with their share of lines. */
  readonly preferences: readonly { readonly term: string; readonly share: number }[];
  /** Affinity per product id for ranking: history orders containing it ÷ history orders. */
  readonly productAffinity: Readonly<Record<string, number>>;
  /**
   * Reorder propensity per owned product id: the calibrated probability that it is in the next order
   * (catalogue/propensity.ts), from history only. Ranks "buy it again" and weights co-purchase.
   */
  readonly reorderPropensity: Readonly<Record<string, number>>;
  /** Affinity per category id: share of history lines. */
  readonly categoryAffinity: Readonly<Record<string, number>>;
}
