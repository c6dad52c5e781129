import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_FILES, loadDataset } from '../datasets/instacart/load.js';
import type { Dataset } from '../catalogue/types.js';

/** CSV text per data file, in the exact Instacart formats. */
export type TinyDatasetFiles = Record<keyof typeof DATA_FILES, string>;

/**
 * A tiny, valid Instacart-format dataset for tests: user 1 is a `train` user (two prior orders, then
 * train order 103), user 2 a `test` user (three prior orders, then a test order without products).
 */
export function tinyDatasetFiles(): TinyDatasetFiles {
  return {
    aisles: 'aisle_id,aisle\n1,yogurt\n2,fresh fruits\n',
    departments: 'department_id,department\n1,dairy eggs\n2,produce\n',
    products: [
      'product_id,product_name,aisle_id,department_id',
      '1,Organic Greek Yogurt,1,1',
      '2,Banana,2,2',
      '3,"Strawberries, Organic",2,2',
      '4,Vanilla Greek Yogurt,1,1',
    ].join('\n') + '\n',
    orders: [
      'order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order',
      '101,1,prior,1,2,08,',
      '102,1,prior,2,3,09,7.0',
      '103,1,train,3,3,10,7.0',
      '201,2,prior,1,0,12,',
      '202,2,prior,2,0,13,14.0',
      '203,2,prior,3,1,12,14.0',
      '204,2,test,4,1,12,14.0',
    ].join('\n') + '\n',
    orderLines: [
      'order_id,product_id,add_to_cart_order,reordered',
      '101,1,1,0',
      '101,2,2,0',
      '102,1,1,1',
      '103,4,1,0',
      '103,1,2,1',
      '201,2,1,0',
      '202,3,1,0',
      '202,2,2,1',
      '203,3,1,1',
    ].join('\n') + '\n',
    users: [
      'user_id,final_eval_set,n_order_rows,n_orders_with_products,target_order_id,target_order_number,target_kind,days_since_prior_known,source_repos',
      '1,train,3,3,103,3,train_order,1,tiny',
      '2,test,4,3,203,3,last_prior_order,1,tiny',
    ].join('\n') + '\n',
  };
}

/** Writes the tiny dataset (with any files replaced) to a fresh temp dir and returns the dir. */
export async function writeTinyDataset(overrides: Partial<TinyDatasetFiles> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgen-tiny-'));
  const files = { ...tinyDatasetFiles(), ...overrides };
  for (const key of Object.keys(DATA_FILES) as (keyof typeof DATA_FILES)[]) {
    await writeFile(join(dir, DATA_FILES[key]), files[key]);
  }
  return dir;
}

/** The tiny dataset written to a temp dir and loaded through the Instacart adapter (neutral model). */
export async function tinyDataset(overrides: Partial<TinyDatasetFiles> = {}): Promise<Dataset> {
  const dir = await writeTinyDataset(overrides);
  try {
    return (await loadDataset(dir)).dataset;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
