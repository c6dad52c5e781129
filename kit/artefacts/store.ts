import type { Artefact } from './artefact.js';

export type ReadResult<T> =
  | { readonly status: 'hit'; readonly artefact: Artefact<T> }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt'; readonly problem: string };

/** The right to compute one artefact, held by one process at a time until released or lapsed. */
export interface ComputeClaim {
  /** How long the claim lives without renewal; a holder that dies lets it lapse after this. */
  readonly leaseMs: number;
  /** Extends the lease by its full length; false when it had already lapsed and may be someone else's. */
  renew(): Promise<boolean>;
  /** Gives the claim up, only if it is still ours. */
  release(): Promise<void>;
}

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
  /**
   * Stores that several processes share implement this, so that one of them computes each
   * artefact: a claim when this caller may compute `hash`, undefined while another holds it.
   */
  claim?(hash: string): Promise<ComputeClaim | undefined>;
  /**
   * Removes what writes cut off by a crash left behind (a temp file per interrupted write on a
   * filesystem), older than `olderThanMs` so no live write is touched; returns how many.
   */
  removeStaleTemps?(olderThanMs: number): Promise<number>;
  /** Closes connections the store opened; absent when it holds none. */
  close?(): Promise<void>;
}
