import type { Artefact } from './artefact.js';

export type ReadResult<T> =
  | { readonly status: 'hit'; readonly artefact: Artefact<T> }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt'; readonly problem: string };

/** Content-addressed artefact storage. Backends run one shared conformance suite. */
export interface ArtefactStore {
  readonly kind: string;
  /** Reads and verifies; a corrupted entry is reported, never returned. */
  read<T>(hash: string): Promise<ReadResult<T>>;
  /** Atomic: a reader never sees half an artefact. */
  write(artefact: Artefact): Promise<void>;
  delete(hash: string): Promise<void>;
  /** Every stored hash (for inspection and garbage collection). */
  list(): AsyncGenerator<string>;
}
