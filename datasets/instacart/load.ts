import { join } from 'node:path';
import type { Logger } from 'pino';
import { readCsv, rowReader, type CsvTable, type RowReader } from './csv.js';
import { DataError, type DataProblem } from '../../catalogue/data-error.js';
import type { LoadOptions, LoadReport } from '../load-report.js';
import type { Catalogue, Dataset } from '../../catalogue/types.js';
import type { Aisle, Department, InstacartCatalogue, InstacartTables, Order, OrderLine, Product, UserManifestRow } from './types.js';

export type { InstacartTables } from './types.js';
export type { LoadOptions, LoadReport } from '../load-report.js';
import { toNeutralCatalogue, toNeutralDataset } from './neutral.js';

/** The file names loadDataset reads from a data directory. */
export const DATA_FILES = {
  aisles: 'aisles.csv',
  departments: 'departments.csv',
  products: 'products.csv',
  orders: 'orders_sample.csv',
  orderLines: 'order_products_sample.csv',
  users: 'users_sample.csv',
} as const;

/** Where rows go: kept, or (lenient) recorded as skipped; strict mode lets the DataError through. */
interface RowSink {
  readonly lenient: boolean;
  readonly skipped: DataProblem[];
  readonly rows: Record<string, number>;
}

function eachRow(table: CsvTable, fileName: string, sink: RowSink, handle: (r: RowReader) => void): void {
  let kept = 0;
  for (const row of table.rows) {
    try {
      // handle() must validate every field before it stores anything, so a failing row leaves no trace.
      handle(rowReader(table, row));
      kept++;
    } catch (e) {
      if (!sink.lenient || !DataError.isInstance(e)) throw e;
      sink.skipped.push({ file: e.file, line: e.line, field: e.field, value: e.value, reason: e.reason });
    }
  }
  sink.rows[fileName] = kept;
}

function duplicate(r: RowReader, field: string, firstLine: number): never {
  return r.fail(field, `duplicate ${field} (first on line ${firstLine})`);
}

async function loadNamed<T extends { id: number }>(dir: string, fileName: string, idField: string, nameField: string, sink: RowSink): Promise<Map<number, T>> {
  const table = await readCsv(join(dir, fileName), [idField, nameField]);
  const byId = new Map<number, T>();
  const lineOf = new Map<number, number>();
  eachRow(table, fileName, sink, (r) => {
    const id = r.int(idField, { min: 1 });
    const name = r.text(nameField);
    if (lineOf.has(id)) duplicate(r, idField, lineOf.get(id)!);
    lineOf.set(id, r.line);
    byId.set(id, { id, name } as unknown as T);
  });
  return byId;
}

async function loadCatalogueInto(dir: string, sink: RowSink): Promise<InstacartCatalogue> {
  const aisles = await loadNamed<Aisle>(dir, DATA_FILES.aisles, 'aisle_id', 'aisle', sink);
  const departments = await loadNamed<Department>(dir, DATA_FILES.departments, 'department_id', 'department', sink);
  const table = await readCsv(join(dir, DATA_FILES.products), ['product_id', 'product_name', 'aisle_id', 'department_id']);
  const products = new Map<number, Product>();
  const lineOf = new Map<number, number>();
  eachRow(table, DATA_FILES.products, sink, (r) => {
    const id = r.int('product_id', { min: 1 });
    const name = r.text('product_name');
    const aisleId = r.int('aisle_id', { min: 1 });
    const departmentId = r.int('department_id', { min: 1 });
    if (!aisles.has(aisleId)) r.fail('aisle_id', `no such aisle in ${DATA_FILES.aisles}`);
    if (!departments.has(departmentId)) r.fail('department_id', `no such department in ${DATA_FILES.departments}`);
    if (lineOf.has(id)) duplicate(r, 'product_id', lineOf.get(id)!);
    lineOf.set(id, r.line);
    products.set(id, { id, name, aisleId, departmentId });
  });
  return { products, aisles, departments };
}

/** Bounds that let (order id, cart position) pack into one exact integer key (< 2^52). */
const MAX_ID = 2 ** 31 - 1;
const MAX_CART_POSITION = 2 ** 20 - 1;

const ORDER_EVAL_SETS = ['prior', 'train', 'test'] as const;
const USER_EVAL_SETS = ['train', 'test', 'unknown'] as const;
const TARGET_KINDS = ['train_order', 'last_prior_order'] as const;

async function loadOrders(dir: string, sink: RowSink): Promise<Map<number, Order>> {
  const table = await readCsv(join(dir, DATA_FILES.orders), [
    'order_id', 'user_id', 'eval_set', 'order_number', 'order_dow', 'order_hour_of_day', 'days_since_prior_order',
  ]);
  const orders = new Map<number, Order>();
  const lineOf = new Map<number, number>();
  const userOrderLine = new Map<string, number>();
  eachRow(table, DATA_FILES.orders, sink, (r) => {
    const id = r.int('order_id', { min: 1, max: MAX_ID });
    const userId = r.int('user_id', { min: 1 });
    const evalSet = r.oneOf('eval_set', ORDER_EVAL_SETS);
    const number = r.int('order_number', { min: 1 });
    const dow = r.int('order_dow', { min: 0, max: 6 });
    const hour = r.int('order_hour_of_day', { min: 0, max: 23 });
    const daysSincePrior = r.optionalNumber('days_since_prior_order', { min: 0, max: 365 });
    if (lineOf.has(id)) duplicate(r, 'order_id', lineOf.get(id)!);
    const userOrder = `${userId}:${number}`;
    if (userOrderLine.has(userOrder)) r.fail('order_number', `user ${userId} already has order number ${number} (line ${userOrderLine.get(userOrder)})`);
    lineOf.set(id, r.line);
    userOrderLine.set(userOrder, r.line);
    orders.set(id, { id, userId, evalSet, number, dow, hour, daysSincePrior });
  });
  return orders;
}

async function loadOrderLines(dir: string, orders: ReadonlyMap<number, Order>, catalogue: InstacartCatalogue, sink: RowSink): Promise<Map<number, OrderLine[]>> {
  const table = await readCsv(join(dir, DATA_FILES.orderLines), ['order_id', 'product_id', 'add_to_cart_order', 'reordered']);
  const linesByOrder = new Map<number, OrderLine[]>();
  const seen = new Map<number, number>();
  eachRow(table, DATA_FILES.orderLines, sink, (r) => {
    const orderId = r.int('order_id', { min: 1, max: MAX_ID });
    const productId = r.int('product_id', { min: 1 });
    const addToCartOrder = r.int('add_to_cart_order', { min: 1, max: MAX_CART_POSITION });
    const reordered = r.oneOf('reordered', ['0', '1'] as const) === '1';
    const order = orders.get(orderId);
    if (!order) r.fail('order_id', `no such order in ${DATA_FILES.orders}`);
    if (order!.evalSet === 'test') r.fail('order_id', 'order is a Kaggle test order, whose products were never published');
    if (!catalogue.products.has(productId)) r.fail('product_id', `no such product in ${DATA_FILES.products}`);
    const slot = orderId * (MAX_CART_POSITION + 1) + addToCartOrder;
    if (seen.has(slot)) r.fail('add_to_cart_order', `order ${orderId} already has this cart position (line ${seen.get(slot)})`);
    seen.set(slot, r.line);
    const lines = linesByOrder.get(orderId) ?? [];
    if (lines.length === 0) linesByOrder.set(orderId, lines);
    lines.push({ orderId, productId, addToCartOrder, reordered });
  });
  for (const lines of linesByOrder.values()) lines.sort((a, b) => a.addToCartOrder - b.addToCartOrder);
  return linesByOrder;
}

function groupOrdersByUser(orders: ReadonlyMap<number, Order>): Map<number, Order[]> {
  const byUser = new Map<number, Order[]>();
  for (const o of orders.values()) {
    const list = byUser.get(o.userId) ?? [];
    if (list.length === 0) byUser.set(o.userId, list);
    list.push(o);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.number - b.number);
  return byUser;
}

async function loadUsers(
  dir: string,
  orders: ReadonlyMap<number, Order>,
  ordersByUser: ReadonlyMap<number, readonly Order[]>,
  linesByOrder: ReadonlyMap<number, readonly OrderLine[]>,
  sink: RowSink,
): Promise<UserManifestRow[]> {
  const table = await readCsv(join(dir, DATA_FILES.users), [
    'user_id', 'final_eval_set', 'n_order_rows', 'n_orders_with_products', 'target_order_id', 'target_order_number', 'target_kind', 'days_since_prior_known',
  ]);
  const users: UserManifestRow[] = [];
  const lineOf = new Map<number, number>();
  eachRow(table, DATA_FILES.users, sink, (r) => {
    const userId = r.int('user_id', { min: 1 });
    const finalEvalSet = r.oneOf('final_eval_set', USER_EVAL_SETS);
    const nOrderRows = r.int('n_order_rows', { min: 1 });
    const nOrdersWithProducts = r.int('n_orders_with_products', { min: 0 });
    const targetOrderId = r.int('target_order_id', { min: 1 });
    const targetOrderNumber = r.int('target_order_number', { min: 1 });
    const targetKind = r.oneOf('target_kind', TARGET_KINDS);
    const daysSincePriorKnown = r.oneOf('days_since_prior_known', ['0', '1'] as const) === '1';
    if (lineOf.has(userId)) duplicate(r, 'user_id', lineOf.get(userId)!);

    // The manifest must agree with the order files, or evals would score against the wrong order.
    if ((finalEvalSet === 'train') !== (targetKind === 'train_order')) r.fail('target_kind', `does not match final_eval_set ${finalEvalSet}`);
    const target = orders.get(targetOrderId);
    if (!target) r.fail('target_order_id', `no such order in ${DATA_FILES.orders}`);
    if (target!.userId !== userId) r.fail('target_order_id', `order belongs to user ${target!.userId}`);
    if (target!.number !== targetOrderNumber) r.fail('target_order_number', `order ${targetOrderId} is order number ${target!.number}`);
    const expectedSet = targetKind === 'train_order' ? 'train' : 'prior';
    if (target!.evalSet !== expectedSet) r.fail('target_order_id', `a ${targetKind} target must be a ${expectedSet} order, found ${target!.evalSet}`);
    if (!linesByOrder.has(targetOrderId)) r.fail('target_order_id', `target order has no products in ${DATA_FILES.orderLines}`);
    const userOrders = ordersByUser.get(userId) ?? [];
    if (userOrders.length !== nOrderRows) r.fail('n_order_rows', `${DATA_FILES.orders} has ${userOrders.length} orders for this user`);
    const withProducts = userOrders.filter((o) => linesByOrder.has(o.id)).length;
    if (withProducts !== nOrdersWithProducts) r.fail('n_orders_with_products', `${DATA_FILES.orderLines} has products for ${withProducts} of this user's orders`);

    lineOf.set(userId, r.line);
    users.push({ userId, finalEvalSet, targetOrderId, targetOrderNumber, targetKind, daysSincePriorKnown });
  });
  return users.sort((a, b) => a.userId - b.userId);
}

function newSink(lenient: boolean): RowSink {
  return { lenient, skipped: [], rows: {} };
}

function finish(dir: string, sink: RowSink, started: number, logger: Logger | undefined, what: string): LoadReport {
  const report: LoadReport = { dir, lenient: sink.lenient, rows: sink.rows, skipped: sink.skipped, elapsedMs: Math.round(performance.now() - started) };
  logger?.info({ dir, rows: report.rows, skipped: report.skipped.length, elapsedMs: report.elapsedMs }, `loaded ${what}`);
  if (report.skipped.length > 0) {
    logger?.warn({ skipped: report.skipped.slice(0, 20) }, `lenient load skipped ${report.skipped.length} bad rows`);
  }
  return report;
}

/** Products, aisles and departments only, every row validated, as hubgen's neutral catalogue. */
export async function loadCatalogue(dir: string, { lenient = false, logger }: LoadOptions = {}): Promise<{ catalogue: Catalogue; report: LoadReport }> {
  const started = performance.now();
  const sink = newSink(lenient);
  const catalogue = toNeutralCatalogue(await loadCatalogueInto(dir, sink));
  return { catalogue, report: finish(dir, sink, started, logger, 'Instacart catalogue') };
}

/**
 * The whole Instacart sample as Instacart's own tables: catalogue, orders, order lines and the
 * per-user manifest, every row validated against its file and the files it refers to. Strict by
 * default: the first bad row throws a DataError; lenient mode skips bad rows (and rows that referred
 * to them) and reports each one.
 */
export async function loadInstacartTables(dir: string, { lenient = false, logger }: LoadOptions = {}): Promise<{ tables: InstacartTables; report: LoadReport }> {
  const started = performance.now();
  const sink = newSink(lenient);
  const catalogue = await loadCatalogueInto(dir, sink);
  const orders = await loadOrders(dir, sink);
  const linesByOrder = await loadOrderLines(dir, orders, catalogue, sink);
  const ordersByUser = groupOrdersByUser(orders);
  const users = await loadUsers(dir, orders, ordersByUser, linesByOrder, sink);
  const tables: InstacartTables = { catalogue, orders, ordersByUser, linesByOrder, users, usersById: new Map(users.map((u) => [u.userId, u])) };
  return { tables, report: finish(dir, sink, started, logger, 'Instacart dataset') };
}

/** The Instacart sample mapped onto hubgen's neutral model (see neutral.ts for how). */
export async function loadDataset(dir: string, options: LoadOptions = {}): Promise<{ dataset: Dataset; report: LoadReport }> {
  const { tables, report } = await loadInstacartTables(dir, options);
  return { dataset: toNeutralDataset(tables), report };
}

/** Whether a directory holds the Instacart files (so the loader can pick this adapter). */
export const INSTACART_MARKER_FILES = [DATA_FILES.aisles, DATA_FILES.departments, DATA_FILES.orders] as const;
