import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { DataProblem } from '../../catalogue/data-error.js';
import { DataError } from '../../catalogue/data-error.js';
import { BadRowsError } from '../bad-rows-error.js';
import { findNeutralFiles } from './files.js';
import { loadNeutralFiles, type NeutralLoad } from './load.js';
import { neutralFiles, writeFiles } from '../../testing/neutral-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

/** The fixture with some files replaced (or removed with null), written to a temp dir. */
async function dirWith(changes: Record<string, string | null> = {}): Promise<string> {
  const files = { ...neutralFiles(), ...changes };
  const { dir, remove } = await writeFiles(Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => e[1] !== null)));
  cleanups.push(remove);
  return dir;
}

/** The fixture file with one line (0 = the CSV header / first JSONL line) replaced. */
function withLine(name: string, line: number, text: string): Record<string, string> {
  const lines = neutralFiles()[name].split('\n');
  lines[line] = text;
  return { [name]: lines.join('\n') };
}

const withLines = (name: string, ...extra: string[]): Record<string, string> => ({ [name]: neutralFiles()[name] + extra.join('\n') + '\n' });

const load = async (dir: string, lenient = false): Promise<NeutralLoad> => loadNeutralFiles(findNeutralFiles(dir), { lenient });

async function problems(dir: string): Promise<DataProblem[]> {
  const e = await load(dir).then(() => undefined, (err: unknown) => err);
  expect(BadRowsError.isInstance(e), `expected a BadRowsError, got ${String(e)}`).toBe(true);
  return [...(e as BadRowsError).problems];
}

/** "products.csv:3 price="x": reason" — compact enough to compare several problems at once. */
const brief = (p: DataProblem): string => `${p.file.split('/').pop()}:${p.line} ${p.field ?? '-'}${p.value !== undefined ? `=${JSON.stringify(p.value)}` : ''}: ${p.reason}`;

async function firstProblem(changes: Record<string, string | null>): Promise<string> {
  return brief((await problems(await dirWith(changes)))[0]);
}

describe('loadNeutralFiles on a valid dataset', () => {
  it('builds the catalogue from mixed-depth paths, with CSV lists, booleans, numbers and quoted commas', async () => {
    const { dataset, report } = await load(await dirWith());
    expect(report.skipped).toEqual([]);
    const { products, categories, departments } = dataset.catalogue;
    expect(products.get('p1')).toEqual({
      id: 'p1', name: 'Greek Yogurt', categoryId: 'dairy-eggs/yogurt', departmentId: 'dairy-eggs', brand: 'Green Valley', price: 2.49, size: '500 g', tags: ['organic', 'high protein'], available: true,
    });
    expect(products.get('p2')).toMatchObject({ name: 'Cheddar, Mature', categoryId: 'dairy-eggs/cheese/hard-cheese', available: true, tags: [] });
    expect(products.get('p2')).not.toHaveProperty('brand');
    expect(products.get('p4')?.available).toBe(false);
    // A one-level path is its own department.
    expect(products.get('p3')).toMatchObject({ categoryId: 'bakery', departmentId: 'bakery', available: true });
    expect([...categories.keys()]).toEqual(['bakery', 'dairy-eggs/cheese/hard-cheese', 'dairy-eggs/yogurt', 'frozen/vegetables']);
    expect(categories.get('dairy-eggs/cheese/hard-cheese')).toEqual({ id: 'dairy-eggs/cheese/hard-cheese', name: 'Hard Cheese', departmentId: 'dairy-eggs', path: ['Dairy & Eggs', 'Cheese', 'Hard Cheese'] });
    expect([...departments.values()].map((d) => [d.id, d.name])).toEqual([['bakery', 'Bakery'], ['dairy-eggs', 'Dairy & Eggs'], ['frozen', 'Frozen']]);
  });

  it('keeps users from the users file, including those without events (cold start)', async () => {
    const { dataset } = await load(await dirWith());
    expect([...dataset.users.values()]).toEqual([
      { id: 'u1', segment: 'loyalty', preferences: ['vegetarian'] },
      { id: 'u2', segment: undefined, preferences: [] },
      { id: 'u3', segment: 'new', preferences: [] },
    ]);
    expect(dataset.ordersByUser.has('u3')).toBe(false);
  });

  it('without a users file, the users are those the events name', async () => {
    const { dataset } = await load(await dirWith({ 'users.jsonl': null }));
    expect([...dataset.users.keys()]).toEqual(['u1', 'u2']);
  });

  it("orders a user's orders by timestamp, whatever the row order; day, dow and hour come from it in UTC", async () => {
    const { dataset } = await load(await dirWith());
    const orders = dataset.ordersByUser.get('u1')!;
    expect(orders.map((o) => [o.id, o.seq, o.day, o.dow, o.hour])).toEqual([
      ['o1', 1, 0, 5, 18],
      ['o2', 2, 7, 5, 10],
    ]);
    // reordered: bought in an earlier order. Quantity defaults to 1.
    expect(orders[1].lines).toEqual([
      { productId: 'p1', quantity: 2, reordered: true },
      { productId: 'p2', quantity: 1, reordered: false },
    ]);
  });

  it('without timestamps, orders go by seq and lines with the same seq are one order; no day, dow or hour', async () => {
    const { dataset } = await load(await dirWith());
    expect(dataset.ordersByUser.get('u2')!.map((o) => ({ id: o.id, seq: o.seq, day: o.day, dow: o.dow, products: o.lines.map((l) => l.productId) }))).toEqual([
      { id: 'u2#1', seq: 1, day: undefined, dow: undefined, products: ['p5', 'p4'] },
      { id: 'u2#2', seq: 2, day: undefined, dow: undefined, products: ['p1'] },
    ]);
  });

  it('with neither, orders go by first appearance; a product twice in one order is one line with the quantities added', async () => {
    const events = ['user_id,order_id,product_id,quantity', 'u1,b,p1,1', 'u1,a,p2,1', 'u1,b,p1,2', 'u1,a,p1,1'].join('\n');
    const { dataset } = await load(await dirWith({ 'events.csv': events }));
    expect(dataset.ordersByUser.get('u1')!.map((o) => [o.id, o.lines.map((l) => `${l.productId}x${l.quantity}${l.reordered ? 'r' : ''}`)])).toEqual([
      ['b', ['p1x3']],
      ['a', ['p2x1', 'p1x1r']],
    ]);
  });

  it('a user whose orders are not all timed is ordered by seq, and a timestamp without a zone is UTC', async () => {
    const events = ['user_id,order_id,timestamp,seq,product_id', 'u1,x,2024-05-01 09:15,2,p1', 'u1,y,,1,p2', 'u2,z,2024-05-01T09:15:00+02:00,,p1', 'u2,w,2024-04-30,,p2'].join('\n');
    const { dataset } = await load(await dirWith({ 'events.csv': events }));
    expect(dataset.ordersByUser.get('u1')!.map((o) => [o.id, o.day, o.hour])).toEqual([['y', undefined, undefined], ['x', undefined, 9]]);
    expect(dataset.ordersByUser.get('u2')!.map((o) => [o.id, o.day, o.hour])).toEqual([['w', 0, 0], ['z', 1, 7]]);
  });

  it('reads JSONL products with array or string paths and integer ids, and CSV users with lists', async () => {
    const products = [
      JSON.stringify({ id: 7, name: 'Oat Milk', category: ['Dairy & Eggs', 'Milk'], tags: ['Vegan', ' vegan ', 'Oat'] }),
      '',
      JSON.stringify({ id: '8', name: 'Skyr', category: 'Dairy & Eggs>Yogurt', price: 0, brand: null, available: false }),
    ].join('\n');
    const users = ['id,segment,preferences', 'u1,,vegetarian| no pork |', 'u2,new,'].join('\n');
    const events = ['user_id,product_id,seq', 'u1,7,1', 'u2,8,1'].join('\n');
    const { dataset } = await load(await dirWith({ 'products.csv': null, 'products.jsonl': products, 'users.jsonl': null, 'users.csv': users, 'events.csv': events }));
    expect(dataset.catalogue.products.get('7')).toMatchObject({ categoryId: 'dairy-eggs/milk', tags: ['vegan', 'oat'] });
    expect(dataset.catalogue.products.get('8')).toMatchObject({ categoryId: 'dairy-eggs/yogurt', price: 0, available: false });
    expect(dataset.users.get('u1')).toEqual({ id: 'u1', segment: undefined, preferences: ['vegetarian', 'no pork'] });
  });

  it('reports rows kept per file and a sha256 per source', async () => {
    const { report, sources } = await load(await dirWith());
    expect(Object.values(report.rows)).toEqual([5, 3, 7]);
    expect(sources.map((s) => [s.file.split('/').pop(), s.kind, s.rows, s.skipped])).toEqual([
      ['products.csv', 'products', 5, 0],
      ['users.jsonl', 'users', 3, 0],
      ['events.csv', 'events', 7, 0],
    ]);
    expect(sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('bad product rows', () => {
  it('name the file, line, field and value', async () => {
    expect(await firstProblem(withLine('products.csv', 1, 'p1,Greek Yogurt,Dairy & Eggs > Yogurt,,cheap,,,'))).toBe('products.csv:2 price="cheap": must be a number');
    expect(await firstProblem(withLine('products.csv', 1, 'p1,Greek Yogurt,Dairy & Eggs > Yogurt,,-1,,,'))).toBe('products.csv:2 price="-1": must be >= 0');
    expect(await firstProblem(withLine('products.csv', 2, 'p2,,Bakery,,,,,'))).toBe('products.csv:3 name="": required field is empty');
    expect(await firstProblem(withLine('products.csv', 3, 'p3,Loaf,Bakery,,,,,maybe'))).toBe('products.csv:4 available="maybe": must be true, false, 1 or 0');
    expect(await firstProblem(withLine('products.csv', 3, 'p3,Loaf,Bakery >  > Bread,,,,,'))).toBe('products.csv:4 category="Bakery >  > Bread": has an empty level (expected e.g. "Dairy & Eggs > Yogurt")');
    expect(await firstProblem(withLine('products.csv', 3, 'p3,Loaf,Bakery > &,,,,,'))).toBe('products.csv:4 category="Bakery > &": level "&" has no letters or digits, so it cannot be given an id');
  });

  it('in JSONL, name the key and show non-text values as JSON', async () => {
    const jsonl = (o: object) => ({ 'products.csv': null, 'products.jsonl': JSON.stringify(o) + '\n' });
    expect(await firstProblem(jsonl({ id: 'p1', name: 'x', category: [] }))).toBe('products.jsonl:1 category="[]": must be a category path: "Dairy & Eggs > Yogurt" or ["Dairy & Eggs", "Yogurt"]');
    expect(await firstProblem(jsonl({ id: 'p1', name: 'x', category: 'A', price: '2.50' }))).toBe('products.jsonl:1 price="2.50": must be a number');
    expect(await firstProblem(jsonl({ id: 1.5, name: 'x', category: 'A' }))).toBe('products.jsonl:1 id="1.5": must be text or a whole number');
    expect(await firstProblem(jsonl({ id: 'p1', name: 'x', category: 'A', tags: ['ok', 3] }))).toBe('products.jsonl:1 tags="[\\"ok\\",3]": must be text in every item');
    expect(await firstProblem(jsonl({ id: 'p1', name: 'x', category: 'A', colour: 'red' }))).toBe('products.jsonl:1 colour="red": unknown field (products fields: id, name, category, brand, price, size, tags, available)');
    expect(await firstProblem(jsonl({ id: 'p1', category: 'A' }))).toBe('products.jsonl:1 name: required field is missing');
    expect(await firstProblem({ 'products.csv': null, 'products.jsonl': '{"id": "p1", "name": \n' })).toMatch(/^products\.jsonl:1 -: not valid JSON/);
    expect(await firstProblem({ 'products.csv': null, 'products.jsonl': '["p1"]\n' })).toBe('products.jsonl:1 -: expected a JSON object, found an array');
  });

  it('reject a duplicate id and a category spelt two ways; the first row wins', async () => {
    const all = await problems(await dirWith(withLines('products.csv', 'p1,Another,Bakery,,,,,', 'p9,Kefir,dairy & eggs > Yogurt,,,,,')));
    expect(all.map(brief)).toEqual([
      'products.csv:7 id="p1": duplicate id (first on line 2)',
      'products.csv:8 category="dairy & eggs > Yogurt": "dairy & eggs" has the same id "dairy-eggs" as "Dairy & Eggs" (line 2): spell it one way',
    ]);
  });

  it('the same leaf name at another depth or under another parent is another category', async () => {
    const { dataset } = await load(await dirWith(withLines('products.csv', 'p8,Frozen Yogurt,Frozen > Yogurt,,,,,', 'p9,Kefir,Dairy & Eggs > Cultured > Yogurt,,,,,')));
    expect(['p1', 'p8', 'p9'].map((id) => dataset.catalogue.products.get(id)!.categoryId)).toEqual(['dairy-eggs/yogurt', 'frozen/yogurt', 'dairy-eggs/cultured/yogurt']);
  });
});

describe('bad user rows', () => {
  it('name the file, line, field and value', async () => {
    expect(await firstProblem(withLine('users.jsonl', 1, JSON.stringify({ id: 'u2', preferences: 'vegan' })))).toBe('users.jsonl:2 preferences="vegan": must be a list');
    expect(await firstProblem(withLine('users.jsonl', 1, JSON.stringify({ id: 'u2', segment: 5 })))).toBe('users.jsonl:2 segment="5": must be text');
    expect(await firstProblem(withLine('users.jsonl', 2, JSON.stringify({ id: 'u1' })))).toBe('users.jsonl:3 id="u1": duplicate id (first on line 1)');
    // Blank text is "not given" in JSONL as in CSV.
    expect(await firstProblem(withLine('users.jsonl', 2, JSON.stringify({ id: '  ' })))).toBe('users.jsonl:3 id="  ": required field is empty');
  });
});

describe('bad event rows', () => {
  it('name the file, line, field and value', async () => {
    expect(await firstProblem(withLine('events.csv', 1, 'u1,o2,2024-03-08T10:00:00Z,,p1,0'))).toBe('events.csv:2 quantity="0": must be >= 1');
    expect(await firstProblem(withLine('events.csv', 1, 'u1,o2,2024-03-08T10:00:00Z,,p1,1.5'))).toBe('events.csv:2 quantity="1.5": must be a whole number');
    expect(await firstProblem(withLine('events.csv', 1, 'u1,o2,08/03/2024,,p1,1'))).toBe('events.csv:2 timestamp="08/03/2024": not an ISO 8601 date or date-time (e.g. 2024-03-01 or 2024-03-01T18:30:00Z)');
    expect(await firstProblem(withLine('events.csv', 1, 'u1,o2,2024-02-30T10:00:00Z,,p1,1'))).toBe('events.csv:2 timestamp="2024-02-30T10:00:00Z": not a real date and time');
    expect(await firstProblem(withLine('events.csv', 1, 'u1,,,,p1,1'))).toBe('events.csv:2 -: an event needs at least one of order_id, seq, timestamp to say which order it belongs to');
    expect(await firstProblem(withLine('events.csv', 1, 'u1,o2,,x,p1,1'))).toBe('events.csv:2 seq="x": must be a whole number');
    expect(await firstProblem(withLine('events.csv', 1, ',o2,,1,p1,1'))).toBe('events.csv:2 user_id="": required field is empty');
    expect(await firstProblem(withLine('events.csv', 1, 'u1,o2,,,p1'))).toBe('events.csv:2 -: expected 6 fields (user_id,order_id,timestamp,seq,product_id,quantity), found 5');
  });

  it('name an unknown product, an unknown user (with a users file) and an order shared by two users', async () => {
    const all = await problems(await dirWith(withLines('events.csv', 'u1,o3,,,p404,1', 'u404,o4,,,p1,1', 'u2,o1,,,p1,1')));
    expect(all.map(brief)).toEqual([
      'events.csv:9 product_id="p404": no such product in the products file',
      'events.csv:10 user_id="u404": no such user in the users file',
      'events.csv:11 order_id="o1": order belongs to user "u1" (line 3)',
    ]);
  });

  it('reject an order given two seqs, or two orders of one user given the same seq', async () => {
    const events = ['user_id,order_id,seq,product_id', 'u1,a,1,p1', 'u1,a,2,p2', 'u1,b,1,p3'].join('\n');
    expect((await problems(await dirWith({ 'events.csv': events }))).map(brief)).toEqual([
      'events.csv:3 seq="2": order "a" has seq 1 (line 2)',
      'events.csv:4 seq="1": user "u1" already has order "a" with seq 1 (line 2)',
    ]);
  });
});

describe('whole-file problems', () => {
  it('throw at once, naming the file, even when lenient', async () => {
    const cases: [Record<string, string | null>, RegExp][] = [
      [{ 'products.csv': 'id,name,category,colour\n' }, /products\.csv line 1, field colour: unknown column "colour" \(products columns: id, name, category, brand/],
      [{ 'products.csv': 'id,name\n' }, /products\.csv line 1, field category: header is missing required column "category"/],
      [{ 'events.csv': 'user_id,product_id\nu1,p1\n' }, /events\.csv line 1: an events file needs at least one of the columns order_id, seq, timestamp/],
      [{ 'products.csv': 'id,name,category\np1,"Yogurt,Dairy\n' }, /products\.csv line \d+: malformed CSV: Quote Not Closed/],
      [{ 'products.csv': '' }, /products\.csv line 1: file is empty: expected a header row/],
    ];
    for (const [changes, message] of cases) {
      const dir = await dirWith(changes);
      for (const lenient of [false, true]) {
        const e = await load(dir, lenient).then(() => undefined, (err: unknown) => err);
        expect(DataError.isInstance(e) && !BadRowsError.isInstance(e), String(e)).toBe(true);
        expect((e as Error).message).toMatch(message);
      }
    }
  });

  it('need a products file and a users or events file', async () => {
    await expect(loadNeutralFiles({ products: [], users: [], events: ['x/events.csv'] })).rejects.toThrow(/x\/events\.csv: no products file/);
    await expect(loadNeutralFiles({ products: ['x/products.csv'], users: [], events: [] })).rejects.toThrow(/there is nobody to make pages for/);
  });
});

describe('CSV quoting', () => {
  it('reads quoted commas, doubled quotes and a quoted line break, and names a later row by its own line', async () => {
    const products = [
      'id,name,category',
      'p1,"Greek Yogurt, ""Extra"" Thick",Dairy & Eggs > Yogurt',
      'p2,"Two-line',
      'name",Bakery',
      '',
      'p3,Rye,Bakery',
      'p4,Flour,Pantry,',
    ].join('\r\n');
    const events = 'user_id,seq,product_id\nu1,1,p1\n';
    const all = await problems(await dirWith({ 'products.csv': products, 'events.csv': events }));
    expect(all.map(brief)).toEqual(['products.csv:7 -: expected 3 fields (id,name,category), found 4']);
    const { dataset } = await load(await dirWith({ 'products.csv': products, 'events.csv': events }), true);
    expect(dataset.catalogue.products.get('p1')?.name).toBe('Greek Yogurt, "Extra" Thick');
    expect(dataset.catalogue.products.get('p2')?.name).toBe('Two-line\r\nname');
  });
});

describe('strict and lenient', () => {
  const bad = {
    ...withLine('products.csv', 1, 'p1,Greek Yogurt,Dairy & Eggs > Yogurt,,-3,,,'),
    ...withLine('users.jsonl', 2, '{"id": "u3", "segment": ""} trailing'),
    ...withLines('events.csv', 'u1,o3,2024-03-09,,p5,two'),
  };

  it('strict reports every bad row, not only the first, and no consequences of them', async () => {
    const e = (await load(await dirWith(bad)).catch((err: unknown) => err)) as BadRowsError;
    expect(e.problems.map(brief)).toEqual([
      'products.csv:2 price="-3": must be >= 0',
      expect.stringMatching(/^users\.jsonl:3 -: not valid JSON/),
      'events.csv:9 quantity="two": must be a whole number',
    ]);
    expect(e.message).toBe(`${join(e.file)} line 2, field price = "-3": must be >= 0 (and 2 more bad rows)`);
  });

  it('lenient skips bad rows and the events that referred to them, and counts both', async () => {
    const { dataset, report, sources } = await load(await dirWith(bad), true);
    expect(report.skipped.map(brief)).toEqual([
      'products.csv:2 price="-3": must be >= 0',
      expect.stringMatching(/^users\.jsonl:3 -: not valid JSON/),
      'events.csv:9 quantity="two": must be a whole number',
      // Product p1 was dropped, so every event of it goes too, each naming the row that dropped it.
      expect.stringMatching(/^events\.csv:2 product_id="p1": product was skipped \(.*products\.csv line 2\)$/),
      expect.stringMatching(/^events\.csv:3 product_id="p1": product was skipped/),
      expect.stringMatching(/^events\.csv:6 product_id="p1": product was skipped/),
    ]);
    expect(report.cascaded).toBe(3);
    expect(dataset.catalogue.products.has('p1')).toBe(false);
    expect(dataset.users.has('u3')).toBe(false);
    expect(dataset.ordersByUser.get('u1')!.map((o) => o.lines.map((l) => l.productId))).toEqual([['p3'], ['p2']]);
    expect(sources.map((s) => [s.kind, s.rows, s.skipped])).toEqual([['products', 4, 1], ['users', 2, 1], ['events', 4, 4]]);
  });
});
