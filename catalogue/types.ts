/**
 * hubgen's dataset-neutral domain model: any retailer's catalogue, users and purchases. Phases,
 * pipelines, retrieval and evals depend only on this; a dataset adapter (datasets/instacart/) or
 * `hubgen import` maps a source onto it.
 *
 * Categories form a tree of any depth. Phases group products at two levels of it: the category a
 * product sits in (the leaf of its path, e.g. "Yogurt") and the top-level department (its root, e.g.
 * "Dairy & Eggs"). A one-level path makes the two the same node.
 */

/** One node of the category tree. Ids are unique across every level. */
export interface Category {
  readonly id: string;
  readonly name: string;
  /** The top-level category of its path; its own id for a department. */
  readonly departmentId: string;
  /** Names from the top level down to this category, for display ("Dairy Eggs › Yogurt"). */
  readonly path: readonly string[];
}

export interface Product {
  readonly id: string;
  readonly name: string;
  /** The category the product sits in: the leaf of its category path. */
  readonly categoryId: string;
  /** The top-level category of its path. */
  readonly departmentId: string;
  readonly brand?: string;
  /** Unit price in the catalogue's currency. */
  readonly price?: number;
  /** Pack size as the retailer writes it ("500 g", "12 x 330 ml"). */
  readonly size?: string;
  /** Free-form attributes ("organic", "gluten free"), normalised to lower case. */
  readonly tags: readonly string[];
  /** false: listed but not orderable now, so never placed on a page. */
  readonly available: boolean;
}

export interface Catalogue {
  readonly products: ReadonlyMap<string, Product>;
  /** The categories products sit in (path leaves), by id. */
  readonly categories: ReadonlyMap<string, Category>;
  /** Top-level categories, by id. */
  readonly departments: ReadonlyMap<string, Category>;
}

/** One product line of an order. */
export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  /** The user had bought this product in an earlier order. */
  readonly reordered: boolean;
}

/** One basket: the purchase events a user made together (same order id, or same time / sequence number). */
export interface Order {
  readonly id: string;
  readonly userId: string;
  /** 1-based position among the user's orders. */
  readonly seq: number;
  /** Days since the user's first order, when the data has times; undefined otherwise. */
  readonly day: number | undefined;
  /** Day of week 0..6 and hour 0..23, when known. */
  readonly dow: number | undefined;
  readonly hour: number | undefined;
  /** In the order the source listed them. */
  readonly lines: readonly OrderLine[];
}

export interface User {
  readonly id: string;
  /** A group the data owner assigns ("train", "loyalty-gold"); `--users sample:N:<segment>` selects by it. */
  readonly segment: string | undefined;
  /** What the shopper told the retailer they like or avoid ("vegetarian", "no pork"). Shown to every tier as data, never as instructions. */
  readonly preferences: readonly string[];
}

export interface Dataset {
  /** Where it came from, e.g. "instacart-2017" or an imported dataset's name. */
  readonly name: string;
  readonly catalogue: Catalogue;
  /** Every user, ascending by id (compareIds). */
  readonly users: ReadonlyMap<string, User>;
  /** Each user's orders with at least one line, ascending by seq. */
  readonly ordersByUser: ReadonlyMap<string, readonly Order[]>;
}

/** A user's orders split into history (what phases may see) and target (what evals check against). */
export interface UserHistory {
  readonly userId: string;
  /** Every order before the target, ascending. */
  readonly history: readonly Order[];
  /** The user's last order, held out: never shown to a phase. */
  readonly target: Order | undefined;
}

/**
 * Ids are strings (a retailer's SKUs are not always numbers), but many are numerals, and tie-breaks
 * should put "9" before "10": digit runs compare by value, everything else by code point.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const na = a.length, nb = b.length;
  let i = 0, j = 0;
  while (i < na && j < nb) {
    const ca = a.charCodeAt(i), cb = b.charCodeAt(j);
    const da = ca >= 48 && ca <= 57, db = cb >= 48 && cb <= 57;
    if (da && db) {
      let ei = i, ej = j;
      while (ei < na && a.charCodeAt(ei) >= 48 && a.charCodeAt(ei) <= 57) ei++;
      while (ej < nb && b.charCodeAt(ej) >= 48 && b.charCodeAt(ej) <= 57) ej++;
      // Compare the runs without leading zeros by length, then digit by digit: exact for any length.
      let si = i, sj = j;
      while (si < ei - 1 && a.charCodeAt(si) === 48) si++;
      while (sj < ej - 1 && b.charCodeAt(sj) === 48) sj++;
      const la = ei - si, lb = ej - sj;
      if (la !== lb) return la - lb;
      for (let k = 0; k < la; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d;
      }
      // Equal values ("7" vs "007"): fewer leading zeros first, so the order stays total.
      if (ei - i !== ej - j) return ei - i - (ej - j);
      i = ei;
      j = ej;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  return na - i - (nb - j);
}
