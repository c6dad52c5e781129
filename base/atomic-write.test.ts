import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from './atomic-write.js';

describe('writeAtomically', () => {
  it('writes the file whole, making its directory, and leaves nothing beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-atomic-'));
    const path = join(dir, 'a', 'b.json');
    await writeAtomically(path, '{"x":1}', 'test file');
    expect(await readFile(path, 'utf8')).toBe('{"x":1}');
    expect(await readdir(join(dir, 'a'))).toEqual(['b.json']);
  });

  it('names what it was writing when the write fails (the system error alone does not)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-atomic-'));
    // A file where the directory should be: fails for root too, unlike a read-only mode.
    await writeFile(join(dir, 'shard'), 'not a directory');
    const path = join(dir, 'shard', 'x.json');
    await expect(writeAtomically(path, '{}', `artefact ${path}`)).rejects.toThrow(new RegExp(`^could not write artefact ${path.replace(/[.]/g, '\\.')}: E(EXIST|NOTDIR)`));
  });

  it('writes parts in order, as one file, many more than one writev takes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-atomic-'));
    const path = join(dir, 'new', 'parts.txt');
    const parts = Array.from({ length: 3000 }, (_, i) => Buffer.from(i % 7 === 0 ? '' : `${i}é,`));
    await writeAtomically(path, parts, 'test file');
    expect(await readFile(path, 'utf8')).toBe(Buffer.concat(parts).toString());
    expect(await readdir(join(dir, 'new'))).toEqual(['parts.txt']);
  });

  it('writes parts made while it writes, and leaves no file when making them fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-atomic-'));
    const path = join(dir, 'streamed.txt');
    async function* lines(n: number, failAt?: number) {
      for (let i = 0; i < n; i++) {
        if (i === failAt) throw new Error('the source broke');
        yield Buffer.from(`line ${i}\n`);
      }
    }
    await writeAtomically(path, lines(5000), 'test file');
    expect(await readFile(path, 'utf8')).toBe(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
    await expect(writeAtomically(path, lines(5000, 2500), 'test file')).rejects.toThrow(/^could not write test file: the source broke/);
    // The earlier file stays whole and no temp file is left beside it.
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(5001);
    expect(await readdir(dir)).toEqual(['streamed.txt']);
  });
});
