import { integrityProblem, type Artefact } from '../kit/artefacts/artefact.js';
import type { ArtefactStore, ReadResult } from '../kit/artefacts/store.js';

/** In-memory store for tests; copies on the way in and out so callers cannot mutate stored data. */
export class MemoryArtefactStore implements ArtefactStore {
  readonly kind = 'memory';
  private readonly items = new Map<string, string>();

  async read<T>(hash: string): Promise<ReadResult<T>> {
    const text = this.items.get(hash);
    if (text === undefined) return { status: 'miss' };
    let artefact: Artefact<T>;
    try {
      artefact = JSON.parse(text) as Artefact<T>;
    } catch (e) {
      return { status: 'corrupt', problem: `not valid JSON (${(e as Error).message})` };
    }
    const problem = integrityProblem(artefact, hash);
    return problem ? { status: 'corrupt', problem } : { status: 'hit', artefact };
  }

  async write(artefact: Artefact): Promise<void> {
    this.items.set(artefact.hash, JSON.stringify(artefact));
  }

  async delete(hash: string): Promise<void> {
    this.items.delete(hash);
  }

  async *list(): AsyncGenerator<string> {
    yield* [...this.items.keys()];
  }

  /** Test hook: overwrite the raw stored text, e.g. to simulate corruption. */
  _setRaw(hash: string, text: string): void {
    this.items.set(hash, text);
  }
}
