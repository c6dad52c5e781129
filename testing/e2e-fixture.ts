import { createReadStream } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DATA_FILES } from '../datasets/instacart/load.js';

/** The bundled Instacart sample the e2e fixture is cut from. */
export const REAL_DATA_DIR = 'data/instacart';

export interface RealSubset {
  readonly dir: string;
  /** Users in the subset, ascending, as they appear in users_sample.csv. */
  readonly users: readonly number[];
  /** Of those, the ones whose target is a real next (train) order. */
  readonly trainUsers: readonly number[];
  readonly products: number;
  /** Categories (aisles) at least one subset product sits in: the ones the neutral catalogue keeps. */
  readonly categories: number;
}

/** Streams a CSV's lines, header first. The Instacart files have no quoted newlines, so a line is a row. */
async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield line;
}

const firstField = (line: string): string => line.slice(0, line.indexOf(','));

/**
 * A small but real dataset: the first `userCount` users of users_sample.csv, every order and order
 * line of theirs, and only the products they bought (all aisles and departments). Written in the
 * exact Instacart formats to a fresh temp dir, so the CLI loads it like the full sample, but the
 * catalogue is small enough to embed in seconds.
 */
export async function writeRealSubset(userCount: number, sourceDir = REAL_DATA_DIR): Promise<RealSubset> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgen-e2e-data-'));
  const src = (f: string) => join(sourceDir, f);

  const userLines: string[] = [];
  const users: number[] = [];
  const trainUsers: number[] = [];
  for await (const line of lines(src(DATA_FILES.users))) {
    if (!userLines.length) {
      userLines.push(line);
      continue;
    }
    if (users.length >= userCount) break;
    const id = Number(firstField(line));
    users.push(id);
    if (line.split(',')[1] === 'train') trainUsers.push(id);
    userLines.push(line);
  }
  const userSet = new Set(users);

  const orderLines: string[] = [];
  const orderIds = new Set<string>();
  for await (const line of lines(src(DATA_FILES.orders))) {
    if (!orderLines.length) {
      orderLines.push(line);
      continue;
    }
    const [orderId, userId] = line.split(',', 2);
    if (!userSet.has(Number(userId))) continue;
    orderIds.add(orderId);
    orderLines.push(line);
  }

  const lineRows: string[] = [];
  const productIds = new Set<string>();
  for await (const line of lines(src(DATA_FILES.orderLines))) {
    if (!lineRows.length) {
      lineRows.push(line);
      continue;
    }
    const [orderId, productId] = line.split(',', 3);
    if (!orderIds.has(orderId)) continue;
    productIds.add(productId);
    lineRows.push(line);
  }

  const productRows: string[] = [];
  for await (const line of lines(src(DATA_FILES.products))) {
    if (!productRows.length || productIds.has(firstField(line))) productRows.push(line);
  }

  const files: Record<keyof typeof DATA_FILES, string> = {
    aisles: await readFile(src(DATA_FILES.aisles), 'utf8'),
    departments: await readFile(src(DATA_FILES.departments), 'utf8'),
    products: productRows.join('\n') + '\n',
    orders: orderLines.join('\n') + '\n',
    orderLines: lineRows.join('\n') + '\n',
    users: userLines.join('\n') + '\n',
  };
  for (const key of Object.keys(DATA_FILES) as (keyof typeof DATA_FILES)[]) await writeFile(join(dir, DATA_FILES[key]), files[key]);
  const categories = new Set(productRows.slice(1).map((row) => row.split(',').at(-2))).size;
  return { dir, users, trainUsers, products: productRows.length - 1, categories };
}

/**
 * Adds a `train` user whose only order is the target: no history at all (the cold-start case). The
 * order reuses products already in the subset, so the catalogue (and its index) stays the same.
 */
export async function addUserWithoutHistory(dir: string, userId: number): Promise<void> {
  const productId = (await readFile(join(dir, DATA_FILES.products), 'utf8')).split('\n')[1].split(',')[0];
  const orderId = userId;
  await appendFile(join(dir, DATA_FILES.orders), `${orderId},${userId},train,1,2,10,\n`);
  await appendFile(join(dir, DATA_FILES.orderLines), `${orderId},${productId},1,0\n`);
  await appendFile(join(dir, DATA_FILES.users), `${userId},train,1,1,${orderId},1,train_order,0,e2e\n`);
}

/**
 * A copy of a dataset dir with one bad row appended to orders_sample.csv (order_dow 9, for a user the
 * manifest does not list, so skipping it changes nothing else). Returns the dir and the row's line.
 */
export async function copyWithBadOrderRow(dir: string): Promise<{ dir: string; line: number }> {
  const copy = await mkdtemp(join(tmpdir(), 'hubgen-e2e-bad-'));
  await cp(dir, copy, { recursive: true });
  const orders = await readFile(join(copy, DATA_FILES.orders), 'utf8');
  await appendFile(join(copy, DATA_FILES.orders), '900000002,900000002,prior,1,9,10,\n');
  return { dir: copy, line: orders.trimEnd().split('\n').length + 1 };
}
