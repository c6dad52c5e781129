import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv, rowReader } from './csv.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hubgen-csv-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function csv(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('readCsv', () => {
  it('numbers rows by physical line, skipping blank lines and a BOM', async () => {
    const t = await readCsv(await csv('a.csv', '\uFEFFid,name\n1,a\n\n2,b'), ['id', 'name']);
    expect(t.rows).toEqual([{ line: 2, values: ['1', 'a'] }, { line: 4, values: ['2', 'b'] }]);
  });

  it('keeps line numbers right after a quoted field spanning lines', async () => {
    const t = await readCsv(await csv('b.csv', 'id,name\n1,"two\nlines"\n2,x\n'), ['id', 'name']);
    expect(t.rows.map((r) => [r.line, r.values[1]])).toEqual([[3, 'two\nlines'], [4, 'x']]);
  });

  it('names a text field holding bytes that are not UTF-8, with its line (a real U+FFFD, as the bundled products have, is fine)', async () => {
    const file = join(dir, 'latin1.csv');
    await writeFile(file, Buffer.concat([Buffer.from('product_id,product_name\n1,Cr\u00e8me \uFFFD ok\n2,Cr'), Buffer.from([0xe8]), Buffer.from('me fra\u00eeche\n')]));
    const t = await readCsv(file, ['product_id', 'product_name']);
    expect(rowReader(t, t.rows[0]).text('product_name')).toBe('Crème \uFFFD ok');
    expect(() => rowReader(t, t.rows[1]).text('product_name')).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')} line 3, field product_name = ".*": contains bytes that are not UTF-8`));
  });

  it('names an empty file', async () => {
    await expect(readCsv(await csv('c.csv', ''), ['id'])).rejects.toThrow(/c\.csv line 1: file is empty/);
  });
});

describe('rowReader', () => {
  it('reads typed fields and names the bad one', async () => {
    const t = await readCsv(await csv('d.csv', 'n,x,kind,s\n5,,big, \n'), ['n', 'x', 'kind', 's']);
    const r = rowReader(t, t.rows[0]);
    expect(r.int('n', { min: 1, max: 9 })).toBe(5);
    expect(r.optionalNumber('x')).toBeUndefined();
    expect(() => r.int('n', { max: 4 })).toThrow(/d\.csv line 2, field n = "5": must be <= 4/);
    expect(() => r.oneOf('kind', ['small'])).toThrow(/field kind = "big": must be one of small/);
    expect(() => r.text('s')).toThrow(/field s = " ": required field is empty/);
    expect(() => r.int('x')).toThrow(/field x = "": required integer is empty/);
  });
});
