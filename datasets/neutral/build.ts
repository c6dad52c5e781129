import type { DataProblem } from '../../catalogue/data-error.js';
import { compareIds, type Catalogue, type Category, type Dataset, type Order, type OrderLine, type Product, type User } from '../../catalogue/types.js';
import { categoryIds } from './category-ids.js';
import type { EventRow, ProductRow, UserRow } from './records.js';

/** A validated row and where it came from, so cross-record problems can name its file and line too. */
export interface Located<T> {
  readonly file: string;
  readonly line: number;
  readonly row: T;
}

export interface BuildInput {
  readonly name: string;
  readonly products: readonly Located<ProductRow>[];
  /** undefined when there is no users file: the users are then those the events name. */
  readonly users: readonly Located<UserRow>[] | undefined;
  readonly events: readonly Located<EventRow>[];
  /** Ids of product and user rows already rejected, with the problem: a reference to one is a consequence, not a new fault. */
  readonly rejectedProducts: ReadonlyMap<string, DataProblem>;
  readonly rejectedUsers: ReadonlyMap<string, DataProblem>;
}

export interface BuildResult {
  readonly dataset: Dataset;
  /** Rows rejected here for their own fault (duplicate id, unknown product, conflicting order). */
  readonly problems: readonly DataProblem[];
  /** Events rejected only because they referred to a rejected product or user. */
  readonly cascaded: readonly DataProblem[];
  /** Each user's order times (epoch ms) by position, undefined where an order had none: Order keeps only day, dow and hour, and a writer needs the moment. */
  readonly orderTimes: ReadonlyMap<string, readonly (number | undefined)[]>;
}

const where = (first: { file: string; line: number }, file: string): string => (first.file === file ? `line ${first.line}` : `${first.file} line ${first.line}`);

const problemAt = (at: { file: string; line: number }, field: string, value: string, reason: string): DataProblem => ({ file: at.file, line: at.line, field, value, reason });

/**
 * Cross-record checks and the neutral model. Every row is checked before anything of it is stored,
 * so a rejected row leaves no trace; the first of two conflicting rows (in file order) wins.
 */
export function buildDataset(input: BuildInput): BuildResult {
  const problems: DataProblem[] = [];
  const cascaded: DataProblem[] = [];
  const catalogue = buildCatalogue(input.products, problems);
  const fileUsers = input.users && keepFirst(input.users, (u) => u.id, problems);
  const { ordersByUser, orderTimes } = buildOrders(input, catalogue, fileUsers, problems, cascaded);
  const users = new Map<string, User>();
  const ids = fileUsers ? [...fileUsers.keys()] : [...ordersByUser.keys()];
  for (const id of ids.sort(compareIds)) {
    const u = fileUsers?.get(id)?.row;
    users.set(id, { id, segment: u?.segment, preferences: u?.preferences ?? [] });
  }
  const sortedOrders = new Map([...ordersByUser].sort(([a], [b]) => compareIds(a, b)));
  return { dataset: { name: input.name, catalogue, users, ordersByUser: sortedOrders }, problems, cascaded, orderTimes };
}

/** The first row per id; each later one is a duplicate-id problem. */
function keepFirst<T extends { readonly id: string }>(rows: readonly Located<T>[], id: (row: T) => string, problems: DataProblem[]): Map<string, Located<T>> {
  const byId = new Map<string, Located<T>>();
  for (const r of rows) {
    const first = byId.get(id(r.row));
    if (first) problems.push(problemAt(r, 'id', id(r.row), `duplicate id (first on ${where(first, r.file)})`));
    else byId.set(id(r.row), r);
  }
  return byId;
}

function buildCatalogue(rows: readonly Located<ProductRow>[], problems: DataProblem[]): Catalogue {
  // Every level's id → the name it was first written with, and where, to catch two spellings of one category.
  const levels = new Map<string, { name: string; file: string; line: number }>();
  const kept: { product: Product; at: Located<ProductRow> }[] = [];
  const categories = new Map<string, Category>();
  const departments = new Map<string, Category>();
  for (const at of keepFirst(rows, (p) => p.id, problems).values()) {
    const p = at.row;
    const ids = categoryIds(p.path);
    const clash = ids.findIndex((id, i) => levels.has(id) && levels.get(id)!.name !== p.path[i]);
    if (clash !== -1) {
      const first = levels.get(ids[clash])!;
      problems.push(problemAt(at, 'category', p.path.join(' > '), `"${p.path[clash]}" has the same id "${ids[clash]}" as "${first.name}" (${where(first, at.file)}): spell it one way`));
      continue;
    }
    ids.forEach((id, i) => levels.has(id) || levels.set(id, { name: p.path[i], file: at.file, line: at.line }));
    const categoryId = ids[ids.length - 1];
    const departmentId = ids[0];
    if (!categories.has(categoryId)) categories.set(categoryId, { id: categoryId, name: p.path[p.path.length - 1], departmentId, path: [...p.path] });
    if (!departments.has(departmentId)) departments.set(departmentId, { id: departmentId, name: p.path[0], departmentId, path: [p.path[0]] });
    const product: Product = {
      id: p.id,
      name: p.name,
      categoryId,
      departmentId,
      ...(p.brand !== undefined ? { brand: p.brand } : {}),
      ...(p.price !== undefined ? { price: p.price } : {}),
      ...(p.size !== undefined ? { size: p.size } : {}),
      tags: p.tags,
      available: p.available,
    };
    kept.push({ product, at });
  }
  const byId = <T extends { id: string }>(items: Iterable<T>) => new Map([...items].sort((a, b) => compareIds(a.id, b.id)).map((x) => [x.id, x] as const));
  return { products: byId(kept.map((k) => k.product)), categories: byId(categories.values()), departments: byId(departments.values()) };
}

/** One order while events are grouped: its lines so far, and what the events said about it. */
interface OrderGroup {
  readonly key: string;
  readonly orderId?: string;
  seq?: number;
  time?: number;
  /** Position of its first event among the user's events, for "first appearance" order. */
  readonly first: number;
  readonly at: { file: string; line: number };
  readonly lines: Map<string, number>;
}

const DAY_MS = 86_400_000;

function buildOrders(
  input: BuildInput,
  catalogue: Catalogue,
  fileUsers: ReadonlyMap<string, Located<UserRow>> | undefined,
  problems: DataProblem[],
  cascaded: DataProblem[],
): { ordersByUser: Map<string, Order[]>; orderTimes: Map<string, (number | undefined)[]> } {
  const groupsByUser = new Map<string, Map<string, OrderGroup>>();
  const ownerOfOrder = new Map<string, { userId: string; file: string; line: number }>();
  let position = 0;
  for (const at of input.events) {
    const e = at.row;
    position++;
    if (!catalogue.products.has(e.productId)) {
      const rejected = input.rejectedProducts.get(e.productId);
      if (rejected) cascaded.push(problemAt(at, 'product_id', e.productId, `product was skipped (${rejected.file} line ${rejected.line})`));
      else problems.push(problemAt(at, 'product_id', e.productId, 'no such product in the products file'));
      continue;
    }
    if (fileUsers && !fileUsers.has(e.userId)) {
      const rejected = input.rejectedUsers.get(e.userId);
      if (rejected) cascaded.push(problemAt(at, 'user_id', e.userId, `user was skipped (${rejected.file} line ${rejected.line})`));
      else problems.push(problemAt(at, 'user_id', e.userId, 'no such user in the users file'));
      continue;
    }
    if (e.orderId !== undefined) {
      const owner = ownerOfOrder.get(e.orderId);
      if (owner && owner.userId !== e.userId) {
        problems.push(problemAt(at, 'order_id', e.orderId, `order belongs to user "${owner.userId}" (${where(owner, at.file)})`));
        continue;
      }
    }
    const groups = groupsByUser.get(e.userId) ?? new Map<string, OrderGroup>();
    // order_id names an order outright; without one, lines with the same seq, else the same time, are one order.
    const key = e.orderId !== undefined ? `order:${e.orderId}` : e.seq !== undefined ? `seq:${e.seq}` : `time:${e.time}`;
    const group = groups.get(key);
    if (e.seq !== undefined) {
      if (group?.seq !== undefined && group.seq !== e.seq) {
        problems.push(problemAt(at, 'seq', String(e.seq), `order "${e.orderId}" has seq ${group.seq} (${where(group.at, at.file)})`));
        continue;
      }
      const other = [...groups.values()].find((g) => g.key !== key && g.seq === e.seq);
      if (other) {
        problems.push(problemAt(at, 'seq', String(e.seq), `user "${e.userId}" already has ${other.orderId !== undefined ? `order "${other.orderId}"` : 'an order'} with seq ${e.seq} (${where(other.at, at.file)})`));
        continue;
      }
    }
    if (e.orderId !== undefined && !ownerOfOrder.has(e.orderId)) ownerOfOrder.set(e.orderId, { userId: e.userId, file: at.file, line: at.line });
    if (!groupsByUser.has(e.userId)) groupsByUser.set(e.userId, groups);
    const g: OrderGroup = group ?? { key, ...(e.orderId !== undefined ? { orderId: e.orderId } : {}), first: position, at, lines: new Map<string, number>() };
    if (!group) groups.set(key, g);
    if (e.seq !== undefined) g.seq = e.seq;
    // An order's time is its earliest line's: tills stamp lines seconds apart.
    if (e.time !== undefined && (g.time === undefined || e.time < g.time)) g.time = e.time;
    g.lines.set(e.productId, (g.lines.get(e.productId) ?? 0) + e.quantity);
  }
  const ordersByUser = new Map<string, Order[]>();
  const orderTimes = new Map<string, (number | undefined)[]>();
  for (const [userId, groups] of groupsByUser) {
    const sorted = inOrder([...groups.values()]);
    ordersByUser.set(userId, toOrders(userId, sorted));
    orderTimes.set(userId, sorted.map((g) => g.time));
  }
  return { ordersByUser, orderTimes };
}

/**
 * A user's orders in sequence: by time when every order has one, else by seq when every order has
 * one, else in the order their first lines appeared. Mixing would have to guess where an untimed
 * order goes.
 */
function inOrder(groups: OrderGroup[]): OrderGroup[] {
  const timed = groups.every((g) => g.time !== undefined);
  const sequenced = groups.every((g) => g.seq !== undefined);
  return [...groups].sort((a, b) =>
    timed ? a.time! - b.time! || (a.seq ?? 0) - (b.seq ?? 0) || a.first - b.first : sequenced ? a.seq! - b.seq! || a.first - b.first : a.first - b.first,
  );
}

/** Orders from sorted groups; `day` only when every order has a time: UTC calendar days since the first order's date. */
function toOrders(userId: string, sorted: readonly OrderGroup[]): Order[] {
  const t0 = sorted.every((g) => g.time !== undefined) ? sorted[0].time! : undefined;
  const bought = new Set<string>();
  return sorted.map((g, i): Order => {
    const lines: OrderLine[] = [...g.lines].map(([productId, quantity]) => ({ productId, quantity, reordered: bought.has(productId) }));
    for (const l of lines) bought.add(l.productId);
    const at = g.time === undefined ? undefined : new Date(g.time);
    return {
      id: g.orderId ?? `${userId}#${i + 1}`,
      userId,
      seq: i + 1,
      day: t0 === undefined ? undefined : Math.floor(g.time! / DAY_MS) - Math.floor(t0 / DAY_MS),
      dow: at?.getUTCDay(),
      hour: at?.getUTCHours(),
      lines,
    };
  });
}
