import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNeutralFiles } from './files.js';
import { loadImportedDataset, MANIFEST_FILE, readDatasetManifest, writeImportedDataset } from './imported.js';
import { loadNeutralFiles } from './load.js';
import { neutralFiles, writeFiles } from '../../testing/neutral-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgen-imported-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function sourceLoad(files: Record<string, string | null> = neutralFiles()) {
  const { dir, remove } = await writeFiles(Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => e[1] !== null)));
  cleanups.push(remove);
  return loadNeutralFiles(findNeutralFiles(dir), { name: 'fixture' });
}

const NOW = new Date('2026-01-02T03:04:05.000Z');

describe('writeImportedDataset', () => {
  it('writes normalised JSONL and a manifest that loads back into the same dataset', async () => {
    const load = await sourceLoad();
    const out = join(await tempDir(), 'dataset');
    const written = await writeImportedDataset({ out, name: 'fixture', load, lenient: false, now: NOW });
    expect((await readdir(out)).sort()).toEqual(['dataset.json', 'events.jsonl', 'products.jsonl', 'users.jsonl']);
    expect(written.manifest).toMatchObject({
      format: 'hubgen-dataset',
      version: 1,
      name: 'fixture',
      importedAt: '2026-01-02T03:04:05.000Z',
      counts: { products: 5, categories: 4, departments: 3, users: 3, usersWithOrders: 2, orders: 4, events: 7 },
      lenient: false,
      skipped: 0,
    });
    expect(written.manifest.sources.map((s) => [s.file.split('/').pop(), s.kind, s.rows])).toEqual([['products.csv', 'products', 5], ['users.jsonl', 'users', 3], ['events.csv', 'events', 7]]);
    expect(await readDatasetManifest(out)).toEqual(written.manifest);

    const products = (await readFile(join(out, 'products.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(products[1]).toEqual({ id: 'p2', name: 'Cheddar, Mature', category: ['Dairy & Eggs', 'Cheese', 'Hard Cheese'], price: 4.1, size: '200 g', available: true });
    const events = (await readFile(join(out, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toEqual({ user_id: 'u1', order_id: 'o1', seq: 1, timestamp: '2024-03-01T18:30:00.000Z', product_id: 'p1', quantity: 1 });
    expect(events.at(-1)).toEqual({ user_id: 'u2', order_id: 'u2#2', seq: 2, product_id: 'p1', quantity: 1 });

    const again = await loadImportedDataset(out);
    expect(again.dataset).toEqual(load.dataset);
    expect(again.manifest.digest).toBe(`sha256:${again.digest}`);
  });

  it('gives the same files and digest whatever order the products and users came in, and in which format', async () => {
    const files = neutralFiles();
    const [header, ...rows] = files['products.csv'].trim().split('\n');
    const reordered = {
      ...files,
      'products.csv': [header, ...rows.reverse()].join('\n') + '\n',
      'users.jsonl': null,
      'users.csv': 'id,segment,preferences\nu3,new,\nu2,,\nu1,loyalty,vegetarian\n',
    };
    const a = await writeImportedDataset({ out: join(await tempDir(), 'a'), name: 'x', load: await sourceLoad(), lenient: false, now: NOW });
    const b = await writeImportedDataset({ out: join(await tempDir(), 'b'), name: 'x', load: await sourceLoad(reordered), lenient: false, now: NOW });
    expect(b.manifest.digest).toBe(a.manifest.digest);
  });

  it('replaces an earlier import, but never a directory that is not one', async () => {
    const out = join(await tempDir(), 'dataset');
    await writeImportedDataset({ out, name: 'first', load: await sourceLoad(), lenient: false, now: NOW });
    await writeImportedDataset({ out, name: 'second', load: await sourceLoad(), lenient: false, now: NOW });
    expect((await readDatasetManifest(out)).name).toBe('second');
    expect((await readdir(join(out, '..'))).filter((n) => n !== 'dataset')).toEqual([]);

    const someonesFolder = await tempDir();
    await writeFile(join(someonesFolder, 'notes.txt'), 'keep me');
    await expect(writeImportedDataset({ out: someonesFolder, name: 'x', load: await sourceLoad(), lenient: false })).rejects.toThrow(/exists and is not an imported dataset \(no dataset\.json\)/);
    expect(existsSync(join(someonesFolder, 'notes.txt'))).toBe(true);
  });
});

describe('loadImportedDataset', () => {
  it('rejects files changed since the import, naming the digest', async () => {
    const out = join(await tempDir(), 'dataset');
    await writeImportedDataset({ out, name: 'x', load: await sourceLoad(), lenient: false, now: NOW });
    await appendFile(join(out, 'users.jsonl'), '{"id": "u9"}\n');
    await expect(loadImportedDataset(out)).rejects.toThrow(/dataset\.json, field digest = "sha256:[0-9a-f]{64}": the files no longer match it .*run hubgen import again/);
  });

  it('rejects a manifest that is not one, naming the JSON path', async () => {
    const out = join(await tempDir(), 'dataset');
    await writeImportedDataset({ out, name: 'x', load: await sourceLoad(), lenient: false, now: NOW });
    const manifest = JSON.parse(await readFile(join(out, MANIFEST_FILE), 'utf8'));
    await writeFile(join(out, MANIFEST_FILE), JSON.stringify({ ...manifest, version: 2 }));
    await expect(loadImportedDataset(out)).rejects.toThrow(/dataset\.json: not a hubgen dataset manifest: \/version must be equal to constant/);
  });
});
