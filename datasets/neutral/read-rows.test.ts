import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRows, type FileFormat, type SourceItem } from './read-rows.js';
import { writeFiles } from '../../testing/neutral-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function fileWith(name: string, text: string): Promise<string> {
  const { dir, remove } = await writeFiles({ [name]: text });
  cleanups.push(remove);
  return join(dir, name);
}

async function all(file: string, format: FileFormat): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readRows(file, format)) out.push(item);
  return out;
}

describe('readRows', () => {
  it('a field with bytes that are not UTF-8 is a bad row naming the field, in JSONL and CSV; valid UTF-8, a real U+FFFD too, passes', async () => {
    const jsonl = await fileWith('p.jsonl', '');
    await writeFile(jsonl, Buffer.concat([Buffer.from('{"id":"1","name":"Caf\u00e9 \uFFFD ok"}\n{"id":"2","name":"Caf'), Buffer.from([0xe9]), Buffer.from(' au lait"}\n')]));
    const csv = await fileWith('p.csv', '');
    await writeFile(csv, Buffer.concat([Buffer.from('id,name\n1,na\u00efve \uFFFD\n2,'), Buffer.from([0xff, 0xfe]), Buffer.from('x\n')]));
    for (const [file, format] of [[jsonl, 'jsonl'], [csv, 'csv']] as const) {
      const items = (await all(file, format)).filter((i) => i.kind !== 'header');
      expect(items[0].kind).toBe('row');
      expect(items[1]).toEqual({ kind: 'bad', problem: expect.objectContaining({ file, line: format === 'csv' ? 3 : 2, field: 'name', reason: 'contains bytes that are not UTF-8 (save the file as UTF-8)' }) });
    }
  });

  it('JSONL: physical line numbers past blank lines, a BOM and CRLF; a bad line is an item, not a throw', async () => {
    const file = await fileWith('e.jsonl', '\uFEFF{"a":1}\r\n\r\n{"a":2}\r\nnot json\r\n3\r\n');
    const items = await all(file, 'jsonl');
    expect(items.map((i) => (i.kind === 'row' ? [i.line, i.fields] : i.kind === 'bad' ? [i.problem.line, i.problem.reason.slice(0, 14)] : i.kind))).toEqual([
      [1, { a: 1 }],
      [3, { a: 2 }],
      [4, 'not valid JSON'],
      [5, 'expected a JSO'],
    ]);
  });

  it('CSV: the header first, then rows keyed by column; a row that spans lines is named by its first', async () => {
    const file = await fileWith('p.csv', '\uFEFFid , name\n1,"two\nlines"\n\n2,x\n');
    expect(await all(file, 'csv')).toEqual([
      { kind: 'header', columns: ['id', 'name'] },
      { kind: 'row', line: 2, fields: { id: '1', name: 'two\nlines' } },
      { kind: 'row', line: 5, fields: { id: '2', name: 'x' } },
    ]);
  });

  it('CSV: a header naming a column twice is a whole-file problem', async () => {
    await expect(all(await fileWith('p.csv', 'id,name,id\n'), 'csv')).rejects.toThrow(/p\.csv line 1, field id: header names column "id" twice/);
  });

  it('reports progress in bytes on large files and hands every chunk over for hashing', async () => {
    const text = Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ id: `p${i}`, name: 'x'.repeat(40) })).join('\n') + '\n';
    const file = await fileWith('big.jsonl', text);
    const progress: number[][] = [];
    const hash = createHash('sha256');
    let rows = 0;
    for await (const item of readRows(file, 'jsonl', { onProgress: (done, total) => progress.push([done, total]), onChunk: (c) => hash.update(c) })) if (item.kind === 'row') rows++;
    const size = Buffer.byteLength(text);
    expect(rows).toBe(12_000);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.every(([, total]) => total === size)).toBe(true);
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual([size, size]);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
  });

  it('a missing file is a whole-file problem naming it', async () => {
    await expect(all('/nonexistent/products.csv', 'csv')).rejects.toThrow(/\/nonexistent\/products\.csv: cannot read file \(ENOENT\)/);
  });
});
