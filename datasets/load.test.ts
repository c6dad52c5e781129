import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR, detectDatasetKind, importedDatasetDir, loadDataset, resolveDataSource } from './load.js';
import { findNeutralFiles } from './neutral/files.js';
import { writeImportedDataset } from './neutral/imported.js';
import { loadNeutralFiles } from './neutral/load.js';
import { writeTinyDataset } from '../testing/instacart-fixture.js';
import { neutralFiles, writeFiles } from '../testing/neutral-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function neutralDir(): Promise<string> {
  const { dir, remove } = await writeFiles(neutralFiles());
  cleanups.push(remove);
  return dir;
}

async function emptyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgen-load-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A work dir with a dataset imported into <workDir>/dataset, as `hubgen import` leaves it. */
async function workDirWithImport(): Promise<string> {
  const workDir = await emptyDir();
  const load = await loadNeutralFiles(findNeutralFiles(await neutralDir()), { name: 'mine' });
  await writeImportedDataset({ out: importedDatasetDir(workDir), name: 'mine', load, lenient: false });
  return workDir;
}

describe('detectDatasetKind', () => {
  it('tells an imported dataset, neutral-format files and the Instacart files apart', async () => {
    const instacart = await writeTinyDataset();
    cleanups.push(() => rm(instacart, { recursive: true, force: true }));
    expect(detectDatasetKind(importedDatasetDir(await workDirWithImport()))).toBe('imported');
    expect(detectDatasetKind(await neutralDir())).toBe('neutral');
    // Instacart has a products.csv too, but no events file: it is not read as the neutral format.
    expect(detectDatasetKind(instacart)).toBe('instacart');
  });

  it('says what it expected in a directory that holds none of them, and names a missing one', async () => {
    const dir = await emptyDir();
    expect(() => detectDatasetKind(dir)).toThrow(/holds no dataset: expected dataset\.json \(written by hubgen import\), products\.\* with users\.\* or events\.\*.*or the Instacart files \(aisles\.csv/);
    expect(() => detectDatasetKind(join(dir, 'nope'))).toThrow(/nope: data directory does not exist/);
  });
});

describe('resolveDataSource', () => {
  it('an explicit dataDir wins over an import, and says where it came from', async () => {
    const dataDir = await neutralDir();
    expect(resolveDataSource({ dataDir, workDir: await workDirWithImport() }, { dataDirFrom: '--data' })).toEqual({ dir: dataDir, kind: 'neutral', why: 'dataDir is set by --data' });
  });

  it('without one, a dataset imported into the work dir is used', async () => {
    const workDir = await workDirWithImport();
    expect(resolveDataSource({ workDir })).toEqual({ dir: join(workDir, 'dataset'), kind: 'imported', why: 'imported into the work dir by hubgen import; no dataDir is set' });
  });

  it('otherwise the bundled Instacart sample, found from the package rather than the cwd', async () => {
    const workDir = await emptyDir();
    // A dataset directory without a manifest (an import that never finished) is not an import.
    await mkdir(join(workDir, 'dataset'));
    const source = resolveDataSource({ workDir });
    expect(source).toEqual({ dir: BUNDLED_DATA_DIR, kind: 'instacart', why: expect.stringContaining('the bundled Instacart sample') });
    expect(BUNDLED_DATA_DIR).toBe(fileURLToPath(new URL('../data/instacart', import.meta.url)));
  });

  it('an explicit dataDir that holds no dataset is an error, not a silent fallback', async () => {
    const [dataDir, workDir] = [await emptyDir(), await workDirWithImport()];
    expect(() => resolveDataSource({ dataDir, workDir })).toThrow(/holds no dataset/);
  });
});

describe('loadDataset', () => {
  it('loads each kind through its adapter into the same model', async () => {
    const imported = await loadDataset(importedDatasetDir(await workDirWithImport()));
    const neutral = await loadDataset(await neutralDir());
    expect(imported.source.kind).toBe('imported');
    expect(imported.dataset.name).toBe('mine');
    expect(neutral.dataset.name).toMatch(/^hubgen-neutral-/);
    expect({ ...imported.dataset, name: '' }).toEqual({ ...neutral.dataset, name: '' });

    const instacart = await writeTinyDataset();
    cleanups.push(() => rm(instacart, { recursive: true, force: true }));
    const tiny = await loadDataset(instacart);
    expect([tiny.source.kind, tiny.dataset.name, tiny.dataset.users.size]).toEqual(['instacart', 'instacart-2017', 2]);
  });
});
