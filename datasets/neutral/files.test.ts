import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyFile, findNeutralFiles, neutralFilesFrom } from './files.js';
import { writeFiles } from '../../testing/neutral-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

describe('classifyFile', () => {
  it('knows products, users and events (also orders, purchases) as .jsonl or .csv', () => {
    expect(classifyFile('data/products.jsonl')).toEqual({ kind: 'products', format: 'jsonl' });
    expect(classifyFile('Users.CSV')).toEqual({ kind: 'users', format: 'csv' });
    expect(['events.csv', 'orders.csv', 'purchases.jsonl'].map((f) => classifyFile(f)?.kind)).toEqual(['events', 'events', 'events']);
    expect(['products.json', 'products.tsv', 'items.csv', 'productsold.csv'].map((f) => classifyFile(f))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('accepts a suffix after "-", "_" or "." only when asked (files named on the command line)', () => {
    expect(classifyFile('events-2024-03.csv')).toBeUndefined();
    expect(classifyFile('events-2024-03.csv', { suffixes: true })).toEqual({ kind: 'events', format: 'csv' });
    expect(classifyFile('orders_march.jsonl', { suffixes: true })?.kind).toBe('events');
    expect(classifyFile('productsold.csv', { suffixes: true })).toBeUndefined();
  });
});

describe('findNeutralFiles and neutralFilesFrom', () => {
  it('find the exact names in a directory, and take named files and directories from arguments', async () => {
    const { dir, remove } = await writeFiles({ 'products.csv': '', 'products-old.csv': '', 'orders.jsonl': '', 'events.csv': '', 'notes.txt': '' });
    cleanups.push(remove);
    await mkdir(join(dir, 'users.csv'));
    expect(findNeutralFiles(dir)).toEqual({ products: [join(dir, 'products.csv')], users: [], events: [join(dir, 'events.csv'), join(dir, 'orders.jsonl')] });
    await writeFile(join(dir, 'users-extra.csv'), '');
    expect(neutralFilesFrom([dir, join(dir, 'users-extra.csv'), join(dir, 'products.csv')])).toEqual({
      products: [join(dir, 'products.csv')],
      users: [join(dir, 'users-extra.csv')],
      events: [join(dir, 'events.csv'), join(dir, 'orders.jsonl')],
    });
  });

  it('name an argument that is missing, says nothing, or holds no recognised files', async () => {
    const { dir, remove } = await writeFiles({ 'catalogue.csv': '' });
    cleanups.push(remove);
    expect(() => neutralFilesFrom([join(dir, 'nope')])).toThrow(/nope: no such file or directory/);
    expect(() => neutralFilesFrom([join(dir, 'catalogue.csv')])).toThrow(/catalogue\.csv: cannot tell what this file holds: name it products\.<jsonl\|csv>/);
    expect(() => neutralFilesFrom([dir])).toThrow(/holds no products\.\*, users\.\* or events\.\*/);
  });
});
