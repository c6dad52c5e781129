import { readFile, rm, readdir, stat } from 'node:fs/promises';
import { writeAtomically } from '../../base/atomic-write.js';
import { join } from 'node:path';
import { integrityProblem, type Artefact } from './artefact.js';
import type { ArtefactStore, ReadResult } from './store.js';

/**
 * Filesystem store: one pretty-printed JSON file per artefact under <dir>/<hh>/<hash>.json, so
 * people can open artefacts in an editor. Writes go to a temp file and are renamed into place.
 */
export class FsArtefactStore implements ArtefactStore {
  readonly kind = 'fs';
  constructor(readonly dir: string) {}

  pathOf(hash: string): string {
    return join(this.dir, hash.slice(0, 2), `${hash}.json`);
  }

  async read<T>(hash: string): Promise<ReadResult<T>> {
    let text: string;
    try {
      text = await readFile(this.pathOf(hash), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'miss' };
      throw e;
    }
    let artefact: Artefact<T>;
    try {
      artefact = JSON.parse(text) as Artefact<T>;
    } catch (e) {
      return { status: 'corrupt', problem: `${this.pathOf(hash)} is not valid JSON (${(e as Error).message})` };
    }
    const problem = integrityProblem(artefact, hash);
    return problem ? { status: 'corrupt', problem: `${this.pathOf(hash)}: ${problem}` } : { status: 'hit', artefact };
  }

  async write(artefact: Artefact): Promise<void> {
    const path = this.pathOf(artefact.hash);
    await writeAtomically(path, JSON.stringify(artefact, null, 1), `artefact ${path}`);
  }

  async delete(hash: string): Promise<void> {
    await rm(this.pathOf(hash), { force: true });
  }

  /** Temp files (`<hash>.json.<uuid>.tmp`) of writes a killed process never renamed into place. */
  async removeStaleTemps(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const shard of await this.shards()) {
      for (const f of await readdir(join(this.dir, shard))) {
        if (!f.endsWith('.tmp')) continue;
        const path = join(this.dir, shard, f);
        const info = await stat(path).catch(() => undefined);
        if (info && now - info.mtimeMs > olderThanMs) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private async shards(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((d) => d.length === 2).sort();
    } catch {
      return [];
    }
  }

  async *list(): AsyncGenerator<string> {
    for (const shard of await this.shards()) {
      for (const f of (await readdir(join(this.dir, shard))).sort()) {
        if (f.endsWith('.json')) yield f.slice(0, -'.json'.length);
      }
    }
  }
}
