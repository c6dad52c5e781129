import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../catalogue/data-error.js';
import { loadCatalogue, loadInstacartTables, type InstacartTables, type LoadReport } from './load.js';
import { tinyDatasetFiles, writeTinyDataset, type TinyDatasetFiles } from '../../testing/instacart-fixture.js';

const REAL_DIR = new URL('../../data/instacart/', import.meta.url).pathname;
const tmpDirs: string[] = [];

async function tiny(overrides: Partial<TinyDatasetFiles> = {}): Promise<string> {
  const dir = await writeTinyDataset(overrides);
  tmpDirs.push(dir);
  return dir;
}

/** The tiny file with one line (0 = header) replaced. */
function withLine(key: keyof TinyDatasetFiles, line: number, text: string): Partial<TinyDatasetFiles> {
  const lines = tinyDatasetFiles()[key].split('\n');
  lines[line] = text;
  return { [key]: lines.join('\n') };
}

async function loadError(dir: string): Promise<DataError> {
  const e = await loadInstacartTables(dir).then(() => undefined, (err: unknown) => err);
  expect(DataError.isInstance(e), `expected a DataError, got ${String(e)}`).toBe(true);
  return e as DataError;
}

afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('loadInstacartTables on the real Instacart sample', () => {
  let dataset: InstacartTables;
  let report: LoadReport;
  beforeAll(async () => {
    ({ tables: dataset, report } = await loadInstacartTables(REAL_DIR));
  });

  it('loads the full catalogue', () => {
    const { products, aisles, departments } = dataset.catalogue;
    expect([products.size, aisles.size, departments.size]).toEqual([49_688, 134, 21]);
    expect(products.get(1)).toEqual({ id: 1, name: 'Chocolate Sandwich Cookies', aisleId: 61, departmentId: 19 });
    // A quoted name with commas survives parsing.
    expect(products.get(30)?.name).toBe('Three Cheese Ziti, Marinara with Meatballs');
  });

  it('loads every order, line and user, dropping nothing', () => {
    expect(report.skipped).toEqual([]);
    expect(report.rows).toMatchObject({ 'orders_sample.csv': 30_316, 'order_products_sample.csv': 293_167, 'users_sample.csv': 1_901 });
    expect(dataset.orders.size).toBe(30_316);
    expect([...dataset.linesByOrder.values()].reduce((n, l) => n + l.length, 0)).toBe(293_167);
    expect(dataset.users).toHaveLength(1_901);
  });

  it('keeps order lines in add-to-cart order (user 1, prior order 2539329)', () => {
    expect(dataset.linesByOrder.get(2539329)?.map((l) => l.productId)).toEqual([196, 14084, 12427, 26088, 26405]);
  });

  it("sorts a user's orders by number and reads blank days as undefined", () => {
    const orders = dataset.ordersByUser.get(1)!;
    expect(orders.map((o) => o.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(orders[0]).toMatchObject({ id: 2539329, evalSet: 'prior', dow: 2, hour: 8, daysSincePrior: undefined });
    expect(orders[1].daysSincePrior).toBe(15);
    expect(orders[10]).toMatchObject({ id: 1187899, evalSet: 'train' });
  });

  it('reads the manifest', () => {
    expect(dataset.usersById.get(1)).toEqual({
      userId: 1, finalEvalSet: 'train', targetOrderId: 1187899, targetOrderNumber: 11, targetKind: 'train_order', daysSincePriorKnown: true,
    });
    expect(dataset.usersById.get(3)).toMatchObject({ finalEvalSet: 'test', targetOrderNumber: 12, targetKind: 'last_prior_order' });
  });

  it('loadCatalogue loads only the catalogue', async () => {
    const { catalogue, report: catReport } = await loadCatalogue(REAL_DIR);
    expect([catalogue.products.size, catalogue.categories.size, catalogue.departments.size]).toEqual([49_688, 134, 21]);
    expect(catalogue.products.get('1')).toEqual({ id: '1', name: 'Chocolate Sandwich Cookies', categoryId: 'a61', departmentId: 'd19', tags: [], available: true });
    expect(Object.keys(catReport.rows).sort()).toEqual(['aisles.csv', 'departments.csv', 'products.csv']);
  });
});

describe('loadInstacartTables on crafted files', () => {
  it('loads the tiny valid dataset', async () => {
    const { tables: dataset, report } = await loadInstacartTables(await tiny());
    expect(report.skipped).toEqual([]);
    expect(dataset.catalogue.products.get(3)?.name).toBe('Strawberries, Organic');
    expect(dataset.ordersByUser.get(2)?.map((o) => o.evalSet)).toEqual(['prior', 'prior', 'prior', 'test']);
    expect(dataset.linesByOrder.has(204)).toBe(false);
  });

  it('names file, line, field and value for a non-integer', async () => {
    const e = await loadError(await tiny(withLine('products', 2, '2,Banana,two,2')));
    expect(e.message).toMatch(/products\.csv line 3, field aisle_id = "two": not an integer/);
    expect([e.line, e.field, e.value]).toEqual([3, 'aisle_id', 'two']);
  });

  it('rejects a product in an aisle that does not exist', async () => {
    const e = await loadError(await tiny(withLine('products', 4, '4,Vanilla Greek Yogurt,9,1')));
    expect(e.message).toMatch(/products\.csv line 5, field aisle_id = "9": no such aisle/);
  });

  it('rejects an order line for an unknown order or product', async () => {
    let e = await loadError(await tiny(withLine('orderLines', 1, '999,1,1,0')));
    expect(e.message).toMatch(/order_products_sample\.csv line 2, field order_id = "999": no such order/);
    e = await loadError(await tiny(withLine('orderLines', 1, '101,77,1,0')));
    expect(e.message).toMatch(/order_products_sample\.csv line 2, field product_id = "77": no such product/);
  });

  it('rejects enums, ranges and flags outside their domain', async () => {
    expect((await loadError(await tiny(withLine('orders', 1, '101,1,priors,1,2,08,')))).message).toMatch(/orders_sample\.csv line 2, field eval_set = "priors": must be one of prior, train, test/);
    expect((await loadError(await tiny(withLine('orders', 1, '101,1,prior,1,7,08,')))).message).toMatch(/field order_dow = "7": must be <= 6/);
    expect((await loadError(await tiny(withLine('orders', 2, '102,1,prior,2,3,09,soon')))).message).toMatch(/line 3, field days_since_prior_order = "soon": not a number/);
    expect((await loadError(await tiny(withLine('orderLines', 3, '102,1,1,yes')))).message).toMatch(/line 4, field reordered = "yes"/);
  });

  it('rejects empty required fields, duplicates and wrong field counts', async () => {
    expect((await loadError(await tiny(withLine('products', 2, '2,,2,2')))).message).toMatch(/products\.csv line 3, field product_name = "": required field is empty/);
    expect((await loadError(await tiny(withLine('aisles', 2, '1,more yogurt')))).message).toMatch(/aisles\.csv line 3, field aisle_id = "1": duplicate aisle_id \(first on line 2\)/);
    expect((await loadError(await tiny(withLine('orderLines', 2, '101,2,1,0')))).message).toMatch(/line 3, field add_to_cart_order = "1": order 101 already has this cart position \(line 2\)/);
    expect((await loadError(await tiny(withLine('departments', 1, '1,dairy,eggs')))).message).toMatch(/departments\.csv line 2: expected 2 fields, found 3/);
  });

  it('rejects a missing column, a missing file and malformed quoting', async () => {
    expect((await loadError(await tiny({ aisles: 'aisle_id,name\n1,yogurt\n' }))).message).toMatch(/aisles\.csv line 1, field aisle: header is missing column "aisle"/);
    const e = await loadCatalogue('/nonexistent-hubgen-dir').then(() => undefined, (err: unknown) => err);
    expect(DataError.isInstance(e) && e.message).toMatch(/aisles\.csv: cannot read file \(ENOENT\)/);
    expect((await loadError(await tiny(withLine('products', 3, '3,"Strawberries, Organic,2,2')))).message).toMatch(/products\.csv line \d+: malformed CSV/);
  });

  it('rejects products for a Kaggle test order', async () => {
    const files = tinyDatasetFiles();
    const e = await loadError(await tiny({ orderLines: files.orderLines + '204,1,1,1\n' }));
    expect(e.message).toMatch(/order_products_sample\.csv line 11, field order_id = "204": order is a Kaggle test order/);
  });

  it('rejects a manifest that disagrees with the order files', async () => {
    const row = (r: string) => withLine('users', 1, r);
    expect((await loadError(await tiny(row('1,train,3,3,203,3,train_order,1,x')))).message).toMatch(/users_sample\.csv line 2, field target_order_id = "203": order belongs to user 2/);
    expect((await loadError(await tiny(row('1,train,3,3,103,2,train_order,1,x')))).message).toMatch(/field target_order_number = "2": order 103 is order number 3/);
    expect((await loadError(await tiny(row('1,train,3,3,102,2,train_order,1,x')))).message).toMatch(/a train_order target must be a train order, found prior/);
    expect((await loadError(await tiny(row('1,test,3,3,103,3,train_order,1,x')))).message).toMatch(/field target_kind = "train_order": does not match final_eval_set test/);
    expect((await loadError(await tiny(row('1,train,4,3,103,3,train_order,1,x')))).message).toMatch(/field n_order_rows = "4": orders_sample\.csv has 3 orders for this user/);
  });
});

describe('lenient loading', () => {
  it('skips bad rows, and rows that referred to them, and reports every one', async () => {
    const files = tinyDatasetFiles();
    const dir = await tiny({
      ...withLine('products', 2, '2,Banana,two,2'),
      orderLines: files.orderLines + 'x,1,9,0\n',
    });
    await expect(loadInstacartTables(dir)).rejects.toThrow(/products\.csv line 3/);
    const { tables: dataset, report } = await loadInstacartTables(dir, { lenient: true });
    const where = report.skipped.map((p) => `${p.file.split('/').pop()}:${p.line}:${p.field}`);
    // Product 2 is dropped, so its three order lines go too; the garbage line is reported on its own.
    expect(where).toEqual([
      'products.csv:3:aisle_id',
      'order_products_sample.csv:3:product_id',
      'order_products_sample.csv:7:product_id',
      'order_products_sample.csv:9:product_id',
      'order_products_sample.csv:11:order_id',
      // User 2's order 201 held only product 2, so the manifest's count of orders with products no longer holds.
      'users_sample.csv:3:n_orders_with_products',
    ]);
    expect(report.rows).toMatchObject({ 'products.csv': 3, 'order_products_sample.csv': 6 });
    expect(dataset.catalogue.products.has(2)).toBe(false);
    expect(dataset.linesByOrder.get(101)?.map((l) => l.productId)).toEqual([1]);
    expect(dataset.users.map((u) => u.userId)).toEqual([1]);
    expect(report.rows).toMatchObject({ 'users_sample.csv': 1 });
  });
});

describe('DataError.isInstance', () => {
  it('recognises only DataErrors', () => {
    expect(DataError.isInstance(new DataError({ file: 'f.csv', line: 2, field: 'x', value: 'y', reason: 'bad' }))).toBe(true);
    expect(DataError.isInstance(new Error('f.csv line 2'))).toBe(false);
    expect(DataError.isInstance(undefined)).toBe(false);
  });
});
